import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBer, type BerNode } from '../../../src/asn1/ber.ts';
import { buildSignedData } from '../../../src/pades/cms-build.ts';
import { checkSignedData, type CmsCheck } from '../../../src/pades/cms-verify.ts';
import { localKey, openssl, pki, type Issued } from '../../helpers/openssl-pki.ts';

const content = randomBytes(5_000);
const digestsOf = (bytes: Buffer) => (hash: string) => createHash(hash).update(bytes).digest();

/** A detached CMS made by `openssl cms -sign` (with signing-time, as most tools add it). */
function opensslSigned(signer: Issued, name: string, extra: string[] = []): Buffer {
  const { dir, intermediate } = pki();
  writeFileSync(join(dir, 'content.bin'), content);
  openssl(['cms', '-sign', '-binary', '-in', 'content.bin', '-signer', signer.certPath, '-inkey', signer.keyPath,
    '-certfile', intermediate.certPath, '-outform', 'DER', '-out', `${name}.der`, ...extra], { cwd: dir });
  return readFileSync(join(dir, `${name}.der`));
}

/**
 * Re-encodes the CMS skeleton with indefinite lengths (X.690 §8.1.3.6), as streaming tools do.
 * Certificates and the attributes inside signedAttrs stay DER: RFC 5652 §5.3 requires that much.
 */
function toIndefinite(der: Buffer): Buffer {
  // Depths: ContentInfo 0, [0] 1, SignedData 2, certificates / signerInfos 3, SignerInfo 4, signedAttrs 5.
  const rewrite = (node: BerNode, depth: number, keep: boolean): Buffer => {
    if (!node.constructed || keep) return node.raw;
    const header = node.raw.subarray(0, 1);
    const parts = node.children.map((c) => rewrite(c, depth + 1, node.tag === 0xa0 && (depth === 3 || depth === 5)));
    return Buffer.concat([header, Buffer.from([0x80]), ...parts, Buffer.alloc(2)]);
  };
  return rewrite(readBer(der), 0, false);
}

function expectValid(check: CmsCheck): void {
  expect(check.problems).to.deep.equal([]);
  expect(check).to.include({ contentTypeIsData: true, messageDigestMatches: true, signatureValid: true, signerInfoCount: 1 });
}

describe('pades/cms-verify', () => {
  describe('CMS made by openssl cms -sign', () => {
    it('verifies an ECDSA detached signature with signing-time', () => {
      const check = checkSignedData(opensslSigned(pki().ec256, 'ossl-ec'), digestsOf(content));
      expectValid(check);
      expect(check).to.include({ hasSigningTime: true, digestAlgorithm: 'sha256', signatureAlgorithm: 'ecdsa-sha256', signingCertificateV2: 'absent' });
      expect(check.signerCertificate?.raw.equals(pki().ec256.cert.raw)).to.equal(true);
    });

    it('verifies RSA with -cades (signing-certificate-v2) and SHA-512', () => {
      const check = checkSignedData(opensslSigned(pki().rsa, 'ossl-rsa', ['-cades', '-md', 'sha512']), digestsOf(content));
      expectValid(check);
      expect(check).to.include({ digestAlgorithm: 'sha512', signatureAlgorithm: 'rsa-pkcs1-sha512', signingCertificateV2: 'matches' });
    });

    it('verifies RSA-PSS', () => {
      const der = opensslSigned(pki().rsa, 'ossl-pss', ['-keyopt', 'rsa_padding_mode:pss']);
      const check = checkSignedData(der, digestsOf(content));
      expectValid(check);
      expect(check.signatureAlgorithm).to.equal('rsa-pss-sha256');
    });

    it('reads BER with indefinite lengths', () => {
      const ber = toIndefinite(opensslSigned(pki().ec384, 'ossl-ber'));
      const signedAttributes = readBer(ber).children[1].children[0].children[4].children[0].children[3];
      expect(signedAttributes.tag).to.equal(0xa0);
      expect(signedAttributes.indefinite).to.equal(true);
      // Still a valid encoding for OpenSSL, which reads BER.
      writeFileSync(join(pki().dir, 'ber.der'), ber);
      openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'ber.der', '-content', 'content.bin', '-noverify', '-out', '/dev/null'],
        { cwd: pki().dir });
      expectValid(checkSignedData(ber, digestsOf(content)));
    });

    it('verifies adbe.pkcs7.sha1: the SHA-1 of the content encapsulated', () => {
      const { dir } = pki();
      writeFileSync(join(dir, 'sha1.bin'), createHash('sha1').update(content).digest());
      openssl(['cms', '-sign', '-binary', '-nodetach', '-in', 'sha1.bin', '-signer', pki().rsa.certPath, '-inkey', pki().rsa.keyPath,
        '-outform', 'DER', '-out', 'sha1.der'], { cwd: dir });
      expectValid(checkSignedData(readFileSync(join(dir, 'sha1.der')), digestsOf(content)));
    });

    it('reports encapsulated content that is not the SHA-1 of the signed bytes (-stream attaches it)', () => {
      const check = checkSignedData(opensslSigned(pki().ec256, 'ossl-stream', ['-stream']), digestsOf(content));
      expect(check.signatureValid).to.equal(true);
      expect(check.messageDigestMatches).to.equal(false);
      expect(check.problems).to.deep.equal(['encapsulated content is not the SHA-1 digest of the signed bytes']);
    });

    it('finds the signer by subjectKeyIdentifier (-keyid)', () => {
      const check = checkSignedData(opensslSigned(pki().ec256, 'ossl-keyid', ['-keyid']), digestsOf(content));
      expectValid(check);
      expect(check.signerCertificate?.raw.equals(pki().ec256.cert.raw)).to.equal(true);
    });

    it('verifies an RSA signature without signed attributes (-noattr) over the digest', () => {
      const der = opensslSigned(pki().rsa, 'ossl-noattr', ['-noattr']);
      const check = checkSignedData(der, digestsOf(content));
      expectValid(check);
      expect(check.hasSigningTime).to.equal(false);
      const modified = checkSignedData(der, digestsOf(Buffer.concat([content, Buffer.from('x')])));
      expect(modified.signatureValid).to.equal(false);
      expect(modified.messageDigestMatches).to.equal(false);
    });

    it('ignores the zero padding of /Contents', () => {
      const der = Buffer.concat([opensslSigned(pki().ec256, 'ossl-pad'), Buffer.alloc(4_000)]);
      expectValid(checkSignedData(der, digestsOf(content)));
    });
  });

  describe('tampering', () => {
    it('reports a signing-certificate-v2 that names another certificate', async () => {
      const key = localKey(pki().ec256, [pki().intermediate], 'ecdsa', 'sha256');
      const der = await buildSignedData({ digest: digestsOf(content)('sha256'), key });
      const certHash = createHash('sha256').update(pki().ec256.cert.raw).digest();
      const at = der.indexOf(certHash);
      expect(at).to.be.greaterThan(0);
      const tampered = Buffer.from(der);
      tampered[at] ^= 0xff;
      const check = checkSignedData(tampered, digestsOf(content));
      expect(check.signingCertificateV2).to.equal('mismatch');
      expect(check.signatureValid).to.equal(false);
      expect(check.problems).to.include('signing-certificate-v2 does not match the signer certificate');
    });

    it('reports a missing signer certificate', () => {
      const noCerts = opensslSigned(pki().ec256, 'ossl-nocerts', ['-nocerts']);
      const check = checkSignedData(noCerts, digestsOf(content));
      expect(check.signerCertificate).to.equal(null);
      expect(check.signatureValid).to.equal(false);
      expect(check.problems).to.include('signer certificate not found in the SignedData');
    });
  });

  describe('garbage', () => {
    const inputs: Record<string, () => Buffer> = {
      'empty input': () => Buffer.alloc(0),
      'zeros': () => Buffer.alloc(64),
      'random bytes': () => randomBytes(3_000),
      'a DER SEQUENCE that is not a ContentInfo': () => Buffer.from('300602010102010a', 'hex'),
      'an absurd length': () => Buffer.from('3084ffffffff3000', 'hex'),
      'deep nesting': () => Buffer.from('3080'.repeat(100), 'hex'),
    };
    for (const [label, make] of Object.entries(inputs)) {
      it(`returns problems for ${label}`, () => {
        const check = checkSignedData(make(), digestsOf(content));
        expect(check.problems).not.to.be.empty;
        expect(check.signatureValid).to.equal(false);
      });
    }

    it('returns problems for every truncation of a valid CMS', async () => {
      const key = localKey(pki().ec256, [pki().intermediate], 'ecdsa', 'sha256');
      const der = await buildSignedData({ digest: digestsOf(content)('sha256'), key });
      for (let length = 0; length < der.length; length += 7) {
        const check = checkSignedData(der.subarray(0, length), digestsOf(content));
        expect(check.problems, `length ${length}`).not.to.be.empty;
        expect(check.signatureValid).to.equal(false);
      }
    });

    it('survives random corruption', async () => {
      const key = localKey(pki().ec256, [pki().intermediate], 'ecdsa', 'sha256');
      const der = await buildSignedData({ digest: digestsOf(content)('sha256'), key });
      for (let round = 0; round < 300; round++) {
        const corrupted = Buffer.from(der);
        for (let i = 0; i < 3; i++) corrupted[Math.floor(Math.random() * der.length)] = Math.floor(Math.random() * 256);
        // Must not throw; a corrupted byte may land where it changes nothing checked (e.g. a certificate's
        // unused field), so only the absence of exceptions and a well-formed result are asserted.
        const check = checkSignedData(corrupted, digestsOf(content));
        expect(check.problems).to.be.an('array');
      }
    });
  });
});
