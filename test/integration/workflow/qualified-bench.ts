/**
 * What the qualified-signature tests (issue 13) share: an eID test card in SoftHSM2 whose citizen CA answers
 * OCSP and CRL from a local responder (B's helpers), a trusted list naming that CA as a qualified CA/QC service
 * (D's helper), and the revocation source the service uses for it (our CAs first, then OCSP/CRL over HTTP).
 */
import { X509Certificate } from 'node:crypto';
import { combineRevocationSources } from '../../../src/keys/combined-revocation-source.ts';
import { createRemoteRevocationSource } from '../../../src/keys/remote-revocation-source.ts';
import type { RevocationSource } from '../../../src/keys/index.ts';
import { parseTrustList, type TrustList } from '../../../src/pades/trust-list.ts';
import { initSoftHsmToken } from '../../helpers/csc-server.ts';
import { buildEidChain, createEidCard, type EidCard, type EidVariant, type QcStatementsSpec } from '../../helpers/eid-card.ts';
import { startForeignCaResponder, type ForeignCaResponder } from '../../helpers/foreign-ca-responder.ts';
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.ts';
import { trustListXml } from '../../helpers/trust-list-xml.ts';
import type { WorkflowDeps } from '../../../src/workflow/index.ts';
import { openBench, type Bench } from './helpers.ts';

export interface EidBench {
  card: EidCard;
  responder: ForeignCaResponder;
  /** Lists the card's citizen CA as a granted CA/QC service, as the Belgian list does. */
  trustList: TrustList;
  trustListXml: string;
  /** `own` (the workflow's) first, then the card's CA over HTTP. */
  revocation(own: RevocationSource): RevocationSource;
  /** The card's CA over HTTP alone (WorkflowDeps.remoteRevocation, for the B-LT step). */
  remoteRevocation: RevocationSource;
  /** Another certificate for the card's key, by another citizen CA on the same list, with other QcStatements. */
  otherCertificate(qcStatements: QcStatementsSpec): Promise<{ chain: Buffer[]; trustList: TrustList }>;
  close(): Promise<void>;
}

let softHsm: SoftHsm | undefined;

/** One SoftHSM2 per test process (SOFTHSM2_CONF is read once per process); each card or QTSP gets its own token. */
export function sharedSoftHsm(): SoftHsm {
  softHsm ??= createSoftHsm();
  return softHsm;
}

/**
 * A TS 119 612 list with each of `caCertificates` as a granted CA/QC service of one provider; `qualifiers` (e.g.
 * QCStatement, QCWithQSCD, QCForESig) say for its certificates with nonRepudiation what they may not say themselves.
 */
export function qualifiedCaList(tsp: string, caCertificates: readonly Buffer[], qualifiers?: readonly string[]): string {
  return trustListXml({ tsp, territory: 'BE', services: caCertificates.map((der, i) => ({ name: `${tsp} CA ${i + 1}`, type: 'CA/QC', status: 'granted', certificates: [der], qualifiers })) });
}

export async function openEidBench(name = { given: 'Jan', surname: 'Peeters' }, variant: EidVariant = 'ecdsa-p384'): Promise<EidBench> {
  const softHsm = sharedSoftHsm();
  const token = initSoftHsmToken(softHsm, `BELPIC ${Math.random().toString(36).slice(2, 10)}`);
  const responder = await startForeignCaResponder();
  const card = await createEidCard({
    softHsm,
    variant,
    name,
    token: { slot: 0, ...token },
    ocspUrl: responder.ocspUrl,
    caIssuersUrl: responder.caIssuersUrl,
    crlUrl: responder.crlUrl,
  });
  responder.setIssuer(card.citizenCaDer, card.citizenCaKey);
  const listFor = (caCertificates: Buffer[]) => qualifiedCaList('Test Belgian Federal Government', caCertificates);
  const xml = listFor([card.citizenCaDer]);
  const remote = createRemoteRevocationSource({ timeoutMs: 5_000 });
  return {
    card,
    responder,
    trustList: parseTrustList(xml),
    trustListXml: xml,
    revocation: (own) => combineRevocationSources(own, remote),
    remoteRevocation: remote,
    async otherCertificate(qcStatements) {
      const leaf = new X509Certificate(card.signatureCertDer);
      const other = await buildEidChain({ subjectPublicKey: leaf.publicKey, name, ocspUrl: responder.ocspUrl, crlUrl: responder.crlUrl, qcStatements });
      return { chain: other.chain, trustList: parseTrustList(listFor([card.citizenCaDer, other.citizenCaDer])) };
    },
    async close() {
      await card.close();
      await responder.close();
    },
  };
}

export interface QualifiedBench {
  bench: Bench;
  eid: EidBench;
  /** The bench's deps, trusting the card's list and asking its CA for revocation. */
  deps: WorkflowDeps;
  close(): Promise<void>;
}

/** The workflow bench and an eID card for Jan Peeters, wired as the qualified-signing tests use them. */
export async function openQualifiedBench(): Promise<QualifiedBench> {
  const [bench, eid] = await Promise.all([openBench(), openEidBench()]);
  const deps: WorkflowDeps = { ...bench.deps, trustList: eid.trustList, revocation: eid.revocation(bench.deps.revocation), remoteRevocation: eid.remoteRevocation };
  return {
    bench,
    eid,
    deps,
    async close() {
      await eid.close();
      await bench.close();
    },
  };
}
