/**
 * Revoking a one-shot certificate (issue 9), e.g. a signature obtained by fraud: the organisation's CRL lists it
 * and its OCSP responder answers "revoked" from then on (RFC 5280 §5.3.1, RFC 6960 §2.2), and verification shows
 * the signature revoked.
 *
 * The revocation date is the certificate's notBefore. A one-shot certificate signs once, at its issuance, so there
 * is no earlier good use to protect; dating the revocation to its start makes every signature made with it
 * invalid, whatever its timestamp says (a validator judging at the proven signing time sees a certificate already
 * revoked then, ETSI EN 319 102-1 §5.2.6).
 */
import { createHash } from 'node:crypto';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditActor } from '../audit/events.ts';
import { AppError } from '../errors.ts';
import { isCrlReason, type CrlReason } from '../keys/index.ts';
import { revokeCertificate, serialHex, type RevokedCertificate } from '../store/revoked-certificates.ts';
import type { Organisation } from '../store/index.ts';
import type { WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface RevokeOptions {
  organisation: Organisation;
  /** The certificate's serial number in hex (colons and spaces allowed), as `openssl x509 -serial` or pdfsig show it. */
  serial: string;
  reason?: string;
  note?: string;
  /** Who revokes, for the envelope's audit trail; default the operator at the CLI. */
  actor?: AuditActor;
}

export interface RevokeResult {
  revocation: RevokedCertificate;
  /** False when it was already revoked (nothing changed). */
  created: boolean;
  /** The signer's certificate subject, as recorded when it was issued. */
  subject: string;
}

const OPERATOR: AuditActor = { kind: 'system', label: 'cert revoke (CLI)' };

/** One transaction: the revocation row and, when it is new, `certificate.revoked` in the signed envelope's trail. */
export async function revokeOneShotCertificate(deps: Pick<WorkflowDeps, 'db' | 'clock' | 'pki' | 'logger'>, options: RevokeOptions): Promise<RevokeResult> {
  if (options.reason !== undefined && !isCrlReason(options.reason)) {
    throw new AppError('invalid_request', 400, `Unknown revocation reason '${options.reason}'.`);
  }
  let serial: string;
  try {
    serial = serialHex(options.serial);
  } catch {
    throw new AppError('invalid_request', 400, `'${options.serial}' is not a hexadecimal serial number.`);
  }
  const issued = await findIssued(deps, options.organisation, serial);
  if (!issued) {
    throw new AppError('certificate_not_found', 404, `No certificate with serial ${serial} was issued for '${options.organisation.slug}'.`, {
      detail: 'cert revoke only knows the one-shot certificates recorded in the audit trail (recipient.signed events).',
    });
  }
  const now = deps.clock();
  const result = await inTransaction(deps, 'revokeOneShotCertificate', async (trx) => {
    const revoked = await revokeCertificate(trx, {
      issuerSha256: issued.issuerSha256,
      serial,
      organisationId: options.organisation.id,
      revokedAt: issued.notBefore,
      reason: options.reason as CrlReason | undefined,
      note: options.note,
      now,
    });
    if (revoked.created) {
      await appendAuditEvent(trx, {
        organisationId: options.organisation.id,
        envelopeId: issued.envelopeId,
        actor: options.actor ?? OPERATOR,
        occurredAt: now,
        event: {
          action: 'certificate.revoked',
          details: { recipientId: issued.recipientId, serialNumber: serial, revokedAt: issued.notBefore.toISOString(), reason: options.reason ?? null, note: options.note ?? null },
        },
      });
    }
    return revoked;
  });
  return { ...result, subject: issued.subject };
}

interface Issued {
  envelopeId: string;
  recipientId: string;
  issuerSha256: string;
  notBefore: Date;
  subject: string;
}

/** The one-shot certificate as the `recipient.signed` event recorded it (since issue 9 with notBefore and issuer). */
async function findIssued(deps: Pick<WorkflowDeps, 'db' | 'pki'>, organisation: Organisation, serial: string): Promise<Issued | null> {
  const rows = await deps.db('audit_events')
    .where({ organisation_id: organisation.id, action: 'recipient.signed' })
    .select('details', 'occurred_at', 'envelope_id');
  for (const row of rows as { details: unknown; occurred_at: unknown; envelope_id: string }[]) {
    const details = (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as {
      recipientId: string;
      certificate?: { serialNumber?: string; subject?: string; notBefore?: string; issuerSha256?: string };
    };
    const certificate = details.certificate;
    if (!certificate?.serialNumber || serialHex(certificate.serialNumber) !== serial) continue;
    const issuerSha256 = certificate.issuerSha256 ?? (await currentCaSha256(deps, organisation));
    // Before issue 9 the event had no notBefore: the certificate started a minute before the signature (one-shot.ts).
    const notBefore = certificate.notBefore ? new Date(certificate.notBefore) : new Date(new Date(String(row.occurred_at)).getTime() - 60_000);
    return { envelopeId: row.envelope_id, recipientId: details.recipientId, issuerSha256, notBefore, subject: certificate.subject ?? '' };
  }
  return null;
}

async function currentCaSha256(deps: Pick<WorkflowDeps, 'pki'>, organisation: Organisation): Promise<string> {
  const issuer = await deps.pki.forOrganisation({ id: organisation.id, slug: organisation.slug, name: organisation.name });
  return createHash('sha256').update(issuer.caCertificates[0].raw).digest('hex');
}
