/**
 * After a signer signs or an approver approves (DESIGN §4): the envelope starts (sent →
 * in_progress), the next routing order gets its links and mails, or — when everybody is done —
 * the envelope completes, cc, signers and the sender get the result (result-delivery.ts) and `envelope.completed` goes out.
 */
import { transition } from '../domain/envelope-state.ts';
import { computeRouting } from '../domain/routing.ts';
import { currentRevisions, documentsOf } from '../store/document-repository.ts';
import { envelopeUpdate } from '../store/envelope-repository.ts';
import type { Recipient } from '../store/recipient-repository.ts';
import { effectWrites, notifyRecipients, queueWebhooks, recordEffect, type EffectContext } from './notifications.ts';
import { deliverResult } from './result-delivery.ts';

export async function advanceRouting(ctx: EffectContext, recipients: readonly Recipient[]): Promise<void> {
  const { trx, envelope } = ctx;
  const at = ctx.now.toISOString();
  const routing = computeRouting(recipients);
  if (routing.outcome === 'complete') {
    const status = transition(envelope.status, 'complete');
    await effectWrites(ctx, [envelopeUpdate(trx, envelope.organisationId, envelope.id, { status, completedAt: at }, at)]);
    ctx.envelope = { ...envelope, status, completedAt: at, updatedAt: at };
    await recordEffect(ctx, {
      organisationId: envelope.organisationId,
      envelopeId: envelope.id,
      event: { action: 'envelope.completed', details: { documents: [...(ctx.documents ?? (await currentDocuments(ctx)))] } },
      actor: { kind: 'system' },
      occurredAt: ctx.now,
    });
    await deliverResult(ctx, recipients);
    await queueWebhooks(ctx, 'envelope.completed');
    return;
  }
  if (envelope.status === 'sent') {
    const status = transition(envelope.status, 'start');
    await effectWrites(ctx, [envelopeUpdate(trx, envelope.organisationId, envelope.id, { status }, at)]);
    ctx.envelope = { ...envelope, status, updatedAt: at };
  }
  if (routing.outcome === 'waiting' && routing.toNotify.length > 0) await notifyRecipients(ctx, routing.toNotify, 'signRequest');
}

/** The envelope's documents with their current revision, as `envelope.completed` records them. */
async function currentDocuments(ctx: EffectContext): Promise<Array<{ documentId: string; sha256: string; revisionSeq: number }>> {
  const documents = await documentsOf(ctx.trx, ctx.envelope.organisationId, ctx.envelope.id);
  const revisions = await currentRevisions(ctx.trx, documents.map((d) => d.id));
  return documents.map((d) => ({ documentId: d.id, sha256: revisions.get(d.id)!.blobSha256, revisionSeq: revisions.get(d.id)!.seq }));
}
