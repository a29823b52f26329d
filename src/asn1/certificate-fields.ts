/**
 * The few X.509 fields (RFC 5280 §4.1) that CMS needs as raw DER and that node:crypto's
 * X509Certificate does not expose: issuer Name and serial INTEGER for issuerAndSerialNumber
 * (RFC 5652 §10.2.4), the subjectKeyIdentifier (RFC 5280 §4.2.1.2), attribute types such as
 * title (2.5.4.12) and rfc822Name entries of the subjectAltName (RFC 5280 §4.2.1.6).
 */
import { BerError, child, octets, oidString, readBer, stringValue, type BerNode } from './ber.ts';
import { OID } from './der.ts';

export interface CertificateFields {
  /** serialNumber INTEGER element, DER as in the certificate. */
  serial: BerNode;
  /** issuer Name element, DER as in the certificate. */
  issuer: BerNode;
  subject: BerNode;
  subjectPublicKeyInfo: BerNode;
  /** extnValue contents by extension OID. */
  extensions: Map<string, Buffer>;
}

/** Reads TBSCertificate { [0] version, serialNumber, signature, issuer, validity, subject, …, [3] extensions }. */
export function certificateFields(der: Buffer): CertificateFields {
  const certificate = readBer(der);
  const tbs = child(certificate, 0, 0x30);
  const offset = tbs.children[0]?.tag === 0xa0 ? 1 : 0;
  const serial = child(tbs, offset, 0x02);
  const issuer = child(tbs, offset + 2, 0x30);
  const subject = child(tbs, offset + 4, 0x30);
  const subjectPublicKeyInfo = child(tbs, offset + 5, 0x30);
  const extensions = new Map<string, Buffer>();
  const wrapper = tbs.children.find((node) => node.tag === 0xa3);
  for (const extension of wrapper?.children[0]?.children ?? []) {
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const value = extension.children[extension.children.length - 1];
    if (value?.tag === 0x04) extensions.set(oidString(child(extension, 0)), octets(value));
  }
  return { serial, issuer, subject, subjectPublicKeyInfo, extensions };
}

/** certificateFields, or null when the bytes are not a certificate we can read. */
export function tryCertificateFields(der: Buffer): CertificateFields | null {
  try {
    return certificateFields(der);
  } catch (error) {
    if (error instanceof BerError) return null;
    throw error;
  }
}

export interface NameAttribute {
  type: string;
  value: string;
}

/** Attributes of a Name in encoding order (RDNSequence, RFC 5280 §4.1.2.4). */
export function nameAttributes(name: BerNode): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  for (const rdn of name.children) {
    for (const pair of rdn.children) {
      const value = pair.children[1];
      const text = value ? stringValue(value) : null;
      attributes.push({ type: oidString(child(pair, 0)), value: text ?? `#${value?.raw.toString('hex') ?? ''}` });
    }
  }
  return attributes;
}

const SHORT_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'SN',
  [OID.serialNumber]: 'serialNumber',
  [OID.countryName]: 'C',
  [OID.localityName]: 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  [OID.organizationName]: 'O',
  [OID.organizationalUnitName]: 'OU',
  [OID.title]: 'title',
  [OID.givenName]: 'GN',
  [OID.organizationIdentifier]: 'organizationIdentifier',
  [OID.emailAddress]: 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** Escapes an attribute value as RFC 4514 §2.4 asks. */
function escapeValue(value: string): string {
  let escaped = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (/^[ #]/.test(escaped)) escaped = `\\${escaped}`;
  if (/ $/.test(escaped) && escaped.length > 1) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

/** One-line form of a Name, most specific RDN first as in RFC 4514 §2.1: "CN=…, O=…, C=BE". */
export function formatName(name: BerNode): string {
  return [...name.children]
    .reverse()
    .map((rdn) =>
      rdn.children
        .map((pair) => {
          const type = oidString(child(pair, 0));
          const value = pair.children[1];
          const text = value ? stringValue(value) : null;
          const label = SHORT_NAMES[type] ?? type;
          return `${label}=${text === null ? `#${value?.raw.toString('hex') ?? ''}` : escapeValue(text)}`;
        })
        .join('+'),
    )
    .join(', ');
}

/** keyIdentifier of the subjectKeyIdentifier extension (RFC 5280 §4.2.1.2), or null. */
export function subjectKeyIdentifier(fields: CertificateFields): Buffer | null {
  const value = fields.extensions.get(OID.subjectKeyIdentifier);
  if (!value) return null;
  const node = readBer(value);
  return node.tag === 0x04 ? node.content : null;
}

/** rfc822Name entries ([1] IA5String) of the subjectAltName extension (RFC 5280 §4.2.1.6). */
export function subjectAltNameEmails(fields: CertificateFields): string[] {
  const value = fields.extensions.get(OID.subjectAltName);
  if (!value) return [];
  return readBer(value)
    .children.filter((name) => name.tag === 0x81)
    .map((name) => name.content.toString('latin1'));
}

/** The subjectPublicKey BIT STRING contents without the unused-bits octet (RFC 5280 §4.2.1.2). */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  return child(readBer(spki), 1, 0x03).content.subarray(1);
}
