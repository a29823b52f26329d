/**
 * verifyPdf's bounds: one hash pass per file (forked at each signature's gap) gives the same digests
 * as hashing each ByteRange alone; path building over a pool of mutually cross-signed CAs (same name,
 * same key: every one verifies every other) ends instead of trying every permutation.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { digestPass } from '../../../src/pades/digest-pass.ts';
import { signPdf } from '../../../src/pades/sign-pdf.ts';
import { MAX_SIGNATURES, verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { buildPath, validateChain } from '../../../src/pades/trust.ts';
import { localKey, openssl, pki } from '../../helpers/openssl-pki.ts';

function direct(pdf: Buffer, br: number[], name: 'sha256' | 'sha512'): Buffer {
  const h = createHash(name);
  for (let i = 0; i + 1 < br.length; i += 2) h.update(pdf.subarray(br[i], br[i] + br[i + 1]));
  return h.digest();
}

describe('verifyPdf bounds', () => {
  describe('digestPass', () => {
    const pdf = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251));
    const ranges = [
      [0, 1000, 3000, 7000], // revision 1: gap 1000..3000, ends at 10000
      [0, 20_000, 22_000, 8000], // revision 2 covers revision 1 including its gap
      [0, 40_000, 40_500, 9500], // the whole file
      [0, 100, 100, 0], // an empty gap at the start, nothing after
    ];

    it('matches hashing each ByteRange alone, for every algorithm asked', () => {
      const digestOf = digestPass(pdf, ranges);
      for (const name of ['sha256', 'sha512'] as const) {
        ranges.forEach((br, i) => expect(digestOf(i, name).equals(direct(pdf, br, name)), `${name} #${i}`).to.equal(true));
      }
    });

    it('hashes odd ByteRanges on their own, clamped to the file', () => {
      const odd = [[5, 10, 20, 30], [0, 10, 20, 999_999], [0, 30, 20, 5]];
      const digestOf = digestPass(pdf, odd);
      expect(digestOf(0, 'sha256').equals(direct(pdf, odd[0], 'sha256'))).to.equal(true);
      expect(digestOf(1, 'sha256').equals(direct(pdf, [0, 10, 20, pdf.length - 20], 'sha256'))).to.equal(true);
      expect(digestOf(2, 'sha256').equals(direct(pdf, odd[2], 'sha256'))).to.equal(true);
    });
  });

  describe('signatures per file', function () {
    this.timeout(120_000);
    it(`checks the first ${MAX_SIGNATURES} signatures of a file and says so`, async () => {
      const { ec256, intermediate, root } = pki();
      const key = localKey(ec256, [intermediate], 'ecdsa', 'sha256');
      let pdf: Buffer = readFileSync(join(import.meta.dirname, '../../../fixtures/pdf/pdflib-decision.pdf'));
      for (let i = 0; i <= MAX_SIGNATURES; i++) pdf = await signPdf(pdf, { key, signer: { name: `Signer ${i}` }, fieldName: `Sig${i}`, invisible: true, timestampReserve: 0 });
      const report = await verifyPdf(pdf, { trustAnchors: [root.cert] });
      expect(report.signatures).to.have.length(MAX_SIGNATURES);
      expect(report.problems).to.deep.equal([`the file has ${MAX_SIGNATURES + 1} signatures; only the first ${MAX_SIGNATURES} were checked`]);
      expect(report.signatures.every((s) => s.integrity.valid && s.chain.trusted)).to.equal(true);
    });
  });

  describe('path building', function () {
    this.timeout(60_000);
    /** 14 CA certificates "CN=Loop CA" with one key: each is a valid issuer of every other (14! orders). */
    function loop(): { pool: X509Certificate[]; leaf: X509Certificate } {
      const { dir } = pki();
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'loop.key'], { cwd: dir });
      const pool: X509Certificate[] = [];
      for (let i = 0; i < 14; i++) {
        openssl(['req', '-x509', '-key', 'loop.key', '-subj', '/CN=Loop CA', '-days', '30', '-set_serial', String(1000 + i),
          '-config', 'req.cnf', '-extensions', 'ca', '-out', `loop-${i}.pem`], { cwd: dir });
        pool.push(new X509Certificate(readFileSync(join(dir, `loop-${i}.pem`))));
      }
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'loop-leaf.key', '-subj', '/CN=Loop Leaf',
        '-config', 'req.cnf', '-out', 'loop-leaf.csr'], { cwd: dir });
      openssl(['x509', '-req', '-in', 'loop-leaf.csr', '-CA', 'loop-0.pem', '-CAkey', 'loop.key', '-set_serial', '77', '-days', '30',
        '-extfile', 'ext.cnf', '-extensions', 'plain', '-out', 'loop-leaf.pem'], { cwd: dir });
      return { pool, leaf: new X509Certificate(readFileSync(join(dir, 'loop-leaf.pem'))) };
    }

    it('gives up on a pool of mutually signing CAs without an anchor, without trying every order', () => {
      const { pool, leaf } = loop();
      const result = validateChain(leaf, pool, [pki().root.cert], new Date());
      expect(result.trusted).to.equal(false);
      expect(result.reason).to.equal('no path to a trust anchor');
      expect(result.path[0]).to.equal('CN=Loop Leaf');
    });

    it('still finds the anchor when it is one of them', () => {
      const { pool, leaf } = loop();
      const built = buildPath(leaf, pool, [pool[9]]);
      expect(built.path?.map((c) => c.serialNumber)).to.not.equal(undefined);
      expect(built.path![built.path!.length - 1].raw.equals(pool[9].raw)).to.equal(true);
    });
  });
});
