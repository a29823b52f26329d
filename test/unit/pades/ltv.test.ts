/**
 * B-LT and B-LTA (ETSI EN 319 142-1 §5.4, §6.3) with an openssl TSA and an openssl OCSP responder:
 * every output checked by pdfsig (trusted), qpdf --check, openssl cms -verify (each signature) and
 * openssl ts -verify (document timestamps); the DSS read with qpdf; earlier revisions untouched.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { signPdfAtLevel, extendToLta } from '../../../src/pades/sign-at-level.ts';
import { addValidationData } from '../../../src/pades/ltv.ts';
import { addDocumentTimestamp } from '../../../src/pades/document-timestamp.ts';
import { localKey, pki } from '../../helpers/openssl-pki.ts';
import { opensslOcsp, opensslTsa } from '../../helpers/ltv-doubles.ts';
import { qpdfDss } from '../../helpers/qpdf-dss.ts';
import { extractSignatures, opensslCmsVerify, pdfsig, qpdfCheck, signedContent } from '../../helpers/validators.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/pdf');
const dir = mkdtempSync(join(tmpdir(), 'paraaf-ltv-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let written = 0;

/** pdfsig trusts every signature; qpdf finds no error; openssl verifies every CMS signature and document timestamp. */
async function expectSound(pdf: Buffer, signatures: number, documentTimestamps = 0): Promise<string> {
  const p = pki();
  const path = join(dir, `out-${++written}.pdf`);
  writeFileSync(path, pdf);
  const check = await qpdfCheck(path);
  expect(check.errors, check.stdout + check.stderr).to.deep.equal([]);
  expect(check.ok, check.stdout + check.stderr).to.equal(true);
  const sig = await pdfsig(path, [p.root.pem]);
  const cades = sig.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
  expect(cades, sig.stdout).to.have.length(signatures);
  for (const s of cades) {
    expect(s.signatureValid, sig.stdout).to.equal(true);
    expect(s.certificateTrusted, sig.stdout).to.equal(true);
  }
  const extracted = extractSignatures(pdf);
  expect(extracted).to.have.length(signatures + documentTimestamps);
  for (const [i, found] of extracted.entries()) {
    const isTimestamp = pdf.toString('latin1', Math.max(0, found.offset - 400), found.offset + 400).includes('/ETSI.RFC3161');
    if (isTimestamp) expectTimestampVerifies(found.contents, signedContent(pdf, found.byteRange));
    else {
      const r = await opensslCmsVerify(pdf, i, p.root.pem, { extraCertsPem: p.intermediate.pem });
      expect(r.ok, r.output).to.equal(true);
    }
  }
  return sig.stdout;
}

function expectTimestampVerifies(token: Buffer, content: Buffer): void {
  const p = pki();
  const id = `dts-${++written}`;
  writeFileSync(join(dir, `${id}.tst`), token);
  writeFileSync(join(dir, `${id}.bin`), content);
  writeFileSync(join(dir, `${id}-root.pem`), p.root.pem);
  writeFileSync(join(dir, `${id}-chain.pem`), opensslTsa().chainPem);
  const out = execFileSync('openssl', ['ts', '-verify', '-token_in', '-in', `${id}.tst`, '-data', `${id}.bin`, '-CAfile', `${id}-root.pem`,
    '-untrusted', `${id}-chain.pem`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  expect(out).to.match(/Verification: OK/);
}

const raws = (certs: { cert: { raw: Buffer } }[]): Buffer[] => certs.map((c) => c.cert.raw);

describe('pades/ltv: B-LT and B-LTA', function () {
  this.timeout(120_000);

  for (const fixture of ['qpdf-classic.pdf', 'qpdf-objstm.pdf']) {
    it(`${fixture}: two signatures at B-LT, then B-LTA; every step sound, the DSS complete and merged`, async () => {
      const p = pki();
      const tsa = opensslTsa();
      const ocsp = opensslOcsp();
      const input = readFileSync(join(FIXTURES, fixture));
      const common = { timeStamper: tsa, revocation: ocsp, extraCertificates: [p.root.cert] };

      const first = await signPdfAtLevel(input, { ...common, level: 'B-LT', key: localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256'), signer: { name: 'An Peeters' } });
      expect(first.subarray(0, input.length).equals(input)).to.equal(true);
      await expectSound(first, 1);
      let dss = qpdfDss(first);
      for (const cert of [...raws([p.rsa, p.intermediate, p.root]), tsa.cert.raw]) expect(dss.certs.some((c) => c.equals(cert))).to.equal(true);
      expect(dss.ocsps, 'leaf, intermediate, TSA').to.have.length(3);
      expect(ocsp.asked.length).to.equal(3);

      const second = await signPdfAtLevel(first, { ...common, level: 'B-LT', key: localKey(p.ec256, [p.intermediate], 'ecdsa', 'sha256'), signer: { name: 'Bart De Smet' } });
      expect(second.subarray(0, first.length).equals(first)).to.equal(true);
      await expectSound(second, 2);
      dss = qpdfDss(second);
      expect(dss.certs.some((c) => c.equals(p.ec256.cert.raw))).to.equal(true);
      expect(dss.ocsps, 'only the new leaf was asked about').to.have.length(4);
      expect(ocsp.asked.length).to.equal(4);
      expect(await addValidationData(second, { revocation: ocsp, extraCertificates: [p.root.cert] })).to.equal(second);

      const tokens = tsa.count;
      const lta = await extendToLta(second, { timeStamper: tsa, revocation: ocsp, extraCertificates: [p.root.cert] });
      expect(tsa.count).to.equal(tokens + 1);
      expect(lta.subarray(0, second.length).equals(second)).to.equal(true);
      await expectSound(lta, 2, 1);
      expect(lta.toString('latin1', second.length)).to.match(/\/Type\s*\/DocTimeStamp/);
      console.log(`      ${fixture}: input ${input.length}, B-LT #1 +${first.length - input.length}, B-LT #2 +${second.length - first.length}, LTA +${lta.length - second.length} bytes`);
    });
  }

  it('a B-LTA signature in one call, and a renewal with fresh revocation data for every certificate', async () => {
    const p = pki();
    const tsa = opensslTsa();
    const ocsp = opensslOcsp();
    const input = readFileSync(join(FIXTURES, 'hybrid-xref.pdf'));
    const common = { timeStamper: tsa, revocation: ocsp, extraCertificates: [p.root.cert] };
    const signed = await signPdfAtLevel(input, { ...common, level: 'B-LTA', key: localKey(p.ec384, [p.intermediate], 'ecdsa', 'sha384'), signer: { name: 'Chloé Vermeulen' } });
    await expectSound(signed, 1, 1);
    const before = qpdfDss(signed).ocsps.length;
    const renewed = await extendToLta(signed, { ...common, refresh: 'all' });
    await expectSound(renewed, 1, 2);
    expect(qpdfDss(renewed).ocsps.length).to.be.greaterThan(before);
  });

  it('a document timestamp larger than its reserve is asked for once more with room for it', async () => {
    const tsa = opensslTsa();
    const input = readFileSync(join(FIXTURES, 'qpdf-classic.pdf'));
    const tokens = tsa.count;
    const stamped = await addDocumentTimestamp(input, { timeStamper: tsa, reserve: 64 });
    expect(tsa.count).to.equal(tokens + 2);
    // poppler lists a document timestamp as "Signature Type: unknown" and does not validate it: openssl ts -verify does.
    await expectSound(stamped, 0, 1);
  });

  it('refuses to sign at B-LT without a revocation source, and at B-T without a TSA', async () => {
    const p = pki();
    const input = readFileSync(join(FIXTURES, 'qpdf-classic.pdf'));
    const key = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
    await signPdfAtLevel(input, { level: 'B-LT', key, signer: { name: 'X' }, timeStamper: opensslTsa() }).then(
      () => expect.fail('signed'),
      (error) => expect(error.code).to.equal('revocation_missing'),
    );
    await signPdfAtLevel(input, { level: 'B-T', key, signer: { name: 'X' } }).then(
      () => expect.fail('signed'),
      (error) => expect(error.code).to.equal('timestamper_missing'),
    );
  });
});
