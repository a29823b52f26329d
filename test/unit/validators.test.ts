import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { extractSignatures, opensslCmsVerify, parsePdfsigOutput, pdfsig, qpdfCheck, signedContent } from '../helpers/validators.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/pdf/', import.meta.url));
const SIGNED = join(FIXTURES, 'signed-by-openssl.pdf');
const ROOT_PEM = readFileSync(join(FIXTURES, 'other-tool-root.pem'), 'utf8');

describe('test/helpers/validators (independent PDF signature checks)', () => {
  let tmp: string;
  let tampered: string;
  let tamperedBuf: Buffer;
  const signedBuf = readFileSync(SIGNED);

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'paraaf-validators-test-'));
    // Flip one byte inside the first signed range: a character of the binary comment on line 2 (harmless to parsers).
    tamperedBuf = Buffer.from(signedBuf);
    const at = tamperedBuf.indexOf(0x0a) + 2;
    expect(tamperedBuf[at - 1]).to.equal(0x25); // '%'
    tamperedBuf[at] ^= 0x01;
    tampered = join(tmp, 'tampered.pdf');
    writeFileSync(tampered, tamperedBuf);
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('extractSignatures', () => {
    it('finds the one signature of signed-by-openssl.pdf and its DER CMS', () => {
      const sigs = extractSignatures(signedBuf);
      expect(sigs).to.have.length(1);
      const [a, b, c, d] = sigs[0].byteRange;
      expect(a).to.equal(0);
      expect(c + d).to.equal(signedBuf.length);
      expect(signedBuf.subarray(a + b, a + b + 1).toString()).to.equal('<');
      expect(signedBuf.subarray(c - 1, c).toString()).to.equal('>');
      expect(sigs[0].contents[0]).to.equal(0x30); // SEQUENCE
      // trailing zero padding trimmed: far shorter than the 8192-byte placeholder
      expect(sigs[0].contents.length).to.be.greaterThan(500).and.lessThan(8192);
      expect(signedContent(signedBuf, sigs[0].byteRange).length).to.equal(b + d);
    });

    it('finds nothing in an unsigned file', () => {
      expect(extractSignatures(readFileSync(join(FIXTURES, 'libreoffice-decision.pdf')))).to.deep.equal([]);
    });
  });

  describe('pdfsig', () => {
    it('reports the signature valid and trusted when the throwaway root is trusted', async () => {
      const r = await pdfsig(SIGNED, [ROOT_PEM]);
      expect(r.exitCode).to.equal(0);
      expect(r.signatures).to.have.length(1);
      const s = r.signatures[0];
      expect(s, r.stdout).to.include({
        index: 1,
        fieldName: 'Signature1',
        signerCommonName: 'Other Tool Signer',
        signatureValid: true,
        certificateTrusted: true,
        rawStatus: 'Signature is Valid.',
        rawCertStatus: 'Certificate is Trusted.',
        totalDocumentSigned: true,
        subFilter: 'adbe.pkcs7.detached',
      });
    });

    it('reports the signature valid but not trusted without that root', async () => {
      const r = await pdfsig(SIGNED, []);
      expect(r.signatures).to.have.length(1);
      expect(r.signatures[0].signatureValid).to.equal(true);
      expect(r.signatures[0].certificateTrusted).to.equal(false);
      expect(r.signatures[0].rawCertStatus).to.match(/not|isn't/i);
    });

    it('reports the signature invalid after a byte inside the signed range is flipped', async () => {
      const r = await pdfsig(tampered, [ROOT_PEM]);
      expect(r.signatures).to.have.length(1);
      expect(r.signatures[0].signatureValid, r.stdout).to.equal(false);
      expect(r.signatures[0].rawStatus).to.not.equal('');
    });

    it('sees the certification signature of certified-no-changes.pdf', async () => {
      const r = await pdfsig(join(FIXTURES, 'hostile', 'certified-no-changes.pdf'), [ROOT_PEM]);
      expect(r.signatures).to.have.length(1);
      expect(r.signatures[0]).to.include({ fieldName: 'Certificatie', signatureValid: true, certificateTrusted: true });
    });

    it('parses "Not total document signed" and several blocks', () => {
      const sigs = parsePdfsigOutput(
        [
          'Digital Signature Info of: x.pdf',
          'Signature #1:',
          '  - Signature Field Name: A',
          '  - Signed Ranges: [0 - 10], [20 - 30]',
          '  - Not total document signed',
          '  - Signature Validation: Signature is Valid.',
          '  - Certificate Validation: Certificate issuer isn\'t Trusted.',
          'Signature #2:',
          '  - Signature Field Name: B',
          '  - Signature Type: ETSI.CAdES.detached',
          '  - Total document signed',
          '  - Signature Validation: Digest Mismatch.',
          '  - Certificate Validation: Certificate is Trusted.',
        ].join('\n'),
      );
      expect(sigs).to.have.length(2);
      expect(sigs[0]).to.include({ fieldName: 'A', totalDocumentSigned: false, signatureValid: true, certificateTrusted: false });
      expect(sigs[0].signedRanges).to.deep.equal([[0, 10], [20, 30]]);
      expect(sigs[1]).to.include({ fieldName: 'B', subFilter: 'ETSI.CAdES.detached', signatureValid: false, rawStatus: 'Digest Mismatch.' });
    });
  });

  describe('opensslCmsVerify', () => {
    it('verifies the CMS over the ByteRange content', async () => {
      const r = await opensslCmsVerify(signedBuf, 0, ROOT_PEM);
      expect(r.ok, r.output).to.equal(true);
    });

    it('accepts an explicit verification time', async () => {
      const r = await opensslCmsVerify(signedBuf, 0, ROOT_PEM, { attime: new Date() });
      expect(r.ok, r.output).to.equal(true);
    });

    it('fails after a byte inside the signed range is flipped', async () => {
      const r = await opensslCmsVerify(tamperedBuf, 0, ROOT_PEM);
      expect(r.ok).to.equal(false);
      expect(r.output).to.match(/digest|failure/i);
    });

    it('fails with an unrelated root', async () => {
      const key = join(tmp, 'other.key');
      const pem = join(tmp, 'other.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', pem, '-days', '1', '-subj', '/CN=Unrelated Root'], { stdio: 'ignore' });
      const r = await opensslCmsVerify(signedBuf, 0, readFileSync(pem, 'utf8'));
      expect(r.ok).to.equal(false);
    });

    it('fails cleanly for a missing signature index', async () => {
      const r = await opensslCmsVerify(signedBuf, 1, ROOT_PEM);
      expect(r.ok).to.equal(false);
      expect(r.output).to.match(/no signature #1/);
    });
  });

  describe('qpdfCheck', () => {
    const good = readdirSync(FIXTURES).filter((f) => f.endsWith('.pdf'));

    it('has good fixtures to check', () => expect(good.length).to.be.greaterThan(10));

    for (const f of good) {
      it(`is ok on ${f}`, async () => {
        const r = await qpdfCheck(join(FIXTURES, f));
        expect(r.ok, `${r.stdout}\n${r.stderr}`).to.equal(true);
        expect(r.errors).to.deep.equal([]);
      });
    }

    it('is not ok on hostile/truncated.pdf', async () => {
      const r = await qpdfCheck(join(FIXTURES, 'hostile', 'truncated.pdf'));
      expect(r.ok).to.equal(false);
      expect(r.errors.length).to.be.greaterThan(0);
    });

    it('is not ok on hostile/huge-page-count.pdf (loop in /Pages)', async () => {
      const r = await qpdfCheck(join(FIXTURES, 'hostile', 'huge-page-count.pdf'));
      expect(r.ok).to.equal(false);
      expect(r.errors.join('\n')).to.match(/loop/i);
    });

    it('collects warnings on hostile/xref-loop.pdf without failing', async () => {
      const r = await qpdfCheck(join(FIXTURES, 'hostile', 'xref-loop.pdf'));
      expect(r.exitCode).to.equal(3);
      expect(r.warnings.join('\n')).to.match(/loop detected/);
    });
  });
});
