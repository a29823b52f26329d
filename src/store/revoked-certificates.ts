/**
 * Revocations of certificates issued by our own CAs (migration 0014): read by the CRL and OCSP routes and by the
 * in-process revocation source (B-LT), written by `npm run cli -- cert revoke`.
 */
import { randomUUID } from 'node:crypto';
import { isoTimestamp, isUniqueViolation, prepared, toIso, type Db } from './sql.ts';

export interface RevokedCertificate {
  id: string;
  /** SHA-256 (hex) of the issuing CA certificate's DER. */
  issuerSha256: string;
  /** Lower-case hex of the serial number's magnitude, no leading zeros. */
  serialHex: string;
  organisationId: string | null;
  revokedAt: string;
  /** A CRLReason name (RFC 5280 §5.3.1), or null for none given. */
  reason: string | null;
  note: string | null;
  createdAt: string;
}

/** A revocation as the B-LT data of a signature needs it. */
export type Revocation = Pick<RevokedCertificate, 'issuerSha256' | 'serialHex' | 'revokedAt' | 'reason'>;

interface Row {
  id: string;
  issuer_sha256: string;
  serial_hex: string;
  organisation_id: string | null;
  revoked_at: unknown;
  reason: string | null;
  note: string | null;
  created_at: unknown;
}

const fromRow = (row: Row): RevokedCertificate => ({
  id: row.id,
  issuerSha256: row.issuer_sha256,
  serialHex: row.serial_hex,
  organisationId: row.organisation_id,
  revokedAt: toIso(row.revoked_at),
  reason: row.reason,
  note: row.note,
  createdAt: toIso(row.created_at),
});

/** The canonical form of a serial: hex of the INTEGER magnitude without leading zero octets or nibbles. */
export function serialHex(serial: Buffer | string): string {
  const hex = typeof serial === 'string' ? serial.replace(/[:\s]/g, '').toLowerCase() : serial.toString('hex');
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`Not a hexadecimal serial number: ${serial.toString()}`);
  return hex.replace(/^0+(?=.)/, '');
}

export interface RevokeCertificateInput {
  issuerSha256: string;
  serial: Buffer | string;
  organisationId: string | null;
  revokedAt: Date;
  reason?: string;
  note?: string;
  now: Date;
}

/** Records a revocation; revoking again changes nothing and answers the first record (`created` false). */
export async function revokeCertificate(db: Db, input: RevokeCertificateInput): Promise<{ revocation: RevokedCertificate; created: boolean }> {
  const key = { issuer_sha256: input.issuerSha256, serial_hex: serialHex(input.serial) };
  const existing = await db<Row>('revoked_certificates').where(key).first();
  if (existing) return { revocation: fromRow(existing), created: false };
  const row = {
    id: randomUUID(),
    ...key,
    organisation_id: input.organisationId,
    revoked_at: isoTimestamp(input.revokedAt),
    reason: input.reason ?? null,
    note: input.note ?? null,
    created_at: isoTimestamp(input.now),
  };
  try {
    await db('revoked_certificates').insert(row);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return { revocation: fromRow((await db<Row>('revoked_certificates').where(key).first())!), created: false };
  }
  return { revocation: fromRow(row), created: true };
}

export async function revocationOf(db: Db, issuerSha256: string, serial: Buffer | string): Promise<RevokedCertificate | null> {
  const row = await db<Row>('revoked_certificates').where({ issuer_sha256: issuerSha256, serial_hex: serialHex(serial) }).first();
  return row ? fromRow(row) : null;
}

/** Everything some CAs have revoked, in one statement (the B-LT data of a signature asks about a few of their certificates). */
export async function revokedByAny(db: Db, issuerSha256s: readonly string[]): Promise<RevokedCertificate[]> {
  if (issuerSha256s.length === 0) return [];
  // Prepared on PostgreSQL: every sign request asks it, for the same few CAs (issue 11).
  const rows = (await prepared(db, db<Row>('revoked_certificates').whereIn('issuer_sha256', [...new Set(issuerSha256s)]))) as Row[];
  return rows.map(fromRow);
}

/** Everything one CA has revoked, oldest first: the entries of its CRL. */
export async function revokedBy(db: Db, issuerSha256: string): Promise<RevokedCertificate[]> {
  const rows = await db<Row>('revoked_certificates').where({ issuer_sha256: issuerSha256 }).orderBy([{ column: 'revoked_at' }, { column: 'serial_hex' }]);
  return rows.map(fromRow);
}

/** For `cert list-revoked`: one organisation's, or all. */
export async function listRevokedCertificates(db: Db, organisationId?: string): Promise<RevokedCertificate[]> {
  const query = db<Row>('revoked_certificates').orderBy([{ column: 'created_at' }, { column: 'serial_hex' }]);
  if (organisationId) query.where({ organisation_id: organisationId });
  return (await query).map(fromRow);
}
