/**
 * PKCS#12 (RFC 7292) and PEM key files. Reading walks the PFX ourselves over node-forge's BER
 * parser and ciphers, because forge's own `pkcs12FromAsn1` understands RSA keys only and rebuilds
 * certificates from parsed fields (which changes the bytes of, say, an RSA certificate signed with
 * ECDSA). Writing uses node:crypto and our DER encoder, so any key type fits in a file.
 */
import { createHash, createPrivateKey, createPublicKey, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { contextConstructed, contextPrimitive, integer, octetString, oid, OID, sequence, setOf, tlv, type Der } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import { dataContentInfo, macData, P12_OID, pbes2Encrypt, pkcs12Mac } from './pkcs12-crypto.ts';
import { keyError } from './signing-key.ts';

export interface KeyWithCertificates {
  privateKey: KeyObject;
  /** DER; the key's certificate first, then its issuers in order. Unrelated certificates are dropped. */
  certificates: Buffer[];
}

type Asn1 = forge.asn1.Asn1;
interface ForgeCipher {
  update(data: forge.util.ByteBuffer): void;
  finish(): boolean;
  output: forge.util.ByteBuffer;
}
// forge's PBE helpers are public but missing from @types/node-forge.
const pbe = (forge.pki as unknown as { pbe: { getCipher(oid: string, params: Asn1, password: string): ForgeCipher } }).pbe;

const MAX_MAC_ITERATIONS = 1_000_000;

const passwordError = () => new AppError('key_password_invalid', 400, 'The password of the key file is wrong.');

export function loadPkcs12(file: Buffer, password: string): KeyWithCertificates {
  let bags: { keys: Buffer[]; certificates: Buffer[] };
  try {
    bags = readBags(file, password);
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw keyError('key_file_invalid', 'The PKCS#12 file cannot be read.', cause);
  }
  if (bags.keys.length !== 1) {
    throw keyError('key_file_invalid', `The PKCS#12 file holds ${bags.keys.length} private keys; one is needed.`);
  }
  const privateKey = createPrivateKey({ key: bags.keys[0], format: 'der', type: 'pkcs8' });
  return { privateKey, certificates: orderChain(privateKey, bags.certificates) };
}

function readBags(file: Buffer, password: string): { keys: Buffer[]; certificates: Buffer[] } {
  // PFX files are BER (Windows writes indefinite lengths), hence non-strict parsing.
  const pfx = forge.asn1.fromDer(file.toString('binary'), false);
  const [, authSafe, mac] = pfx.value as Asn1[];
  if (oidOf(child(authSafe, 0)) !== OID.data) throw new Error('authSafe is not id-data (public-key integrity mode)');
  const authSafeBytes = octets(child(child(authSafe, 1), 0));
  if (mac) verifyMac(mac, authSafeBytes, password);
  const keys: Buffer[] = [];
  const certificates: Buffer[] = [];
  for (const contentInfo of forge.asn1.fromDer(authSafeBytes, false).value as Asn1[]) {
    const type = oidOf(child(contentInfo, 0));
    const body = child(child(contentInfo, 1), 0);
    const safeContents =
      type === OID.data ? octets(body) : type === P12_OID.encryptedData ? decryptData(body, password) : undefined;
    if (safeContents === undefined) throw new Error(`unsupported authSafe content ${type}`);
    for (const bag of forge.asn1.fromDer(safeContents, false).value as Asn1[]) {
      const bagType = oidOf(child(bag, 0));
      const value = child(child(bag, 1), 0);
      if (bagType === P12_OID.keyBag) keys.push(toBuffer(value));
      else if (bagType === P12_OID.pkcs8ShroudedKeyBag) keys.push(decryptKey(value, password));
      else if (bagType === P12_OID.certBag && oidOf(child(value, 0)) === P12_OID.x509Certificate) {
        certificates.push(Buffer.from(octets(child(child(value, 1), 0)), 'binary'));
      }
      // CRL, secret and nested bags carry nothing we sign with.
    }
  }
  return { keys, certificates };
}

/** MacData: a wrong password shows here first, before any decryption (RFC 7292 §5.1). */
function verifyMac(mac: Asn1, authSafe: string, password: string): void {
  const digestInfo = child(mac, 0);
  const digestOid = oidOf(child(child(digestInfo, 0), 0));
  const expected = Buffer.from(octets(child(digestInfo, 1)), 'binary');
  const salt = Buffer.from(octets(child(mac, 1)), 'binary');
  const iterations = mac.value.length > 2 ? forge.asn1.derToInteger(child(mac, 2).value as string) : 1;
  // A hostile count would pin the CPU; real files use 1 to a few hundred thousand.
  if (!(iterations >= 1 && iterations <= MAX_MAC_ITERATIONS)) throw new Error(`MAC iteration count ${iterations} out of range`);
  const actual = pkcs12Mac(password, digestOid, salt, iterations, Buffer.from(authSafe, 'binary'));
  if (!actual) throw new Error(`unsupported MAC digest ${digestOid}`);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw passwordError();
}

/** EncryptedData ::= SEQUENCE { version, EncryptedContentInfo } (RFC 5652 §8). */
function decryptData(encryptedData: Asn1, password: string): string {
  const info = child(encryptedData, 1);
  const algorithm = child(info, 1);
  const content = child(info, 2); // [0] IMPLICIT OCTET STRING, primitive or constructed
  return decrypt(algorithm, octets(content), password);
}

/** EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }. */
function decryptKey(info: Asn1, password: string): Buffer {
  return Buffer.from(decrypt(child(info, 0), octets(child(info, 1)), password), 'binary');
}

function decrypt(algorithm: Asn1, ciphertext: string, password: string): string {
  const algorithmOid = oidOf(child(algorithm, 0));
  // PBES2 takes the password as UTF-8 octets; the PKCS#12 PBEs convert it to BMPString themselves.
  const secret = algorithmOid === P12_OID.pbes2 ? forge.util.encodeUtf8(password) : password;
  const cipher = pbe.getCipher(algorithmOid, child(algorithm, 1), secret);
  cipher.update(forge.util.createBuffer(ciphertext));
  if (!cipher.finish()) throw passwordError();
  return cipher.output.getBytes();
}

function child(node: Asn1, index: number): Asn1 {
  const value = node.value;
  if (!Array.isArray(value) || !value[index]) throw new Error('unexpected PKCS#12 structure');
  return value[index];
}

const oidOf = (node: Asn1): string => forge.asn1.derToOid(node.value as string);

/** Contents of an OCTET STRING, joining the segments of a constructed (BER) one. */
function octets(node: Asn1): string {
  return Array.isArray(node.value) ? node.value.map(octets).join('') : node.value;
}

const toBuffer = (node: Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');

/** The certificate of `privateKey` first, then each issuer found among `certificates`. */
export function orderChain(privateKey: KeyObject, certificates: readonly Buffer[]): Buffer[] {
  const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  const own = spki(createPublicKey(privateKey));
  const parsed = certificates.map((raw) => ({ raw, cert: new X509Certificate(raw) }));
  let current = parsed.find(({ cert }) => spki(cert.publicKey).equals(own));
  if (!current) throw keyError('key_certificate_mismatch', 'No certificate in the file belongs to the private key.');
  const chain = [current];
  while (!current.cert.checkIssued(current.cert)) {
    const at: X509Certificate = current.cert;
    const issuer = parsed.find((c) => !chain.includes(c) && at.checkIssued(c.cert) && at.verify(c.cert.publicKey));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain.map(({ raw }) => raw);
}

export interface WritePkcs12Options {
  friendlyName?: string;
}

/**
 * Writes key and chain as OpenSSL 3 does by default: certificates in PBES2/AES-256-CBC
 * EncryptedData, the key in a shrouded key bag with the same scheme, an HMAC-SHA256 MAC.
 * Works for RSA, RSA-PSS and EC keys alike.
 */
export function writePkcs12(
  privateKey: KeyObject,
  certificates: readonly Buffer[],
  password: string,
  options: WritePkcs12Options = {},
): Buffer {
  if (certificates.length === 0) throw new Error('A PKCS#12 file needs at least the key certificate.');
  // localKeyId ties the key to its certificate; OpenSSL uses the certificate's SHA-1 too.
  const attributes = [attribute(P12_OID.localKeyId, octetString(createHash('sha1').update(certificates[0]).digest()))];
  if (options.friendlyName) attributes.push(attribute(P12_OID.friendlyName, bmpString(options.friendlyName)));

  const certBags = certificates.map((der, i) =>
    safeBag(P12_OID.certBag, sequence(oid(P12_OID.x509Certificate), contextConstructed(0, octetString(der))), i === 0 ? attributes : []),
  );
  const sealed = pbes2Encrypt(sequence(...certBags), password);
  const encryptedCertificates = sequence(
    oid(P12_OID.encryptedData),
    contextConstructed(0, sequence(integer(0), sequence(oid(OID.data), sealed.algorithm, contextPrimitive(0, sealed.ciphertext)))),
  );

  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const shrouded = pbes2Encrypt(pkcs8, password);
  const keyBag = safeBag(P12_OID.pkcs8ShroudedKeyBag, sequence(shrouded.algorithm, octetString(shrouded.ciphertext)), attributes);

  const authSafe = sequence(encryptedCertificates, dataContentInfo(sequence(keyBag)));
  return sequence(integer(3), dataContentInfo(authSafe), macData(password, authSafe));
}

/** SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT, bagAttributes SET OF Attribute OPTIONAL }. */
function safeBag(type: string, value: Der, attributes: Der[]): Der {
  return attributes.length
    ? sequence(oid(type), contextConstructed(0, value), setOf(...attributes))
    : sequence(oid(type), contextConstructed(0, value));
}

const attribute = (type: string, value: Der): Der => sequence(oid(type), setOf(value));

function bmpString(value: string): Der {
  const bytes = Buffer.alloc(value.length * 2);
  for (let i = 0; i < value.length; i++) bytes.writeUInt16BE(value.charCodeAt(i), i * 2);
  return tlv(0x1e, bytes);
}

/** A PEM private key (PKCS#8, PKCS#1 or SEC1, optionally encrypted) and its certificates, PEM. */
export function loadPemKey(keyPem: string, certificatePems: string | readonly string[], passphrase?: string): KeyWithCertificates {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyPem, format: 'pem', passphrase });
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? '';
    // A wrong password does not always fail as "bad decrypt": about once in 256 the decrypted garbage has valid
    // padding and fails later, as something that cannot be parsed. An encrypted key that cannot be read is the password's.
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(keyPem);
    if (encrypted || /BAD_DECRYPT|MISSING_PASSPHRASE|bad decrypt/i.test(code + String(cause))) throw passwordError();
    throw keyError('key_file_invalid', 'The private key cannot be read.', cause);
  }
  const text = typeof certificatePems === 'string' ? certificatePems : certificatePems.join('\n');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  let certificates: Buffer[];
  try {
    certificates = blocks.map((pem) => new X509Certificate(pem).raw);
  } catch (cause) {
    throw keyError('key_file_invalid', 'A certificate cannot be read.', cause);
  }
  return { privateKey, certificates: orderChain(privateKey, certificates) };
}
