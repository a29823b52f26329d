/**
 * An API client subscribes a URL to envelope events (issue 10, DESIGN §7 Webhooks). One
 * transaction: the webhook is stored with a fresh secret and `webhook.registered` is appended to
 * the organisation's chain with its id, the URL's host and the events — never the secret, which
 * is returned here once for the client to keep.
 */
import { randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../audit/chain.ts';
import { insertWebhook, type Webhook } from '../store/webhook-repository.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export interface RegisterWebhookOptions extends StaffRequest {
  /** Already checked by the caller: https (or http to this machine outside production), no internal literal address. */
  url: string;
  events: readonly string[];
  description?: string | null;
}

export async function registerWebhook(
  deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock' | 'random'>,
  options: RegisterWebhookOptions,
): Promise<{ webhook: Webhook; secret: string }> {
  const secret = `${WEBHOOK_SECRET_PREFIX}${(deps.random ?? randomBytes)(32).toString('base64url')}`;
  return inTransaction(deps, 'registerWebhook', async (trx) => {
    const now = deps.clock();
    const webhook = await insertWebhook(trx, { organisationId: options.organisationId, url: options.url, events: options.events, description: options.description, secret, now });
    await appendAuditEvent(trx, {
      organisationId: options.organisationId,
      envelopeId: null,
      event: { action: 'webhook.registered', details: { webhookId: webhook.id, host: new URL(webhook.url).host, events: webhook.events } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    return { webhook, secret };
  });
}
