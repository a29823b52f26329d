/**
 * The cryptography inside PKCS#12 files that we write ourselves with node:crypto:
 * the PKCS#12 key derivation for the integrity MAC (RFC 7292 Appendix B.2) and PBES2 encryption
 * with PBKDF2-HMAC-SHA256 and AES-256-CBC (RFC 8018 §6.2), the defaults of OpenSSL 3.
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { contextConstructed, integer, nullValue, octetString, oid, OID, sequence, type Der } from '../asn1/der.ts';

export const P12_OID = {
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha1: '1.3.14.3.2.26',
} as const;

/**
 * OpenSSL 3's default iteration count. Higher counts would also slow down reading, which goes
 * through node-forge's JavaScript PBKDF2 for the legacy algorithms it alone understands.
 */
export const ITERATIONS = 2048;

const MAC_DIGESTS: Record<string, { name: string; blockSize: number }> = {
  [P12_OID.sha1]: { name: 'sha1', blockSize: 64 },
  [OID.sha256]: { name: 'sha256', blockSize: 64 },
  [OID.sha384]: { name: 'sha384', blockSize: 128 },
  [OID.sha512]: { name: 'sha512', blockSize: 128 },
};

/** The password as a BMPString with its two-byte terminator (RFC 7292 Appendix B.1). */
function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

function repeatToBlocks(data: Buffer, blockSize: number): Buffer {
  if (data.length === 0) return data;
  const length = blockSize * Math.ceil(data.length / blockSize);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = data[i % data.length];
  return out;
}

/** RFC 7292 Appendix B.2 with ID = 3 (MAC key). */
function pkcs12MacKey(password: string, salt: Buffer, iterations: number, digest: string, blockSize: number): Buffer {
  const diversifier = Buffer.alloc(blockSize, 3);
  const input = Buffer.concat([repeatToBlocks(salt, blockSize), repeatToBlocks(bmpPassword(password), blockSize)]);
  const keyLength = createHash(digest).digest().length;
  let a = createHash(digest).update(diversifier).update(input).digest();
  for (let i = 1; i < iterations; i++) a = createHash(digest).update(a).digest();
  // One round yields a full digest, which is all the MAC key needs (n = u), so step 6's update of I is not reached.
  return a.subarray(0, keyLength);
}

/** HMAC over the authSafe content octets (RFC 7292 §5.1). Returns undefined for an unknown digest. */
export function pkcs12Mac(
  password: string,
  digestOid: string,
  salt: Buffer,
  iterations: number,
  authSafe: Buffer,
): Buffer | undefined {
  const digest = MAC_DIGESTS[digestOid];
  if (!digest) return undefined;
  const key = pkcs12MacKey(password, salt, iterations, digest.name, digest.blockSize);
  return createHmac(digest.name, key).update(authSafe).digest();
}

/** MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER }. */
export function macData(password: string, authSafe: Buffer): Der {
  const salt = randomBytes(16);
  const mac = pkcs12Mac(password, OID.sha256, salt, ITERATIONS, authSafe)!;
  return sequence(sequence(sequence(oid(OID.sha256), nullValue()), octetString(mac)), octetString(salt), integer(ITERATIONS));
}

/** PBES2 encryption; returns the AlgorithmIdentifier and the ciphertext. */
export function pbes2Encrypt(plaintext: Buffer, password: string): { algorithm: Der; ciphertext: Buffer } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  // PBES2 feeds the password to PBKDF2 as UTF-8 octets, as OpenSSL does (RFC 8018 §4.1 leaves it open).
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, ITERATIONS, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const kdf = sequence(
    oid(P12_OID.pbkdf2),
    sequence(octetString(salt), integer(ITERATIONS), sequence(oid(P12_OID.hmacWithSha256), nullValue())),
  );
  const algorithm = sequence(oid(P12_OID.pbes2), sequence(kdf, sequence(oid(P12_OID.aes256Cbc), octetString(iv))));
  return { algorithm, ciphertext };
}

/** ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT } with id-data (RFC 5652 §3). */
export const dataContentInfo = (content: Buffer): Der =>
  sequence(oid(OID.data), contextConstructed(0, octetString(content)));
