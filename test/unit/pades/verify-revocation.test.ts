/**
 * Revocation in verifyPdf: OCSP responses made by `openssl ocsp`, CRLs by `openssl ca -gencrl`, and
 * our own responder (createOwnRevocationSource); from the PDF's /DSS and from a live source. A
 * certificate revoked before the proven time makes the signature invalid and is reported "revoked";
 * a revocation after it does not; evidence not signed by the issuer counts for nothing.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { appendDss } from '../../../src/pdf/dss.ts';
import { createOwnRevocationSource } from '../../../src/keys/own-revocation-source.ts';
import type { RevocationSource } from '../../../src/keys/types.ts';
import { signPdfAtLevel } from '../../../src/pades/sign-at-level.ts';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { opensslOcsp, opensslTsa } from '../../helpers/ltv-doubles.ts';
import { localKey, openssl, pki } from '../../helpers/openssl-pki.ts';

const FIXTURE = readFileSync(join(import.meta.dirname, '../../../fixtures/pdf/pdflib-decision.pdf'));

/** A CRL of the test intermediate made by `openssl ca -gencrl`, revoking `serialHex` (keyCompromise, 2020). */
function opensslCrl(serialHex: string, signer: 'intermediate' | 'other-root' = 'intermediate'): Buffer {
  const { dir } = pki();
  const id = `crl-${serialHex.slice(0, 8)}-${signer}`;
  writeFileSync(join(dir, `${id}.idx`), `R\t491231235959Z\t200101000000Z,keyCompromise\t${serialHex.toUpperCase()}\tunknown\t/CN=x\n`);
  writeFileSync(join(dir, `${id}.num`), '01\n');
  writeFileSync(join(dir, `${id}.cnf`), `[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = ${dir}/${id}.idx\ncrlnumber = ${dir}/${id}.num\ndefault_md = sha256\ndefault_crl_days = 30\n`);
  openssl(['ca', '-gencrl', '-config', `${id}.cnf`, '-cert', `${signer}.pem`, '-keyfile', `${signer}.key`, '-out', `${id}.pem`], { cwd: dir });
  return openssl(['crl', '-in', `${id}.pem`, '-outform', 'DER'], { cwd: dir });
}

function liveSource(data: { ocsps?: Buffer[]; crls?: Buffer[] }): RevocationSource & { asked: number } {
  const source = {
    asked: 0,
    async revocationData() {
      source.asked++;
      return { ocsps: data.ocsps ?? [], crls: data.crls ?? [] };
    },
  };
  return source;
}

describe('verifyPdf: revocation', function () {
  this.timeout(120_000);
  const p = pki();
  const isSigner = (serial: Buffer): boolean => BigInt(`0x${serial.toString('hex')}`) === BigInt(`0x${p.rsa.cert.serialNumber}`);
  const signerKey = () => localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
  const sign = (level: 'B-T' | 'B-LT', revocation: RevocationSource = opensslOcsp()) =>
    signPdfAtLevel(FIXTURE, { key: signerKey(), signer: { name: 'An Peeters' }, level, timeStamper: opensslTsa(), revocation, extraCertificates: [p.root.cert] });

  it('a signer revoked (openssl ocsp, in the /DSS) before the proven time: invalid, reported revoked', async () => {
    const ocsp = opensslOcsp();
    ocsp.revoked.add(p.rsa.cert.serialNumber);
    const report = await verifyPdf(await sign('B-LT', ocsp), { trustAnchors: [p.root.cert] });
    const [s] = report.signatures;
    expect(report.verdict).to.equal('invalid');
    expect(s.valid).to.equal(false);
    expect(s.revocation.status).to.equal('revoked');
    expect(s.revocation.certificates[0]).to.include({ status: 'revoked', source: 'ocsp', origin: 'dss', revokedAt: '2020-01-01T00:00:00.000Z' });
    expect(s.problems.join(' ')).to.match(/revoked before the proven time \(CN=An Peeters/);
    ocsp.revoked.clear();
  });

  it('a live source (our own responder) reports a revocation the embedded data does not know', async () => {
    const pdf = await sign('B-LT');
    const embedded = await verifyPdf(pdf, { trustAnchors: [p.root.cert] });
    expect(embedded.signatures[0].revocation.status).to.equal('good');
    const revokedAt = new Date(Date.now() - 86_400_000);
    const own = createOwnRevocationSource({
      authorityFor: async (issuer) => (issuer.fingerprint256 === p.intermediate.cert.fingerprint256 ? localKey(p.intermediate, [p.root], 'ecdsa', 'sha256') : null),
      status: async (_issuer, serial) => (isSigner(serial) ? { status: 'revoked', revokedAt, reason: 'keyCompromise' } : { status: 'good' }),
      clock: () => new Date(),
      ocspValidityMs: 3_600_000,
    });
    const live = await verifyPdf(pdf, { trustAnchors: [p.root.cert], revocation: own });
    const [s] = live.signatures;
    expect(live.verdict).to.equal('invalid');
    expect(s.revocation.certificates[0]).to.include({ status: 'revoked', origin: 'live', reason: 'keyCompromise', revokedAt: revokedAt.toISOString().replace(/\.\d{3}Z$/, '.000Z') });
  });

  it('a revocation after the proven time does not undo the signature', async () => {
    const pdf = await sign('B-T');
    const later = new Date(Date.now() + 86_400_000);
    const own = createOwnRevocationSource({
      authorityFor: async (issuer) => (issuer.fingerprint256 === p.intermediate.cert.fingerprint256 ? localKey(p.intermediate, [p.root], 'ecdsa', 'sha256') : null),
      status: async (_issuer, serial) => (isSigner(serial) ? { status: 'revoked', revokedAt: later, reason: 'superseded' } : { status: 'good' }),
      clock: () => new Date(),
      ocspValidityMs: 3_600_000,
    });
    const report = await verifyPdf(pdf, { trustAnchors: [p.root.cert], revocation: own, at: new Date(Date.now() + 2 * 86_400_000) });
    expect(report.signatures[0].valid, JSON.stringify(report.signatures[0].problems)).to.equal(true);
    expect(report.signatures[0].revocation.certificates[0].status).to.equal('good');
  });

  it('reads a CRL made by openssl ca -gencrl, and ignores one not signed by the issuer', async () => {
    const pdf = await sign('B-T');
    const serial = p.rsa.cert.serialNumber;
    const byIssuer = await verifyPdf(pdf, { trustAnchors: [p.root.cert], revocation: liveSource({ crls: [opensslCrl(serial)] }) });
    expect(byIssuer.signatures[0].revocation.certificates[0]).to.include({ status: 'revoked', source: 'crl', origin: 'live', reason: 'keyCompromise' });
    expect(byIssuer.verdict).to.equal('invalid');
    const forged = await verifyPdf(pdf, { trustAnchors: [p.root.cert], revocation: liveSource({ crls: [opensslCrl(serial, 'other-root')] }) });
    expect(forged.signatures[0].revocation.certificates[0]).to.include({ status: 'unknown', source: null });
    expect(forged.signatures[0].valid).to.equal(true);
  });

  it('a revoked TSA certificate makes the signature timestamp invalid', async () => {
    const ocsp = opensslOcsp();
    ocsp.revoked.add(opensslTsa().cert.serialNumber);
    const report = await verifyPdf(await sign('B-LT', ocsp), { trustAnchors: [p.root.cert] });
    const [s] = report.signatures;
    expect(s.timestamp!.valid).to.equal(false);
    expect(s.timestamp!.revocation.status).to.equal('revoked');
    expect(s.level.achieved).to.equal('B-B');
    ocsp.revoked.clear();
  });

  it('ignores unreadable items and OCSP responses not signed by the issuer in the /DSS', async () => {
    const pdf = await sign('B-T');
    const forger = opensslOcsp();
    // An OCSP response about the signer, signed by the root instead of its issuer (the intermediate).
    const forged = (await forger.revocationData(p.rsa.cert, p.root.cert))!.ocsps[0];
    const { pdf: junk } = appendDss(pdf, { ocsps: [Buffer.from('not an OCSP response'), forged, randomBytes(300)], crls: [Buffer.from([0x30, 0x82, 0xff, 0xff])], certs: [randomBytes(64)] });
    const report = await verifyPdf(junk, { trustAnchors: [p.root.cert] });
    const [s] = report.signatures;
    expect(s.valid, JSON.stringify(s.problems)).to.equal(true);
    expect(s.revocation.certificates[0]).to.include({ status: 'unknown', source: null });
    expect(s.level.reasons[0]).to.match(/^B-LT: /);
  });

  it('a live source that fails is reported, not fatal', async () => {
    const failing: RevocationSource = { revocationData: async () => { throw new Error('network down'); } };
    const report = await verifyPdf(await sign('B-T'), { trustAnchors: [p.root.cert], revocation: failing });
    expect(report.signatures[0].valid).to.equal(true);
    expect(report.problems.join(' ')).to.match(/live revocation source did not answer/);
  });
});
