/**
 * An API client disables one of its organisation's webhooks (issue 10): no new deliveries are
 * queued for it. One transaction with `webhook.disabled` in the organisation's chain (id, host,
 * events). An unknown, already disabled or another organisation's webhook is 404 and leaves no event.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { disableWebhook as disableWebhookRow, webhookById } from '../store/webhook-repository.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';
import { webhookNotFound } from './webhooks.ts';

export interface DisableWebhookOptions extends StaffRequest {
  webhookId: string;
}

export async function disableWebhook(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: DisableWebhookOptions): Promise<void> {
  await inTransaction(deps, 'disableWebhook', async (trx) => {
    const now = deps.clock();
    const webhook = await webhookById(trx, options.organisationId, options.webhookId);
    // The update is conditional on the webhook still being live: of two concurrent deletes, one wins.
    if (!webhook || !(await disableWebhookRow(trx, options.organisationId, webhook.id, now))) throw webhookNotFound();
    await appendAuditEvent(trx, {
      organisationId: options.organisationId,
      envelopeId: null,
      event: { action: 'webhook.disabled', details: { webhookId: webhook.id, host: new URL(webhook.url).host, events: webhook.events } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
  });
}
