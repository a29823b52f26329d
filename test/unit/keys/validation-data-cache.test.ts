/**
 * The caches a sign request's B-LT step keeps across requests (issue 11): parsed certificates and issuer
 * checks (CertificateCache), and our CAs' OCSP answers given again within a window (OcspAnswerCache through
 * createOwnRevocationSource's `reuse`): bounded, expired by age, never reused across a change of status,
 * never for a certificate the caller wants answered fresh; what is reused still verifies with openssl.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BoundedMap, CertificateCache } from '../../../src/keys/certificate-cache.ts';
import type { CertStatus } from '../../../src/keys/ocsp.ts';
import { createOwnRevocationSource, OcspAnswerCache } from '../../../src/keys/own-revocation-source.ts';
import { tempDir } from './helpers.ts';
import { opensslAsync, revocationPki, type RevocationPki } from './revocation-pki.ts';

const HOUR = 3_600_000;

/** Counts the calls of `cert`'s `method` from now on, which still answers as before. */
function countCalls(cert: X509Certificate, method: 'verify' | 'checkIssued'): { calls: number } {
  const counter = { calls: 0 };
  const original = cert[method].bind(cert) as (argument: never) => boolean;
  cert[method] = ((argument: never) => {
    counter.calls += 1;
    return original(argument);
  }) as never;
  return counter;
}

describe('keys/certificate-cache and OCSP answer reuse', () => {
  const dir = tempDir('validation-cache');
  after(dir.cleanup);
  let pki: RevocationPki;
  before(async () => {
    pki = await revocationPki(dir.path, 'ec');
  });

  describe('BoundedMap', () => {
    it('keeps at most `max` entries, forgetting the least recently used', () => {
      const map = new BoundedMap<string, number>(2);
      map.set('a', 1);
      map.set('b', 2);
      expect(map.get('a')).to.equal(1); // a is now the most recent
      map.set('c', 3);
      expect(map.size).to.equal(2);
      expect(map.get('b')).to.equal(undefined);
      expect(map.get('a')).to.equal(1);
      expect(map.get('c')).to.equal(3);
    });
  });

  describe('CertificateCache', () => {
    it('parses each DER once and gives the same certificate back, within its bound', () => {
      const cache = new CertificateCache(2);
      const first = cache.parse(pki.leaves[0].raw);
      expect(first.fingerprint256).to.equal(pki.leaves[0].fingerprint256);
      expect(cache.parse(Buffer.from(pki.leaves[0].raw))).to.equal(first);
      cache.parse(pki.leaves[1].raw);
      cache.parse(pki.leaves[2].raw); // leaf 0 is the least recently used: forgotten
      expect(cache.parse(pki.leaves[0].raw)).to.not.equal(first);
      expect(() => cache.parse(Buffer.from('not a certificate'))).to.throw();
    });

    it('reads a certificate’s raw fields once', () => {
      const cache = new CertificateCache();
      const fields = cache.fields(pki.leaves[0]);
      expect(fields?.serial.raw.length).to.be.greaterThan(2);
      expect(cache.fields(cache.parse(pki.leaves[0].raw))).to.equal(fields);
    });

    it('checks an issuer by name first, verifies the signature once per pair, and refuses a look-alike', () => {
      const cache = new CertificateCache();
      const leaf = cache.parse(pki.leaves[0].raw);
      const verified = countCalls(leaf, 'verify');
      expect(cache.issuedBy(leaf, pki.issuing)).to.equal(true);
      expect(cache.issuedBy(leaf, pki.issuing)).to.equal(true);
      expect(verified.calls).to.equal(1);
      expect(cache.issuedBy(leaf, pki.root)).to.equal(false); // another name: no signature check at all
      expect(verified.calls).to.equal(1);
      expect(cache.issuedBy(pki.otherLeaf, pki.issuing)).to.equal(false);
      expect(cache.issuedBy(pki.root, pki.root)).to.equal(true); // self-signed
    });

    it('compares names once per pair, and knows a certificate issued here without comparing at all', () => {
      const cache = new CertificateCache();
      const leaf = cache.parse(pki.leaves[0].raw);
      const compared = countCalls(leaf, 'checkIssued');
      expect(cache.issuedBy(leaf, pki.root)).to.equal(false);
      expect(cache.issuedBy(leaf, pki.root)).to.equal(false);
      expect(compared.calls).to.equal(1);

      const oneShot = new X509Certificate(pki.leaves[1].raw);
      oneShot.checkIssued = () => expect.fail('a certificate issued here is not compared');
      cache.issuedHere(oneShot, pki.issuing.raw);
      expect(cache.knownIssuedBy(oneShot, pki.issuing)).to.equal(true);
      expect(cache.knownIssuedBy(oneShot, pki.root)).to.equal(undefined);
      expect(cache.issuedBy(oneShot, pki.issuing)).to.equal(true);
      expect(cache.issuedBy(oneShot, oneShot)).to.equal(false); // not self-signed
    });
  });

  describe('createOwnRevocationSource with reuse', () => {
    let now: Date;
    let statusOfIssuing: CertStatus;
    let signed: number;
    const source = (answers: OcspAnswerCache, fresh: (certificate: X509Certificate) => boolean = () => false) =>
      createOwnRevocationSource({
        authorityFor: async (issuer) => {
          if (issuer.raw.equals(pki.root.raw)) return { ...pki.rootKey, sign: (data: Buffer) => ((signed += 1), pki.rootKey.sign(data)) };
          return issuer.raw.equals(pki.issuing.raw) ? { ...pki.issuingKey, sign: (data: Buffer) => ((signed += 1), pki.issuingKey.sign(data)) } : null;
        },
        status: async (issuer) => (issuer.raw.equals(pki.root.raw) ? statusOfIssuing : { status: 'good' }),
        clock: () => now,
        ocspValidityMs: 24 * HOUR,
        reuse: { answers, maxAgeMs: HOUR, fresh },
      });
    beforeEach(() => {
      now = new Date();
      statusOfIssuing = { status: 'good' };
      signed = 0;
    });

    /** openssl's reading of `der` as the answer about the issuing CA, checked against the root. */
    async function opensslSays(der: Buffer): Promise<string> {
      writeFileSync(join(dir.path, 'reused.der'), der);
      const result = await opensslAsync(dir.path, 'ocsp', '-respin', 'reused.der', '-issuer', 'root.pem', '-cert', 'issuing.pem', '-CAfile', 'root.pem', '-no_nonce');
      expect(result.stderr).to.contain('Response verify OK');
      return result.stdout;
    }

    it('gives the same signed answer about a CA again within the window, and signs a new one after it', async () => {
      const answers = new OcspAnswerCache();
      const own = source(answers);
      const first = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      now = new Date(now.getTime() + HOUR - 1);
      const again = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      expect(again.equals(first)).to.equal(true);
      expect(signed).to.equal(1);
      expect(await opensslSays(again)).to.contain('issuing.pem: good');
      now = new Date(now.getTime() + 1); // an hour after the first: expired
      const later = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      expect(later.equals(first)).to.equal(false);
      expect(signed).to.equal(2);
      expect(answers.size).to.equal(1); // the newer answer replaced the older
    });

    it('never gives an answer made after the time asked about (a clock set back)', async () => {
      const own = source(new OcspAnswerCache());
      const first = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      now = new Date(now.getTime() - 1000);
      expect((await own.revocationData(pki.issuing, pki.root))!.ocsps[0].equals(first)).to.equal(false);
      expect(signed).to.equal(2);
    });

    it('answers anew when the status changes: a revocation, and its lifting, are never answered with an older answer', async () => {
      const own = source(new OcspAnswerCache());
      const good = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      statusOfIssuing = { status: 'revoked', revokedAt: new Date(now.getTime() - 60_000), reason: 'cACompromise' };
      const revoked = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      expect(revoked.equals(good)).to.equal(false);
      expect(await opensslSays(revoked)).to.contain('issuing.pem: revoked');
      expect((await own.revocationData(pki.issuing, pki.root))!.ocsps[0].equals(revoked)).to.equal(true);
      statusOfIssuing = { status: 'good' }; // taken off the list (certificateHold lifted)
      const goodAgain = (await own.revocationData(pki.issuing, pki.root))!.ocsps[0];
      expect(signed, 'signed anew, not the first good answer given again').to.equal(3);
      expect(await opensslSays(goodAgain)).to.contain('issuing.pem: good');
    });

    it('signs a fresh answer every time for the certificates `fresh` claims (the signer’s own)', async () => {
      const answers = new OcspAnswerCache();
      const own = source(answers, (certificate) => certificate.fingerprint256 === pki.leaves[0].fingerprint256);
      await own.revocationData(pki.leaves[0], pki.issuing);
      await own.revocationData(pki.leaves[0], pki.issuing);
      expect(signed).to.equal(2);
      expect(answers.size).to.equal(0);
      await own.revocationData(pki.leaves[1], pki.issuing);
      await own.revocationData(pki.leaves[1], pki.issuing);
      expect(signed).to.equal(3);
    });

    it('keeps a bounded number of answers, the least recently used out first', async () => {
      const answers = new OcspAnswerCache(2);
      const own = source(answers);
      for (const leaf of pki.leaves) await own.revocationData(leaf, pki.issuing);
      expect(answers.size).to.equal(2);
      await own.revocationData(pki.leaves[2], pki.issuing); // kept
      expect(signed).to.equal(3);
      await own.revocationData(pki.leaves[0], pki.issuing); // forgotten: signed again
      expect(signed).to.equal(4);
    });
  });
});
