import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oid, OID, octetString, sequence, setOf } from '../../../src/asn1/der.ts';
import type { HashAlgorithm, SignatureScheme, SigningKey } from '../../../src/keys/types.ts';
import { buildSignedData, estimateSignedDataSize } from '../../../src/pades/cms-build.ts';
import { checkSignedData } from '../../../src/pades/cms-verify.ts';
import { localKey, openssl, pki, type Issued } from '../../helpers/openssl-pki.ts';

interface Case {
  label: string;
  signer: () => Issued;
  scheme: SignatureScheme;
  hash: HashAlgorithm;
  algorithm: string;
}

const cases: Case[] = [
  { label: 'RSA PKCS#1 v1.5, SHA-256', signer: () => pki().rsa, scheme: 'rsa-pkcs1', hash: 'sha256', algorithm: 'rsa-pkcs1-sha256' },
  { label: 'RSA PKCS#1 v1.5, SHA-512', signer: () => pki().rsa, scheme: 'rsa-pkcs1', hash: 'sha512', algorithm: 'rsa-pkcs1-sha512' },
  { label: 'RSA-PSS, SHA-256', signer: () => pki().rsa, scheme: 'rsa-pss', hash: 'sha256', algorithm: 'rsa-pss-sha256' },
  { label: 'RSA-PSS, SHA-384', signer: () => pki().rsa, scheme: 'rsa-pss', hash: 'sha384', algorithm: 'rsa-pss-sha384' },
  { label: 'ECDSA P-256, SHA-256', signer: () => pki().ec256, scheme: 'ecdsa', hash: 'sha256', algorithm: 'ecdsa-sha256' },
  { label: 'ECDSA P-384, SHA-384', signer: () => pki().ec384, scheme: 'ecdsa', hash: 'sha384', algorithm: 'ecdsa-sha384' },
];

const digestsOf = (content: Buffer) => (hash: string) => createHash(hash).update(content).digest();

function flip(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] ^= 0x01;
  return copy;
}

/** `openssl cms -verify` over detached content, trusting the test root; -cades also checks signing-certificate-v2. */
function opensslVerifies(der: Buffer, content: Buffer, name: string): boolean {
  const { dir, root } = pki();
  writeFileSync(join(dir, `${name}.der`), der);
  writeFileSync(join(dir, `${name}.bin`), content);
  try {
    openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${name}.der`, '-content', `${name}.bin`,
      '-CAfile', root.certPath, '-purpose', 'any', '-cades', '-out', '/dev/null'], { cwd: dir });
    return true;
  } catch {
    return false;
  }
}

describe('pades/cms-build', () => {
  for (const testCase of cases) {
    describe(testCase.label, () => {
      const content = randomBytes(20_000);
      let key: SigningKey;
      let der: Buffer;
      const name = testCase.algorithm;

      before(async () => {
        key = localKey(testCase.signer(), [pki().intermediate], testCase.scheme, testCase.hash);
        const digest = createHash(testCase.hash).update(content).digest();
        der = await buildSignedData({ digest, key });
      });

      it('verifies with openssl cms, and fails for modified content', () => {
        expect(opensslVerifies(der, content, name)).to.equal(true);
        expect(opensslVerifies(der, flip(content, 100), `${name}-modified`)).to.equal(false);
      });

      it('carries signing-certificate-v2 and no signing-time', () => {
        const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], { input: der }).toString();
        expect(printed).to.match(/signingCertificateV2|1\.2\.840\.113549\.1\.9\.16\.2\.47/);
        expect(printed).to.match(/contentType/);
        expect(printed).to.match(/messageDigest/);
        expect(printed).not.to.match(/signingTime/);
      });

      it('is DER: openssl re-encodes it byte for byte', () => {
        const reencoded = openssl(['cms', '-cmsout', '-inform', 'DER', '-outform', 'DER'], { input: der });
        expect(reencoded.equals(der)).to.equal(true);
      });

      it('passes checkSignedData', () => {
        const check = checkSignedData(der, digestsOf(content));
        expect(check.problems).to.deep.equal([]);
        expect(check).to.include({
          digestAlgorithm: testCase.hash,
          signatureAlgorithm: testCase.algorithm,
          contentTypeIsData: true,
          messageDigestMatches: true,
          signatureValid: true,
          hasSigningTime: false,
          signingCertificateV2: 'matches',
          signingCertificateV1: 'absent',
          hasTimestampToken: false,
          signerInfoCount: 1,
        });
        expect(check.signerCertificate?.raw.equals(testCase.signer().cert.raw)).to.equal(true);
        expect(check.certificates).to.have.length(2);
      });

      it('detects a modified content byte and a modified signature byte', () => {
        const modified = checkSignedData(der, digestsOf(flip(content, 5)));
        expect(modified.messageDigestMatches).to.equal(false);
        expect(modified.signatureValid).to.equal(true);
        expect(modified.problems).to.include('message digest does not match the signed bytes');
        // The signature value is the last OCTET STRING: its last byte is the last byte of the structure.
        const tampered = checkSignedData(flip(der, der.length - 1), digestsOf(content));
        expect(tampered.signatureValid).to.equal(false);
        expect(tampered.messageDigestMatches).to.equal(true);
      });

      it('stays within estimateSignedDataSize', () => {
        expect(estimateSignedDataSize(key)).to.be.at.least(der.length);
        expect(estimateSignedDataSize(key)).to.be.below(der.length + 200);
      });
    });
  }

  describe('unsigned attributes', () => {
    it('embeds a later timestamp token outside the signed bytes, within the reserve', async () => {
      const key = localKey(pki().ec256, [pki().intermediate], 'ecdsa', 'sha256');
      const content = randomBytes(1000);
      const digest = createHash('sha256').update(content).digest();
      // A stand-in token of the size a real RFC 3161 reply has; its content is not checked here.
      const token = sequence(oid(OID.signedData), octetString(randomBytes(7_000)));
      const attribute = sequence(oid(OID.timeStampToken), setOf(token));
      const der = await buildSignedData({ digest, key, unsignedAttributes: [attribute] });
      expect(der.includes(attribute)).to.equal(true);
      expect(estimateSignedDataSize(key, { timestampReserve: 8000 })).to.be.at.least(der.length);
      const check = checkSignedData(der, digestsOf(content));
      expect(check.hasTimestampToken).to.equal(true);
      expect(check.signatureValid).to.equal(true);
      expect(opensslVerifies(der, content, 'unsigned-attributes')).to.equal(true);
    });
  });

  describe('misuse', () => {
    it('refuses a digest of the wrong length', async () => {
      const key = localKey(pki().ec256, [], 'ecdsa', 'sha384');
      const error = await buildSignedData({ digest: Buffer.alloc(32), key }).catch((e: unknown) => e);
      expect(error).to.have.property('code', 'cms_digest_length');
    });

    it('refuses a key without certificates', async () => {
      const key = { ...localKey(pki().ec256, [], 'ecdsa', 'sha256'), certificates: [] };
      const error = await buildSignedData({ digest: Buffer.alloc(32), key }).catch((e: unknown) => e);
      expect(error).to.have.property('code', 'cms_no_certificate');
    });
  });
});
