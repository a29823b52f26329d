/**
 * Keeping signed documents verifiable for decades (issue 9, ETSI EN 319 142-1 §5.4): after each
 * signature a DSS revision ('ltv', PAdES B-LT); when an envelope completes, and again before the TSA
 * certificate of its newest document timestamp expires, an archive timestamp (B-LTA): validation data,
 * a document timestamp ('timestamp' revision) and the TSA's validation data. Every revision is appended
 * with its audit event in the caller's transaction.
 */
import { randomUUID, type X509Certificate } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEventUnderLock } from '../audit/chain.ts';
import { AppError } from '../errors.ts';
import type { AuditEvent } from '../audit/events.ts';
import { createOwnRevocationSource, isCrlReason, type CertStatus, type PkiAuthorities, type PkiProvider, type RevocationSource, type TimeStamper } from '../keys/index.ts';
import { extendWithValidationData, stampDocument } from '../pades/index.ts';
import { insertRevision, type NewRevision } from '../store/document-repository.ts';
import { putContinuing, type StoredBlob } from '../store/blob-store.ts';
import type { WorkflowDeps } from './deps.ts';
import { certificateSha256, certificateStatus, OCSP_VALIDITY_MS, ownRevocationSource } from './pki-publication.ts';
import { revokedByAny, serialHex, type Revocation } from '../store/revoked-certificates.ts';
import { combineRevocationSources } from '../keys/combined-revocation-source.ts';
import { BoundedMap, CertificateCache } from '../keys/certificate-cache.ts';
import { OcspAnswerCache } from '../keys/own-revocation-source.ts';

/** What the long-term steps need beyond the store: trusted time, our CAs (for revocation data), the trust anchors. */
export interface LongTermDeps extends Pick<WorkflowDeps, 'db' | 'blobs' | 'clock' | 'logger' | 'remoteRevocation' | 'validationDataCache'> {
  timeStamper: TimeStamper;
  authorities: PkiAuthorities;
  pki: Pick<PkiProvider, 'trustAnchors'>;
}

/**
 * Our CAs' revocation answers read through the caller's transaction: a revocation recorded in it counts,
 * and SQLite's single connection is not asked for twice (deps.revocation reads through deps.db).
 */
function revocationIn(trx: Knex.Transaction, deps: LongTermDeps): RevocationSource {
  const own = ownRevocationSource({ db: trx, clock: deps.clock, authorities: deps.authorities });
  // A signer's own certificate (eID, remote QSCD, issue 13): its CA's OCSP responder or CRL, after ours.
  return deps.remoteRevocation ? combineRevocationSources(own, deps.remoteRevocation) : own;
}

/** A document's newest revision as the steps go: its seq and bytes. */
export interface DocumentState {
  documentId: string;
  seq: number;
  pdf: Buffer;
}

/** Writes an audit event (and the document hash it concerns) in the caller's transaction. */
export type RecordEvent = (event: AuditEvent, documentSha256: string) => Promise<unknown>;

/** Who the trail says added validation data and archive timestamps. */
export const LONG_TERM_ACTOR = { kind: 'system', label: 'long-term validation' } as const;

/** RecordEvent for a transaction that locked the envelope's row already (the chain's lock, DESIGN §6). */
export function recorder(trx: Knex.Transaction, target: { organisationId: string; envelopeId: string }, now: Date): RecordEvent {
  return async (event, documentSha256) => {
    await appendAuditEventUnderLock(trx, { ...target, event, actor: LONG_TERM_ACTOR, documentSha256, occurredAt: now });
  };
}

/**
 * What some of our CAs have revoked, by the SHA-256 of each CA's certificate: the read started before the signing
 * (readRevocations), so its round trip goes on while the documents are signed.
 */
export interface RevocationsRead {
  issuers: readonly string[];
  revoked: Promise<readonly Revocation[]>;
}

/**
 * Starts reading what `issuers` have revoked; a failure is met where it is awaited (the B-LT step), not as an unhandled
 * rejection. Given how many revocations were `recorded` as the caller read them (SigningAccess), what this process read
 * for the same issuers while that many were recorded is taken instead, with no statement (issue 11): revocations are
 * only ever added, so an unchanged number is an unchanged list, and one recorded anywhere changes it for every instance.
 */
export function readRevocations(deps: Pick<WorkflowDeps, 'db' | 'validationDataCache'>, issuers: readonly string[], recorded?: number): RevocationsRead {
  const kept = recorded === undefined ? undefined : deps.validationDataCache?.revocations;
  const known = kept?.take(issuers, recorded!);
  if (known) return { issuers, revoked: Promise.resolve(known) };
  const revoked = revokedByAny(deps.db, issuers);
  revoked.catch(() => undefined);
  // Read after the number was: what it answers holds at least those, and is kept under that number.
  if (kept) void revoked.then((list) => kept.keep(issuers, recorded!, list), () => undefined);
  return { issuers, revoked };
}

/** What our CAs had revoked as this process last read it, by the issuers asked about, with the number recorded then (readRevocations). */
export class RevocationsKept {
  private readonly kept = new BoundedMap<string, { recorded: number; revoked: readonly Revocation[] }>(REVOCATION_SETS_KEPT);

  take(issuers: readonly string[], recorded: number): readonly Revocation[] | undefined {
    const kept = this.kept.get(issuers.join());
    return kept?.recorded === recorded ? kept.revoked : undefined;
  }

  keep(issuers: readonly string[], recorded: number, revoked: readonly Revocation[]): void {
    this.kept.set(issuers.join(), { recorded, revoked });
  }
}

/** One set of issuers per organisation that signs through this process (its CA's chain and the trust anchors). */
const REVOCATION_SETS_KEPT = 256;

/**
 * The CAs whose revocations a signature of `organisation`'s will be asked about: its issuing CA's chain and the
 * trust anchors (the root, which also issued the TSA's certificate). Their SHA-256, to read with the documents.
 */
export async function revocationIssuers(deps: Pick<WorkflowDeps, 'authorities'> & Pick<LongTermDeps, 'pki'>, organisation: { slug: string }): Promise<string[]> {
  const authority = await deps.authorities.authority(organisation.slug);
  return [...(authority?.certificates ?? []), ...deps.pki.trustAnchors.map((c) => c.raw)].map((der) => certificateSha256(der));
}

/** How long an OCSP answer of ours about a CA's or the TSA's certificate is put in new signatures' B-LT data again. */
export const OCSP_REUSE_MS = 60 * 60_000;

/**
 * What the sign requests of one process share (issue 11), built once with `deps` (DESIGN §2: no module
 * state): the certificates every signature carries — our CAs', the root's, the TSA's — parsed and checked
 * once, our CAs' OCSP answers about them signed once per OCSP_REUSE_MS instead of once per signature, and what our
 * CAs revoked, read again only once another revocation is recorded.
 */
export interface ValidationDataCache {
  certificates: CertificateCache;
  ocspAnswers: OcspAnswerCache;
  revocations: RevocationsKept;
}

export function createValidationDataCache(): ValidationDataCache {
  return { certificates: new CertificateCache(), ocspAnswers: new OcspAnswerCache(), revocations: new RevocationsKept() };
}

/**
 * Our CAs' revocation answers for the B-LT data of new signatures, read before the write lock (issue 11):
 * what the CAs of `read` have revoked (its read started before the signing), and on the first
 * question about any other CA of `chains` (each signer's chain, leaf first) or the trust anchors, one
 * statement for all of them — `cert revoke` lists, short; a certificate of another CA is asked about on
 * its own. A revocation recorded after this read and before the commit is in the next revision's data,
 * as it would be for one recorded a moment later.
 * Each signer's own certificate gets an answer signed now; an answer about any other certificate (a CA's,
 * the TSA's) signed less than OCSP_REUSE_MS ago for the same status is given again (deps.validationDataCache):
 * a revocation read here changes the status, so it is answered anew at once.
 */
export function prefetchedRevocation(deps: LongTermDeps, chains: ReadonlyArray<ReadonlyArray<Buffer | Uint8Array>>, read?: RevocationsRead): RevocationSource {
  const signers = new Set(chains.map((chain) => certificateSha256(chain[0])));
  const statuses = (revoked: readonly Revocation[]) => {
    const map = new Map<string, CertStatus>();
    for (const r of revoked) {
      const reason = r.reason && isCrlReason(r.reason) ? r.reason : undefined;
      map.set(`${r.issuerSha256}:${r.serialHex}`, { status: 'revoked', revokedAt: new Date(r.revokedAt), ...(reason ? { reason } : {}) });
    }
    return map;
  };
  // Read while signing: no statement here. Any other CA of the chains: one statement, on the first question.
  const readBefore = new Set(read?.issuers);
  const known = read?.revoked.then(statuses);
  const issuers = [...chains.flat(), ...deps.pki.trustAnchors.map((c) => c.raw)].map((der) => certificateSha256(der)).filter((issuer) => !readBefore.has(issuer));
  let loaded: Promise<Map<string, CertStatus>> | undefined;
  const lookUp = async (issuerSha256: string): Promise<Map<string, CertStatus> | null> => {
    if (known && readBefore.has(issuerSha256)) return known;
    if (!issuers.includes(issuerSha256)) return null;
    loaded ??= revokedByAny(deps.db, issuers).then(statuses);
    return loaded;
  };
  const own = createOwnRevocationSource({
    authorityFor: (issuer) => deps.authorities.authorityFor(issuer),
    async status(issuer, serial) {
      const issuerSha256 = certificateSha256(issuer.raw);
      const revoked = await lookUp(issuerSha256);
      if (!revoked) return certificateStatus(deps, issuer, serial);
      return revoked.get(`${issuerSha256}:${serialHex(serial)}`) ?? { status: 'good' };
    },
    clock: deps.clock,
    ocspValidityMs: OCSP_VALIDITY_MS,
    certificates: deps.validationDataCache?.certificates,
    reuse: deps.validationDataCache && {
      answers: deps.validationDataCache.ocspAnswers,
      maxAgeMs: OCSP_REUSE_MS,
      fresh: (certificate) => signers.has(certificateSha256(certificate.raw)),
    },
  });
  return deps.remoteRevocation ? combineRevocationSources(own, deps.remoteRevocation) : own;
}

/** The B-LT data of `pdf` as a sign request adds it (the bench times this very call): with the trust anchors and the deps' cache. */
export function extendForLongTerm(deps: LongTermDeps, pdf: Buffer, revocation: RevocationSource, refresh: 'missing' | 'all' = 'missing') {
  return extendWithValidationData(pdf, { revocation, extraCertificates: deps.pki.trustAnchors, refresh, certificates: deps.validationDataCache?.certificates });
}

/** A B-LT revision built and its blob stored, not yet recorded: what the write phase appends. */
export interface ValidationRevision {
  state: DocumentState;
  blob: { sha256: string; size: number };
  event: AuditEvent;
}

/** A DSS revision built, not yet stored: its bytes, and what it added for the audit event. */
export interface ExtendedState {
  state: DocumentState;
  added: { certs: number; ocsps: number; crls: number };
  withoutRevocation: number;
}

/** A DSS revision's bytes (all CPU); null when there is nothing to add. */
export async function extendValidationRevision(deps: LongTermDeps, state: DocumentState, revocation: RevocationSource, refresh: 'missing' | 'all' = 'missing'): Promise<ExtendedState | null> {
  const extended = await extendForLongTerm(deps, state.pdf, revocation, refresh);
  if (extended.pdf === state.pdf) return null;
  if (extended.withoutRevocation.length > 0) {
    const subjects = extended.withoutRevocation.map((c) => c.subject.replace(/\n/g, ', '));
    deps.logger.warn({ documentId: state.documentId, subjects }, 'no revocation data for some certificates: the document does not reach B-LT');
  }
  return { state: { documentId: state.documentId, seq: state.seq + 1, pdf: extended.pdf }, added: extended.added, withoutRevocation: extended.withoutRevocation.length };
}

/** A DSS revision built, as stored under `blob`: what the write phase appends, and its audit event. */
export function validationRevisionOf(built: ExtendedState, blob: StoredBlob): ValidationRevision {
  const { state, added } = built;
  return {
    state,
    blob,
    event: {
      action: 'document.validation_data_added',
      details: { documentId: state.documentId, revisionSeq: state.seq, revisionSha256: blob.sha256, certificates: added.certs, ocspResponses: added.ocsps, crls: added.crls, withoutRevocation: built.withoutRevocation },
    },
  };
}

export interface ArchiveTimestampOptions {
  /** Refuse (TsaExpiringError, nothing stored) a timestamp whose TSA certificate expires before this. */
  tsaValidUntil?: Date;
}

/** The code of the error `appendArchiveTimestamp` throws when the TSA's certificate does not outlive `tsaValidUntil`. */
export const TSA_EXPIRING = 'archive_timestamp_tsa_expiring';

/**
 * A renewal made with a TSA certificate that itself expires within the renewal window proves nothing beyond
 * the timestamp it renews (ETSI EN 319 102-1 §5.6.3 needs a new, longer-lived one): the next pass would only
 * renew it again. Refused loudly, never stored: the TSA must roll its key over (or TSA_URL name another TSA).
 */
function assertTsaOutlives(certificate: X509Certificate, validUntil: Date | undefined): void {
  if (!validUntil || new Date(certificate.validTo) > validUntil) return;
  throw new AppError(TSA_EXPIRING, 500, 'The archive timestamp was not renewed: the TSA certificate expires within the renewal window.', {
    detail: `TSA certificate ${certificate.subject.replace(/\n/g, ', ')} (serial ${certificate.serialNumber}) expires ${new Date(certificate.validTo).toISOString()}, before ${validUntil.toISOString()}: roll the TSA key over or configure a TSA whose certificate lives longer`,
  });
}

/** A revision of an archive timestamp (B-LTA) built and its blob stored, or on its way: its row and audit event to write. */
export interface LongTermRevision {
  kind: 'ltv' | 'timestamp';
  state: DocumentState;
  blob: StoredBlob;
  event: AuditEvent;
  /** A document timestamp's: when its TSA certificate expires (the renewal job's due date). */
  timestampExpiresAt?: string;
}

/** How a revision's bytes are stored: answers the blob they are stored as (`earlier`: the revision they continue). */
export type StoreRevision = (pdf: Buffer, earlier: Buffer) => Promise<StoredBlob>;

/**
 * B-LTA for one document, built and stored but not written: validation data for what it holds (fresh for every certificate
 * on renewal, ETSI EN 319 102-1 §5.6.3), a document timestamp, then the validation data of its TSA; each revision's
 * blob stored by `store`. The revisions in order, the last one current; none is recorded yet.
 */
export async function buildArchiveTimestamp(
  deps: LongTermDeps,
  state: DocumentState,
  revocation: RevocationSource,
  purpose: 'completion' | 'renewal',
  store: StoreRevision,
  options: ArchiveTimestampOptions = {},
): Promise<LongTermRevision[]> {
  const revisions: LongTermRevision[] = [];
  const addValidationData = async (from: DocumentState, refresh: 'missing' | 'all'): Promise<DocumentState> => {
    const built = await extendValidationRevision(deps, from, revocation, refresh);
    if (!built) return from;
    const revision = validationRevisionOf(built, await store(built.state.pdf, from.pdf));
    revisions.push({ kind: 'ltv', ...revision });
    return revision.state;
  };
  const before = await addValidationData(state, purpose === 'renewal' ? 'all' : 'missing');
  const stamped = await stampDocument(before.pdf, { timeStamper: deps.timeStamper });
  const tsa = { certificate: stamped.tsaCertificate, genTime: stamped.genTime };
  assertTsaOutlives(tsa.certificate, options.tsaValidUntil);
  const next = { documentId: state.documentId, seq: before.seq + 1, pdf: stamped.pdf };
  const blob = await store(next.pdf, before.pdf);
  revisions.push({
    kind: 'timestamp',
    state: next,
    blob,
    timestampExpiresAt: new Date(tsa.certificate.validTo).toISOString(),
    event: {
      action: 'document.timestamped',
      details: {
        documentId: state.documentId,
        revisionSeq: next.seq,
        revisionSha256: blob.sha256,
        purpose,
        genTime: tsa.genTime.toISOString(),
        tsaCertificate: { subject: tsa.certificate.subject.replace(/\n/g, ', '), serialNumber: tsa.certificate.serialNumber, notAfter: new Date(tsa.certificate.validTo).toISOString() },
      },
    },
  });
  await addValidationData(next, 'missing');
  return revisions;
}

/** The rows of long-term revisions, for one insert. */
export function longTermRevisionRows(revisions: readonly LongTermRevision[], now: string): NewRevision[] {
  return revisions.map((r) => ({ id: randomUUID(), documentId: r.state.documentId, seq: r.state.seq, blobSha256: r.blob.sha256, size: r.blob.size, kind: r.kind, now, timestampExpiresAt: r.timestampExpiresAt }));
}

/** buildArchiveTimestamp in the caller's transaction (the renewal job's), its revisions and events written there: the new current state. */
export async function appendArchiveTimestamp(
  trx: Knex.Transaction,
  deps: LongTermDeps,
  state: DocumentState,
  record: RecordEvent,
  purpose: 'completion' | 'renewal',
  options: ArchiveTimestampOptions = {},
): Promise<DocumentState> {
  const revisions = await buildArchiveTimestamp(deps, state, revocationIn(trx, deps), purpose, (pdf, earlier) => putContinuing(deps.blobs, pdf, earlier), options);
  for (const [i, row] of longTermRevisionRows(revisions, deps.clock().toISOString()).entries()) {
    await insertRevision(trx, row);
    await record(revisions[i]!.event, row.blobSha256);
  }
  return revisions.at(-1)?.state ?? state;
}
