/**
 * A minimal DER encoder (ITU-T X.690 §10) for the structures we build ourselves:
 * CMS SignedData (RFC 5652), ESS signing-certificate-v2 (RFC 5035) and X.509 certificates (RFC 5280).
 * Building bytes directly keeps signing allocation-light and free of a generic ASN.1 object model.
 */

export type Der = Buffer;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Tag-length-value with a raw tag byte. */
export function tlv(tag: number, ...content: Buffer[]): Der {
  const body = content.length === 1 ? content[0] : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...items: Der[]): Der => tlv(0x30, ...items);

/** SET OF with DER ordering: elements sorted by their encodings (X.690 §11.6). */
export function setOf(...items: Der[]): Der {
  return tlv(0x31, ...[...items].sort(Buffer.compare));
}

/** Context-specific constructed [n] (explicit tagging, or implicit over a constructed type). */
export const contextConstructed = (n: number, ...items: Der[]): Der => tlv(0xa0 | n, ...items);

/** Context-specific primitive [n] (implicit tagging of a primitive type). */
export const contextPrimitive = (n: number, value: Buffer): Der => tlv(0x80 | n, value);

export const nullValue = (): Der => Buffer.from([0x05, 0x00]);

export const octetString = (value: Buffer): Der => tlv(0x04, value);

export const boolean = (value: boolean): Der => Buffer.from([0x01, 0x01, value ? 0xff : 0x00]);

export const utf8String = (value: string): Der => tlv(0x0c, Buffer.from(value, 'utf8'));

export const printableString = (value: string): Der => tlv(0x13, Buffer.from(value, 'ascii'));

export const ia5String = (value: string): Der => tlv(0x16, Buffer.from(value, 'ascii'));

/** BIT STRING with no unused bits. */
export const bitString = (value: Buffer): Der => tlv(0x03, Buffer.from([0]), value);

/** INTEGER from a non-negative big-endian magnitude or a small number. */
export function integer(value: number | bigint | Buffer): Der {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.subarray(start);
  } else {
    let hex = BigInt(value).toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = Buffer.from(hex, 'hex');
  }
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

const oidCache = new Map<string, Der>();

export function oid(dotted: string): Der {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const out: number[] = [Number(arcs[0] * 40n + arcs[1])];
  for (const arc of arcs.slice(2)) {
    const group: number[] = [];
    let n = arc;
    do {
      group.unshift(Number(n & 0x7fn));
      n >>= 7n;
    } while (n > 0n);
    for (let i = 0; i < group.length - 1; i++) group[i] |= 0x80;
    out.push(...group);
  }
  const der = tlv(0x06, Buffer.from(out));
  oidCache.set(dotted, der);
  return der;
}

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
export function time(date: Date): Der {
  const iso = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  if (date.getUTCFullYear() < 2050 && date.getUTCFullYear() >= 1950) {
    return tlv(0x17, Buffer.from(iso.slice(2), 'ascii'));
  }
  return tlv(0x18, Buffer.from(iso, 'ascii'));
}

/** Object identifiers used across the project. */
export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // X.500 attribute types
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  title: '2.5.4.12',
  givenName: '2.5.4.42',
  organizationIdentifier: '2.5.4.97',
  emailAddress: '1.2.840.113549.1.9.1',
  // X.509 extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  certificatePolicies: '2.5.29.32',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  documentSigning: '1.3.6.1.5.5.7.3.36',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  crlDistributionPoints: '2.5.29.31',
  accessOcsp: '1.3.6.1.5.5.7.48.1',
  accessCaIssuers: '1.3.6.1.5.5.7.48.2',
  // CRLs (RFC 5280 §5) and OCSP (RFC 6960)
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  sha1: '1.3.14.3.2.26',
  // RFC 3161 timestamps
  tstInfo: '1.2.840.113549.1.9.16.1.4',
} as const;
