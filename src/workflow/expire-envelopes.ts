/**
 * The scheduled expiry (DESIGN §4): every open envelope past its expires_at becomes expired,
 * one transaction per envelope (a failure on one does not hold back the others), its links are
 * revoked, the recipients who were mailed are told, and `envelope.expired` goes to webhooks. Run it from a timer in main.ts.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { isOpen, transition } from '../domain/envelope-state.ts';
import { envelopeById, envelopesPastExpiry, updateEnvelope } from '../store/envelope-repository.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { revokeSigningLinks } from '../store/signing-link-repository.ts';
import type { WorkflowDeps } from './deps.ts';
import { alreadyMailed, effectContext, queueMail, queueWebhooks } from './notifications.ts';
import { deliverResult } from './result-delivery.ts';
import { noticeSender } from './staff-notices.ts';
import { inTransaction } from './transaction.ts';

export interface ExpireEnvelopesOptions {
  /** Envelopes handled per run; default 100. */
  limit?: number;
}

export interface ExpireEnvelopesResult {
  expired: Array<{ organisationId: string; envelopeId: string }>;
  failed: number;
}

export async function expireEnvelopes(deps: WorkflowDeps, options: ExpireEnvelopesOptions = {}): Promise<ExpireEnvelopesResult> {
  const now = deps.clock();
  const candidates = await envelopesPastExpiry(deps.db, now.toISOString(), options.limit ?? 100);
  const result: ExpireEnvelopesResult = { expired: [], failed: 0 };
  for (const candidate of candidates) {
    try {
      const expired = await inTransaction(deps, 'expireEnvelopes', async (trx) => {
        const envelope = await envelopeById(trx, candidate.organisationId, candidate.id, { forUpdate: true });
        // Re-checked under the lock: a last signature may have completed it meanwhile.
        if (!envelope || !isOpen(envelope.status) || !envelope.expiresAt || new Date(envelope.expiresAt).getTime() > now.getTime()) return false;
        const status = transition(envelope.status, 'expire');
        const at = now.toISOString();
        await updateEnvelope(trx, envelope.organisationId, envelope.id, { status, expiredAt: at }, at);
        const recipients = await recipientsOf(trx, envelope.organisationId, envelope.id);
        await revokeSigningLinks(trx, recipients.map((r) => r.id), now);
        const actor = { kind: 'system' as const, label: 'expiry' };
        await appendAuditEvent(trx, {
          organisationId: envelope.organisationId,
          envelopeId: envelope.id,
          event: { action: 'envelope.expired', details: { expiresAt: envelope.expiresAt } },
          actor,
          occurredAt: now,
        });
        const ctx = await effectContext(trx, deps, { ...envelope, status, expiredAt: at, updatedAt: at }, { actor, now });
        // Whoever was asked hears that the request ran out, so nobody waits for a link that is gone.
        for (const recipient of alreadyMailed(recipients)) await queueMail(ctx, recipient, 'expired', { expiredAt: new Date(envelope.expiresAt) });
        await queueWebhooks(ctx, 'envelope.expired');
        await noticeSender(ctx, { kind: 'expired', expiredAt: new Date(envelope.expiresAt) });
        if (envelope.meetingId) await deliverResult(ctx, []);
        return true;
      });
      if (expired) result.expired.push({ organisationId: candidate.organisationId, envelopeId: candidate.id });
    } catch (error) {
      result.failed += 1;
      deps.logger.error({ err: error, envelopeId: candidate.id }, 'could not expire an envelope');
    }
  }
  return result;
}
