/**
 * The service with its whole PKI in a PKCS#11 token (SoftHSM2), wired as main.ts does when PKCS11_MODULE is set:
 * the TokenPkiServices go into the app's deps, so the organisation's CA in the token issues the one-shot
 * certificate, the TSA key in the token timestamps the signature (B-T), and the completed PDF is valid for
 * pdfsig (trusting only the token's root), qpdf, openssl and verifyPdf.
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initTokenPki, Pkcs11Token, createTokenPkiServices, type TokenPkiServices } from '../../../src/keys/index.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { createOrganisation } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { createEnvelope, sendEnvelope } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { extractSignatures } from '../../helpers/validators.ts';
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.ts';
import { expectAllValid } from '../engine/check.ts';
import { fixture } from './helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

const execFileAsync = promisify(execFile);

describe('workflow: the PKI in a PKCS#11 token (SoftHSM2)', function () {
  this.timeout(180_000);
  let hsm: SoftHsm;
  let pki: TokenPkiServices;
  let app: TestApp;

  before(async () => {
    hsm = createSoftHsm();
    const token = Pkcs11Token.open(hsm.initToken('paraaf-workflow'));
    await initTokenPki(token, { baseUrl: 'https://paraaf.test' });
    pki = await createTokenPkiServices({ token, baseUrl: 'https://paraaf.test', provisionOnFirstUse: true });
    app = await bootstrap({ pki, trustAnchors: [pki.root] });
  });
  after(async () => {
    await app?.close();
    await pki?.close();
    hsm?.cleanup();
  });

  it("signs a council decision with a one-shot certificate from the organisation's token CA, timestamped by the token TSA", async () => {
    const deps = app.deps.workflow;
    const organisation = await createOrganisation(deps.db, { slug: 'zoersel', name: 'Gemeente Zoersel' });
    const actor = { kind: 'api_key' as const, id: 'a0c8f5b2-4b7e-4c1e-9d43-5d2f0e6b7a11', label: 'zaaksysteem' };
    const created = await createEnvelope(deps, {
      organisationId: organisation.id,
      actor,
      title: 'Gemeenteraad — besluit 2026/112',
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [{ name: 'Liesbeth Van den Broeck', email: 'liesbeth@zoersel.test', function: 'Algemeen directeur', role: 'signer', routingOrder: 1 }],
    });
    await sendEnvelope(deps, { organisationId: organisation.id, actor, envelopeId: created.id });
    const mailed = await listOutbox(deps.db, organisation.id, { kind: 'mail' });
    const link = mailed.map((row) => /\/s\/([A-Za-z0-9_-]+)/.exec((row.payload as MailMessage).text)?.[1]).find(Boolean);
    const done = await signAfterReading(deps, { token: link! });
    expect(done.envelope.status).to.equal('completed');

    const revisions = await revisionsOf(deps.db, created.documents[0].id);
    const signedPdf = await deps.blobs.get(revisions.find((revision) => revision.kind === 'signature')!.blobSha256);
    const { report } = await expectAllValid(signedPdf, pki.root.toString(), { count: 1, label: 'token PKI' });
    expect(report.signatures[0].signer?.commonName).to.equal('Liesbeth Van den Broeck');

    // The signer's certificate was issued by the organisation's CA whose key is in the token.
    const ca = (await pki.authorities.authority('zoersel'))!;
    const cms = extractSignatures(signedPdf)[0].contents;
    const leafIssuer = new X509Certificate(ca.certificates[0]);
    expect(leafIssuer.subject).to.contain('CN=Gemeente Zoersel — uitgevende CA');
    expect(cms.includes(ca.certificates[0])).to.equal(true);
    // B-T: the signature-time-stamp token inside the CMS carries the token TSA's certificate.
    expect(cms.includes(pki.tsaKey.certificates[0])).to.equal(true);

    // The token CA signs its CRL and its OCSP responses, served over HTTP (RFC 5280 §5, RFC 6960 §4.2).
    const dir = mkdtempSync(join(tmpdir(), 'paraaf-hsm-pki-'));
    try {
      writeFileSync(join(dir, 'root.pem'), pki.root.toString());
      writeFileSync(join(dir, 'ca.pem'), leafIssuer.toString());
      const leafDer = extractLeaf(cms, ca.certificates[0]);
      writeFileSync(join(dir, 'leaf.pem'), new X509Certificate(leafDer).toString());
      writeFileSync(join(dir, 'ca.crl'), Buffer.from(await (await fetch(`${app.url}/pki/zoersel/crl`)).arrayBuffer()));
      const crl = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', 'ca.crl', '-CAfile', 'ca.pem', '-noout'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      expect(crl).to.equal('');
      // Asynchronous: the responder answers from this very process.
      const { stdout: ocsp } = await execFileAsync('openssl', ['ocsp', '-url', `${app.url}/pki/zoersel/ocsp`, '-issuer', 'ca.pem', '-cert', 'leaf.pem',
        '-CAfile', 'root.pem', '-verify_other', 'ca.pem'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(ocsp).to.match(/leaf\.pem: good/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The certificate in the CMS that `issuerDer` issued (the signer's one-shot certificate). */
function extractLeaf(cms: Buffer, issuerDer: Buffer): Buffer {
  const issuer = new X509Certificate(issuerDer);
  for (let at = cms.indexOf(0x30); at >= 0; at = cms.indexOf(0x30, at + 1)) {
    try {
      const length = cms[at + 1] === 0x82 ? cms.readUInt16BE(at + 2) + 4 : -1;
      if (length < 0) continue;
      const candidate = new X509Certificate(cms.subarray(at, at + length));
      if (!candidate.ca && candidate.checkIssued(issuer) && candidate.verify(issuer.publicKey)) return Buffer.from(candidate.raw);
    } catch {
      /* not a certificate here */
    }
  }
  throw new Error('no leaf certificate in the CMS');
}
