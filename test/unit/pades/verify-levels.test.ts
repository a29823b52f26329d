/**
 * verifyPdf at the proven time: PAdES levels B-B → B-LTA with reasons, signed with an openssl TSA and
 * openssl OCSP responses (test/helpers/ltv-doubles.ts), and past/future validation with `at`: a B-LTA
 * file judged twenty years ahead on embedded data only stays valid while its newest timestamp's TSA
 * chain is valid then, and not after.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { createBuiltInTsa } from '../../../src/pades/tsa.ts';
import { extendToLta, signPdfAtLevel } from '../../../src/pades/sign-at-level.ts';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import type { TimeStamper } from '../../../src/keys/types.ts';
import { opensslOcsp, opensslTsa } from '../../helpers/ltv-doubles.ts';
import { localKey, openssl, pki, type Issued } from '../../helpers/openssl-pki.ts';
import { pdfsig } from '../../helpers/validators.ts';
import { createPrivateKey } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schemas } from '../../../src/http/openapi/schemas.ts';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;

/** The report must be what OpenAPI's ValidationReport says (additionalProperties false throughout). */
function expectDocumented(report: unknown): void {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'urn:paraaf:report', components: { schemas } });
  const validate = ajv.compile({ $ref: 'urn:paraaf:report#/components/schemas/ValidationReport' });
  expect(validate(report), JSON.stringify(validate.errors)).to.equal(true);
}

const FIXTURE = readFileSync(join(import.meta.dirname, '../../../fixtures/pdf/pdflib-decision.pdf'));
const YEAR = 365.25 * 86_400_000;

/** A root and TSA that live 30 and 27 years, for the archive timestamp (openssl-made). */
function longLivedTsa(): { root: Issued; tsa: Issued; stamper: TimeStamper } {
  const { dir } = pki();
  writeFileSync(join(dir, 'long-ext.cnf'), `[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'long-root.key', '-out', 'long-root.pem',
    '-subj', '/O=Archief/CN=Archive Root', '-days', '11000', '-config', 'req.cnf', '-extensions', 'ca'], { cwd: dir });
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'long-tsa.key', '-out', 'long-tsa.csr',
    '-subj', '/O=Archief/CN=Archive TSA', '-config', 'req.cnf'], { cwd: dir });
  openssl(['x509', '-req', '-in', 'long-tsa.csr', '-CA', 'long-root.pem', '-CAkey', 'long-root.key', '-CAcreateserial', '-days', '10000',
    '-sha256', '-extfile', 'long-ext.cnf', '-extensions', 'tsa', '-out', 'long-tsa.pem'], { cwd: dir });
  const load = (name: string): Issued => {
    const pem = readFileSync(join(dir, `${name}.pem`), 'utf8');
    return { cert: new X509Certificate(pem), pem, certPath: join(dir, `${name}.pem`), keyPath: join(dir, `${name}.key`), key: createPrivateKey(readFileSync(join(dir, `${name}.key`))) };
  };
  const root = load('long-root');
  const tsa = load('long-tsa');
  const stamper = createBuiltInTsa({ key: localKey(tsa, [root], 'ecdsa', 'sha256'), policy: '1.3.6.1.4.1.99999.7', clock: () => new Date() });
  return { root, tsa, stamper };
}

describe('verifyPdf: levels and the proven time', function () {
  this.timeout(120_000);
  const p = pki();
  const key = () => localKey(p.ec256, [p.intermediate], 'ecdsa', 'sha256');
  const anchors = () => [p.root.cert];
  const sign = (level: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA', extra: Partial<Parameters<typeof signPdfAtLevel>[1]> = {}) =>
    signPdfAtLevel(FIXTURE, { key: key(), signer: { name: 'Bart De Smet' }, level, timeStamper: opensslTsa(), revocation: opensslOcsp(), extraCertificates: [p.root.cert], ...extra });

  it('B-B: the only time is the self-declared /M; judged at the validation time', async () => {
    const report = await verifyPdf(await sign('B-B'), { trustAnchors: anchors() });
    const [s] = report.signatures;
    expect(report.verdict).to.equal('valid');
    expect(s).to.include({ timeSource: 'self_declared', timestamp: null, judgedAt: report.validationTime, valid: true });
    expect(s.level).to.deep.equal({ achieved: 'B-B', reasons: ['B-T: no signature timestamp'] });
    expect(s.problems.join(' ')).to.match(/only signing time is \/M/);
    expectDocumented(JSON.parse(JSON.stringify(report)));
  });

  it('B-T: the signature timestamp is validated and the chain judged at its genTime', async () => {
    const report = await verifyPdf(await sign('B-T'), { trustAnchors: anchors() });
    const [s] = report.signatures;
    expect(s.valid, JSON.stringify(s.problems)).to.equal(true);
    expect(s.timeSource).to.equal('timestamp');
    expect(s.timestamp).to.include({ valid: true, imprintMatches: true, signatureValid: true, timeStampingEku: true });
    expect(s.timestamp!.tsa!.commonName).to.equal('Paraaf Test TSA');
    expect(s.timestamp!.chain.path).to.deep.equal(['CN=Paraaf Test TSA, O=Paraaf Test, C=BE', 'CN=Paraaf Test Issuing CA, O=Paraaf Test, C=BE', 'CN=Paraaf Test Root, O=Paraaf Test, C=BE']);
    expect(s.judgedAt).to.equal(s.timestamp!.genTime);
    expect(s.level.achieved).to.equal('B-T');
    expect(s.level.reasons[0]).to.match(/^B-LT: the DSS lacks the certificate CN=Bart De Smet/);
    expect(s.revocation.status).to.equal('unknown');
  });

  it('B-LT: the DSS holds both chains with OCSP responses; revocation read from it', async () => {
    const report = await verifyPdf(await sign('B-LT'), { trustAnchors: anchors() });
    const [s] = report.signatures;
    expect(s.valid, JSON.stringify(s.problems)).to.equal(true);
    expect(s.level).to.deep.equal({ achieved: 'B-LT', reasons: ['B-LTA: no document timestamp after the signature'] });
    expect(s.revocation.status).to.equal('good');
    expect(s.revocation.certificates.map((c) => [c.status, c.source, c.origin])).to.deep.equal([['good', 'ocsp', 'dss'], ['good', 'ocsp', 'dss']]);
    expect(s.timestamp!.revocation.status).to.equal('good');
  });

  it('B-LTA: a document timestamp covers the DSS; the file stays valid twenty years ahead, offline, while its TSA is valid', async () => {
    const archive = longLivedTsa();
    const lt = await sign('B-LT');
    const lta = await extendToLta(lt, { timeStamper: archive.stamper, revocation: opensslOcsp(), extraCertificates: [p.root.cert, archive.root.cert] });
    const trust = [p.root.cert, archive.root.cert];
    const now = await verifyPdf(lta, { trustAnchors: trust });
    expect(now.verdict, JSON.stringify(now.signatures.map((s) => s.problems))).to.equal('valid');
    expect(now.signatures.map((s) => s.subFilter)).to.deep.equal(['ETSI.CAdES.detached', 'ETSI.RFC3161']);
    expect(now.signatures[0].level).to.deep.equal({ achieved: 'B-LTA', reasons: [] });
    expectDocumented(JSON.parse(JSON.stringify(now)));

    const later = new Date(Date.now() + 20 * YEAR);
    const future = await verifyPdf(lta, { trustAnchors: trust, at: later });
    expect(future.validationTime).to.equal(later.toISOString());
    expect(future.verdict, JSON.stringify(future.signatures.map((s) => s.problems))).to.equal('valid');
    const [signature, documentTimestamp] = future.signatures;
    expect(documentTimestamp.timestamp!.judgedAt).to.equal(later.toISOString());
    // The signature timestamp and the signer are judged at the archive timestamp's genTime, not in 20 years.
    expect(signature.timestamp!.judgedAt).to.equal(documentTimestamp.timestamp!.genTime);
    expect(signature.judgedAt).to.equal(signature.timestamp!.genTime);
    expect(signature.level.achieved).to.equal('B-LTA');

    const tooLate = await verifyPdf(lta, { trustAnchors: trust, at: new Date(Date.now() + 40 * YEAR) });
    expect(tooLate.verdict).to.equal('untrusted');
    expect(tooLate.signatures[1].timestamp!.chain.reason).to.match(/^certificate expired on \S+, before the time it is judged at \(CN=Archive/);
    expect(tooLate.signatures[0].valid).to.equal(false);
  });

  it('a B-T signature is not valid ten years ahead without an archive timestamp (its TSA chain expired)', async () => {
    const report = await verifyPdf(await sign('B-T'), { trustAnchors: anchors(), at: new Date(Date.now() + 10 * YEAR) });
    const [s] = report.signatures;
    expect(s.timestamp!.valid).to.equal(false);
    expect(s.valid).to.equal(false);
    expect(s.level.achieved).to.equal('B-B');
  });

  it('a backdated /M with an expired key is not valid, with or without a timestamp', async () => {
    const old = localKey(p.oldLeaf, [], 'ecdsa', 'sha256');
    const backdated = new Date('2020-01-01T12:00:00Z');
    const bb = await signPdfAtLevel(FIXTURE, { key: old, signer: { name: 'Old Signer' }, level: 'B-B', signingTime: backdated });
    const plain = await verifyPdf(bb, { trustAnchors: [p.oldRoot.cert] });
    expect(plain.signatures[0]).to.include({ timeSource: 'self_declared', valid: false, signingTime: backdated.toISOString() });
    expect(plain.signatures[0].chain.reason).to.match(/^certificate expired on /);
    // Judged as of a moment inside the key's life, the same file holds: past validation with `at`.
    const then = await verifyPdf(bb, { trustAnchors: [p.oldRoot.cert], at: new Date('2020-01-01T13:00:00Z') });
    expect(then.signatures[0].valid).to.equal(true);

    const bt = await signPdfAtLevel(FIXTURE, { key: old, signer: { name: 'Old Signer' }, level: 'B-T', signingTime: backdated, timeStamper: opensslTsa() });
    const stamped = await verifyPdf(bt, { trustAnchors: [p.oldRoot.cert, p.root.cert] });
    const [s] = stamped.signatures;
    expect(s.timeSource).to.equal('timestamp');
    expect(s.valid).to.equal(false);
    expect(s.chain.reason).to.match(/^certificate expired on /);
    expect(Date.parse(s.judgedAt)).to.be.greaterThan(Date.parse('2026-01-01'));
  });

  it('agrees with pdfsig on the B-LT file', async () => {
    const path = join(p.dir, 'verify-levels-lt.pdf');
    writeFileSync(path, await sign('B-LT'));
    const theirs = await pdfsig(path, [p.root.pem]);
    const ours = await verifyPdf(readFileSync(path), { trustAnchors: anchors() });
    expect(theirs.signatures[0].signatureValid).to.equal(ours.signatures[0].integrity.valid);
    expect(theirs.signatures[0].certificateTrusted).to.equal(ours.signatures[0].chain.trusted);
  });
});
