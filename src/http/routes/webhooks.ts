/**
 * `/api/v1/webhooks` (DESIGN §7, Webhooks): subscribe a URL to envelope events, list, get,
 * delete, and see each delivery attempt the outbox made. Scoped to the API key's organisation:
 * another organisation's webhook answers 404 `webhook_not_found`, like an unknown one.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { AppError, ValidationError } from '../../errors.ts';
import { literalAddressOf, refusalOf } from '../../notify/webhook-address.ts';
import type { StaffRequest } from '../../workflow/deps.ts';
import { disableWebhook } from '../../workflow/disable-webhook.ts';
import type { WebhookEvent } from '../../workflow/notifications.ts';
import { registerWebhook } from '../../workflow/register-webhook.ts';
import { getWebhook, webhookDeliveries, webhooksOf, type Webhook } from '../../workflow/webhooks.ts';
import { principalOf } from '../auth.ts';
import { respondIdempotently } from '../idempotency.ts';

export const WEBHOOK_EVENTS = [
  'envelope.sent',
  'recipient.signed',
  'recipient.declined',
  'envelope.completed',
  'envelope.cancelled',
  'envelope.expired',
] as const satisfies readonly WebhookEvent[];

// Does not compile when the workflow learns an event that cannot be subscribed to here.
const everyEventListed: [Exclude<WebhookEvent, (typeof WEBHOOK_EVENTS)[number]>] extends [never] ? true : never = true;
void everyEventListed;

const MAX_URL_LENGTH = 2000;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https anywhere; plain http only to this machine, and never in production (the body is signed, not encrypted). */
function urlProblem(raw: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname)) return production ? 'must use https in production' : null;
  return 'must use https (http is allowed only for localhost and 127.0.0.1 outside production)';
}

function createSchema(production: boolean) {
  return z.strictObject({
    url: z
      .string()
      .max(MAX_URL_LENGTH)
      .superRefine((value, ctx) => {
        const problem = urlProblem(value, production);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .transform((events) => [...new Set(events)]),
    description: z.string().trim().max(500).nullish(),
  });
}

/** `events[0]: Invalid option…` style, each issue naming its field. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
      return `${where || 'body'}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * A URL whose host is written as an internal IP address (10.0.0.1, 169.254.169.254, [::1], …) is
 * refused at once; a host name is checked after resolution, at every delivery (notify/webhook-address.ts).
 */
function refuseInternalAddress(url: string, allowPrivate: readonly string[]): void {
  const address = literalAddressOf(new URL(url).hostname);
  const why = address === null ? null : refusalOf(address, { allowPrivate });
  if (why) {
    throw new AppError('webhook_address_refused', 422, `Invalid webhook: url: ${address} is a ${why} address; webhooks are delivered to public addresses only.`);
  }
}

function apiRequest(req: Request, res: Response): StaffRequest {
  const principal = principalOf(res);
  return {
    organisationId: principal.organisationId,
    actor: { kind: 'api_key', id: principal.apiKeyId, label: 'API key' },
    origin: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
  };
}

function paramOf(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

function parseLimit(value: unknown): number {
  if (value === undefined) return 25;
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw new ValidationError('limit must be a whole number from 1 to 100.');
  }
  return Number(value);
}

function parseCursor(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError('cursor must be given once.');
  return value;
}

function webhookView(webhook: Webhook) {
  return { id: webhook.id, url: webhook.url, events: webhook.events, description: webhook.description, createdAt: webhook.createdAt };
}

export function webhooksRouter(deps: Deps): Router {
  const router = Router();
  const schema = createSchema(deps.config.nodeEnv === 'production');

  router.post('/webhooks', async (req, res) => {
    const { organisationId } = principalOf(res);
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(`Invalid webhook: ${describeIssues(parsed.error)}.`);
    refuseInternalAddress(parsed.data.url, deps.config.webhookAllowPrivate);
    // The stored answer of an idempotent replay holds the secret too: it is the same creation.
    await respondIdempotently(deps, req, res, { organisationId, fingerprint: parsed.data }, async () => {
      const { webhook, secret } = await registerWebhook(deps.workflow, { ...apiRequest(req, res), ...parsed.data });
      return { status: 201, body: { ...webhookView(webhook), secret } };
    });
  });

  router.get('/webhooks', async (_req, res) => {
    const { organisationId } = principalOf(res);
    const webhooks = await webhooksOf(deps.workflow, organisationId);
    res.set('Cache-Control', 'no-store').json({ items: webhooks.map(webhookView) });
  });

  router.get('/webhooks/:id', async (req, res) => {
    const { organisationId } = principalOf(res);
    const webhook = await getWebhook(deps.workflow, organisationId, paramOf(req, 'id'));
    res.set('Cache-Control', 'no-store').json(webhookView(webhook));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    await disableWebhook(deps.workflow, { ...apiRequest(req, res), webhookId: paramOf(req, 'id') });
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { organisationId } = principalOf(res);
    const webhookId = paramOf(req, 'id');
    const limit = parseLimit(req.query.limit);
    const cursor = parseCursor(req.query.cursor);
    const page = await webhookDeliveries(deps.workflow, organisationId, webhookId, { limit, cursor });
    res.set('Cache-Control', 'no-store').json(page);
  });

  return router;
}
