import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  contextConstructed,
  contextPrimitive,
  ia5String,
  integer,
  nullValue,
  octetString,
  oid,
  OID,
  printableString,
  sequence,
  setOf,
  time,
  tlv,
  utf8String,
  type Der,
} from '../asn1/der.ts';
import { certificateFields, subjectKeyIdentifier, subjectPublicKeyBits } from '../asn1/certificate-fields.ts';
import { signatureAlgorithmIdentifier, type KeySigner } from './signing-key.ts';

/** The attribute types we put in names (X.520, PKCS#9 for emailAddress). */
export type NameAttributeType =
  | 'commonName'
  | 'surname'
  | 'givenName'
  | 'title'
  | 'serialNumber'
  | 'organizationName'
  | 'organizationalUnitName'
  | 'organizationIdentifier'
  | 'localityName'
  | 'countryName'
  | 'emailAddress';

/** A distinguished name as an ordered list, most significant first (C, O, …, CN is usual). */
export type DistinguishedName = ReadonlyArray<{ type: NameAttributeType; value: string }>;

export type KeyUsageBit =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

/** Bit positions from RFC 5280 §4.2.1.3. */
const KEY_USAGE_BIT: Record<KeyUsageBit, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

export interface CertificateTemplate {
  subject: DistinguishedName;
  subjectPublicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Positive, at most 20 octets (RFC 5280 §4.1.2.2). Default: 16 random bytes. */
  serialNumber?: Buffer;
  /** Present makes a CA certificate (critical basicConstraints cA=TRUE). */
  ca?: { pathLength?: number };
  keyUsage: readonly KeyUsageBit[];
  extendedKeyUsage?: readonly string[];
  /** Mark extendedKeyUsage critical: a TSA certificate must (RFC 3161 §2.3). */
  extendedKeyUsageCritical?: boolean;
  /** rfc822Name entries of subjectAltName. */
  emails?: readonly string[];
  /** Policy OIDs for certificatePolicies, without qualifiers. */
  policies?: readonly string[];
  /** authorityInfoAccess id-ad-ocsp: where the issuer's OCSP responder answers (RFC 5280 §4.2.2.1). */
  ocspUrl?: string;
  /** authorityInfoAccess id-ad-caIssuers: where the issuer's certificate can be fetched (RFC 5280 §4.2.2.1). */
  caIssuersUrl?: string;
  /** cRLDistributionPoints: one distribution point whose fullName lists these URIs (RFC 5280 §4.2.1.13). */
  crlUrls?: readonly string[];
  /**
   * id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): only for a delegated OCSP responder certificate, so a client
   * does not ask for the responder's own status. Not needed when the CA signs its own OCSP responses.
   */
  ocspNoCheck?: boolean;
  /** Further Extension elements as DER (see `extension`), e.g. qcStatements (ETSI EN 319 412-5), appended as given. */
  extraExtensions?: readonly Der[];
}

/**
 * Who signs the certificate: its key (in memory or in an HSM, hence a signer rather than a KeyObject) and its own
 * certificate. Absent certificate means self-signed, with issuer name = subject name.
 */
export interface CertificateAuthority {
  key: KeySigner;
  certificate?: Buffer;
}

/** Builds and signs an X.509 v3 certificate (RFC 5280 §4.1). Returns DER. */
export async function buildCertificate(template: CertificateTemplate, authority: CertificateAuthority): Promise<Buffer> {
  return (await buildParsedCertificate(template, authority)).raw;
}

/**
 * buildCertificate, answering the certificate as its self-check parsed it: a one-shot certificate is read at once
 * again (its B-LT data, its audit event), and parsing it is a tenth of a millisecond each time (issue 11).
 */
export async function buildParsedCertificate(template: CertificateTemplate, authority: CertificateAuthority): Promise<X509Certificate> {
  const spki = subjectPublicKeyInfo(template.subjectPublicKey);
  const subjectKeyId = keyIdentifier(spki);
  let issuerName: Der;
  let authorityKeyId: Buffer;
  if (authority.certificate) {
    // Copy the issuer's subject bytes exactly, so chain building never depends on our re-encoding.
    const issuer = certificateFields(authority.certificate);
    issuerName = issuer.subject.raw;
    authorityKeyId = subjectKeyIdentifier(issuer) ?? keyIdentifier(issuer.subjectPublicKeyInfo.raw);
  } else {
    issuerName = encodeName(template.subject);
    authorityKeyId = subjectKeyId;
  }
  const algorithm = signatureAlgorithmIdentifier(authority.key);
  const tbs = sequence(
    contextConstructed(0, integer(2)), // v3
    integer(template.serialNumber ?? randomSerial()),
    algorithm,
    issuerName,
    sequence(time(template.notBefore), time(template.notAfter)),
    encodeName(template.subject),
    spki,
    contextConstructed(3, sequence(...extensions(template, subjectKeyId, authorityKeyId))),
  );
  const signature = await authority.key.sign(tbs);
  const der = sequence(tbs, algorithm, bitString(signature));
  // Fail here, not in a validator, if we ever produce something unparseable.
  return new X509Certificate(der);
}

/**
 * The key's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) as DER, as OpenSSL encodes it. Not from the key's JWK
 * coordinates, which stop 20 did for speed (0.005 ms against 0.1): Node 20's JWK export of an EC key holds the key's
 * lock while it makes JavaScript strings, and a garbage collection there that frees the key generation's job, which
 * takes the same lock, deadlocks the process. Any signature's fresh one-shot key could do so, hanging the server for
 * good: a loop of fresh keys hangs within a few thousand (seen in CI; test/unit/keys/fresh-key-export.test.ts).
 */
export function subjectPublicKeyInfo(key: KeyObject): Buffer {
  let spki = exported.get(key);
  if (!spki) exported.set(key, (spki = key.export({ type: 'spki', format: 'der' })));
  return spki;
}

/** Each key's SubjectPublicKeyInfo once exported: a one-shot key made ahead (prepareOneShotKey) is exported then, not at issue. */
const exported = new WeakMap<KeyObject, Buffer>();

function extensions(template: CertificateTemplate, subjectKeyId: Buffer, authorityKeyId: Buffer): Der[] {
  const out: Der[] = [];
  // basicConstraints: critical in CA certificates (RFC 5280 §4.2.1.9); cA FALSE is the DEFAULT, so omitted.
  if (template.ca) {
    const pathLength = template.ca.pathLength === undefined ? [] : [integer(template.ca.pathLength)];
    out.push(extension(OID.basicConstraints, true, sequence(boolean(true), ...pathLength)));
  } else {
    out.push(extension(OID.basicConstraints, false, sequence()));
  }
  out.push(extension(OID.keyUsage, true, keyUsage(template.keyUsage)));
  if (template.extendedKeyUsage?.length) {
    out.push(extension(OID.extKeyUsage, template.extendedKeyUsageCritical === true, sequence(...template.extendedKeyUsage.map((id) => oid(id)))));
  }
  out.push(extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyId)));
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } (§4.2.1.1)
  out.push(extension(OID.authorityKeyIdentifier, false, sequence(contextPrimitive(0, authorityKeyId))));
  if (template.emails?.length) {
    // GeneralName rfc822Name [1] IMPLICIT IA5String (§4.2.1.6)
    const names = template.emails.map((email) => contextPrimitive(1, Buffer.from(email, 'ascii')));
    out.push(extension(OID.subjectAltName, false, sequence(...names)));
  }
  if (template.policies?.length) {
    out.push(extension(OID.certificatePolicies, false, sequence(...template.policies.map((p) => sequence(oid(p))))));
  }
  out.push(...revocationPointers(template));
  out.push(...(template.extraExtensions ?? []));
  return out;
}

/** GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String (RFC 5280 §4.2.1.6). */
function uri(url: string): Der {
  if (!/^[\x21-\x7e]+$/.test(url)) throw new Error(`Not an IA5 URI: ${JSON.stringify(url)}`);
  return contextPrimitive(6, Buffer.from(url, 'ascii'));
}

/** AIA (RFC 5280 §4.2.2.1), CRLDP (§4.2.1.13) and OCSP no-check (RFC 6960 §4.2.2.2.1), all non-critical. */
function revocationPointers(template: CertificateTemplate): Der[] {
  const out: Der[] = [];
  // AccessDescription ::= SEQUENCE { accessMethod OBJECT IDENTIFIER, accessLocation GeneralName }
  const access: Der[] = [];
  if (template.ocspUrl) access.push(sequence(oid(OID.accessOcsp), uri(template.ocspUrl)));
  if (template.caIssuersUrl) access.push(sequence(oid(OID.accessCaIssuers), uri(template.caIssuersUrl)));
  if (access.length) out.push(extension(OID.authorityInfoAccess, false, sequence(...access)));
  if (template.crlUrls?.length) {
    // DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName, … }; the CHOICE is
    // explicitly tagged, its fullName [0] GeneralNames implicitly (the module uses IMPLICIT TAGS).
    const fullName = contextConstructed(0, ...template.crlUrls.map(uri));
    out.push(extension(OID.crlDistributionPoints, false, sequence(sequence(contextConstructed(0, fullName)))));
  }
  if (template.ocspNoCheck) out.push(extension(OID.ocspNoCheck, false, nullValue()));
  return out;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function extension(id: string, critical: boolean, value: Der): Der {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** A named-bit BIT STRING: DER drops trailing zero bits and counts them as unused (X.690 §11.2.2). */
function keyUsage(bits: readonly KeyUsageBit[]): Der {
  let mask = 0;
  for (const bit of bits) mask |= 0x80 >> KEY_USAGE_BIT[bit];
  if (mask === 0) throw new Error('keyUsage needs at least one bit');
  let unused = 0;
  while (!(mask & (1 << unused))) unused++;
  return tlv(0x03, Buffer.from([unused, mask]));
}

const ATTRIBUTE_OID: Record<NameAttributeType, string> = {
  commonName: OID.commonName,
  surname: OID.surname,
  givenName: OID.givenName,
  title: OID.title,
  serialNumber: OID.serialNumber,
  organizationName: OID.organizationName,
  organizationalUnitName: OID.organizationalUnitName,
  organizationIdentifier: OID.organizationIdentifier,
  localityName: OID.localityName,
  countryName: OID.countryName,
  emailAddress: OID.emailAddress,
};

/** Name ::= SEQUENCE OF RelativeDistinguishedName, one attribute per RDN (RFC 5280 §4.1.2.4). */
export function encodeName(name: DistinguishedName): Der {
  return sequence(
    ...name.map(({ type, value }) => setOf(sequence(oid(ATTRIBUTE_OID[type]), attributeValue(type, value)))),
  );
}

function attributeValue(type: NameAttributeType, value: string): Der {
  // countryName and serialNumber are PrintableString (X.520); emailAddress is IA5String (PKCS#9);
  // everything else is UTF8String as RFC 5280 §4.1.2.4 asks of new certificates.
  if (type === 'countryName' || type === 'serialNumber') return printableString(value);
  if (type === 'emailAddress') return ia5String(value);
  return utf8String(value);
}

/** Method (1) of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}


/** 16 random bytes, top bit cleared so the INTEGER is positive, next bit set so it keeps 16 octets. */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return serial;
}
