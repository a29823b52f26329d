/**
 * Certificate revocation lists (RFC 5280 §5) for our own CAs: a v2 CertificateList signed by the CA,
 * with the authorityKeyIdentifier (§5.2.1) and cRLNumber (§5.2.3) that RFC 5280 requires of a
 * conforming CRL issuer, and a reasonCode entry extension (§5.3.1) for each revoked certificate.
 */
import {
  bitString,
  contextConstructed,
  contextPrimitive,
  integer,
  OID,
  sequence,
  time,
  tlv,
  type Der,
} from '../asn1/der.ts';
import { certificateFields, subjectKeyIdentifier } from '../asn1/certificate-fields.ts';
import { extension, keyIdentifier } from './certificate-builder.ts';
import { signatureAlgorithmIdentifier } from './signing-key.ts';
import type { SigningKey } from './types.ts';

/** CRLReason (RFC 5280 §5.3.1); value 7 is not used. */
export type CrlReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

export const CRL_REASON_CODE: Readonly<Record<CrlReason, number>> = Object.freeze({
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
});

/** The reasons, for CLI and configuration validation. */
export const CRL_REASONS = Object.freeze(Object.keys(CRL_REASON_CODE) as CrlReason[]);

export function isCrlReason(value: string): value is CrlReason {
  return Object.prototype.hasOwnProperty.call(CRL_REASON_CODE, value);
}

export interface RevokedEntry {
  /** The certificate's serialNumber INTEGER magnitude, big-endian (leading zero octets are ignored). */
  serialNumber: Buffer;
  revokedAt: Date;
  reason?: CrlReason;
}

export interface BuildCrlOptions {
  /** The CA that issued the certificates listed: its certificate first (RFC 5280 §5.1.2.3: issuer = CA subject). */
  issuer: SigningKey;
  entries: readonly RevokedEntry[];
  thisUpdate: Date;
  /** RFC 5280 §5.1.2.5: conforming CRL issuers MUST include nextUpdate. */
  nextUpdate: Date;
  /** Monotonically increasing, non-negative, at most 20 octets (RFC 5280 §5.2.3). */
  crlNumber: bigint;
}

/** Builds and signs a DER CertificateList v2 (RFC 5280 §5.1). */
export async function buildCrl(options: BuildCrlOptions): Promise<Buffer> {
  const { issuer, thisUpdate, nextUpdate, crlNumber } = options;
  if (issuer.certificates.length === 0) throw new Error('buildCrl: the issuer has no certificate');
  if (crlNumber < 0n || crlNumber >= 1n << 159n) throw new Error('buildCrl: cRLNumber out of range (RFC 5280 §5.2.3)');
  if (!(nextUpdate.getTime() > thisUpdate.getTime())) throw new Error('buildCrl: nextUpdate must follow thisUpdate');
  const ca = certificateFields(Buffer.from(issuer.certificates[0]));
  const algorithm = signatureAlgorithmIdentifier(issuer);
  // RFC 5280 §5.1.2.6: when there are no revoked certificates the list MUST be absent, not empty.
  const revoked = options.entries.length ? [sequence(...options.entries.map(revokedCertificate))] : [];
  const authorityKeyId = subjectKeyIdentifier(ca) ?? keyIdentifier(ca.subjectPublicKeyInfo.raw);
  const tbs = sequence(
    integer(1), // v2, required because of the extensions (§5.1.2.1)
    algorithm,
    ca.subject.raw, // copied byte for byte so issuer matching never depends on a re-encoding
    time(thisUpdate),
    time(nextUpdate),
    ...revoked,
    contextConstructed(
      0,
      sequence(
        extension(OID.authorityKeyIdentifier, false, sequence(contextPrimitive(0, authorityKeyId))),
        extension(OID.crlNumber, false, integer(crlNumber)),
      ),
    ),
  );
  const signature = await issuer.sign(tbs);
  return sequence(tbs, algorithm, bitString(signature));
}

/** SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL } (RFC 5280 §5.1.2.6). */
function revokedCertificate(entry: RevokedEntry): Der {
  if (entry.serialNumber.length === 0 || entry.serialNumber.length > 21) {
    throw new Error('buildCrl: serial number must be 1..20 octets (RFC 5280 §4.1.2.2)');
  }
  // §5.3.1: the reason code unspecified SHOULD be absent rather than encoded.
  const reason = entry.reason && entry.reason !== 'unspecified' ? [sequence(reasonCode(entry.reason))] : [];
  return sequence(integer(entry.serialNumber), time(entry.revokedAt), ...reason);
}

/** The reasonCode CRL entry extension, CRLReason ::= ENUMERATED (RFC 5280 §5.3.1). */
export function reasonCode(reason: CrlReason): Der {
  return extension(OID.crlReason, false, enumerated(CRL_REASON_CODE[reason]));
}

export function enumerated(value: number): Der {
  return tlv(0x0a, Buffer.from([value]));
}
