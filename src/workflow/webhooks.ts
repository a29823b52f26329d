/**
 * What an API client reads of its organisation's webhooks (issue 10): the live ones, one of
 * them, and its delivery attempts. Another organisation's webhook is as absent as an unknown one.
 */
import type { Knex } from 'knex';
import { AppError } from '../errors.ts';
import { listWebhookDeliveries, listWebhooks, webhookById, type DeliveryPage, type Webhook } from '../store/webhook-repository.ts';

export type { Webhook, DeliveryPage, WebhookDelivery } from '../store/webhook-repository.ts';

export function webhookNotFound(): AppError {
  return new AppError('webhook_not_found', 404, 'There is no such webhook.');
}

export function webhooksOf(deps: { db: Knex }, organisationId: string): Promise<Webhook[]> {
  return listWebhooks(deps.db, organisationId);
}

/** The organisation's live webhook, or 404 `webhook_not_found`. */
export async function getWebhook(deps: { db: Knex }, organisationId: string, webhookId: string): Promise<Webhook> {
  const webhook = await webhookById(deps.db, organisationId, webhookId);
  if (!webhook) throw webhookNotFound();
  return webhook;
}

/** A page of the webhook's delivery attempts, newest first; 404 when it is not the organisation's live webhook. */
export async function webhookDeliveries(deps: { db: Knex }, organisationId: string, webhookId: string, page: { limit: number; cursor?: string }): Promise<DeliveryPage> {
  await getWebhook(deps, organisationId, webhookId);
  return listWebhookDeliveries(deps.db, organisationId, webhookId, page);
}
