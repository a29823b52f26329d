/**
 * What use cases put in the outbox, inside their own transaction (DESIGN §4, §8): mails (with
 * a `mail.queued` audit event each), webhook deliveries, and the signing links that go in the
 * request mails. Nothing is sent here; the outbox worker delivers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent, type AppendAuditEventOptions } from '../audit/chain.ts';
import type { AuditActor, RequestOrigin } from '../audit/events.ts';
import { renderMail, withLogo, type MailKind, type MailMessage, type MailParams } from '../notify/index.ts';
import type { Envelope } from '../store/envelope-repository.ts';
import { enqueueOutbox, outboxRow, webhooksSubscribedTo, type NewOutboxItem, type NewOutboxRow } from '../store/knex-outbox-store.ts';
import { recipientUpdate, type Recipient } from '../store/recipient-repository.ts';
import { signingLinkInsert, signingLinksRevoke } from '../store/signing-link-repository.ts';
import { writeTogether } from '../store/sql.ts';
import { mailLogoOf, organisationById } from '../store/organisations.ts';
import { waitingSignerRows } from '../store/waiting-envelopes.ts';
import { randomToken, type WorkflowDeps } from './deps.ts';
import { meetingRequestFor, signingAsOf } from './meeting-mail.ts';

export type WebhookEvent = 'envelope.sent' | 'recipient.signed' | 'recipient.declined' | 'envelope.completed' | 'envelope.cancelled' | 'envelope.expired';

/** Everything a use case's effects need, gathered once per transaction. */
export interface EffectContext {
  trx: Knex.Transaction;
  deps: WorkflowDeps;
  envelope: Envelope;
  organisationName: string;
  /**
   * The organisation's settings as the use case read them: the PNG logo at the top of its mails (issue 12), and
   * whom its notices go to when staff did not send the envelope (notice addresses, default language).
   */
  organisationSettings: Readonly<Record<string, unknown>>;
  now: Date;
  actor: AuditActor;
  origin?: RequestOrigin;
  /**
   * Where the effects' audit events go when the use case appends its events in one batch (a signature,
   * issue 11); without it each is appended at once.
   */
  audit?: (event: AppendAuditEventOptions) => void;
  /** False when the use case already knows the organisation has no live webhook: none is looked up. */
  hasWebhooks?: boolean;
  /** The envelope's documents as the use case left them (position order), when it knows them. */
  documents?: ReadonlyArray<{ documentId: string; sha256: string; revisionSeq: number }>;
  /** The recipients holding a link not revoked, when the use case read that under its lock: a new link revokes only theirs. */
  linkHolders?: ReadonlySet<string>;
  /**
   * Where the deliveries (mails, webhooks) go when the effect inserts them in one statement with its other writes (a
   * completion's mails, issue 11: one per signer, cc and the sender); without it each is inserted at once.
   */
  outbox?: NewOutboxRow[];
  /**
   * Where the effects' writes go when the use case sends them with its own at its end, in order (a signature, issue 11:
   * on PostgreSQL in one round trip, writeTogether); without it each is sent at once. The effects never read back what
   * they wrote.
   */
  writes?: Knex.QueryBuilder[];
}

/** Sends the effect's writes now (together), or hands them to the use case's (`ctx.writes`). */
export async function effectWrites(ctx: EffectContext, writes: ReadonlyArray<Knex.QueryBuilder | undefined>): Promise<void> {
  if (ctx.writes) ctx.writes.push(...writes.filter((write): write is Knex.QueryBuilder => write !== undefined));
  else await writeTogether(ctx.trx, writes);
}

/** Queues a delivery: inserted now, or into the effect's batch (`ctx.outbox`); its id. */
async function queueDelivery(ctx: EffectContext, item: NewOutboxItem): Promise<string> {
  if (!ctx.outbox) return enqueueOutbox(ctx.trx, item);
  const row = outboxRow(item);
  ctx.outbox.push(row);
  return row.id;
}

/** Appends an effect's audit event, or hands it to the use case's batch. */
export async function recordEffect(ctx: EffectContext, event: AppendAuditEventOptions): Promise<void> {
  if (ctx.audit) ctx.audit(event);
  else await appendAuditEvent(ctx.trx, event);
}

export async function effectContext(
  trx: Knex.Transaction,
  deps: WorkflowDeps,
  envelope: Envelope,
  who: { actor: AuditActor; origin?: RequestOrigin; now: Date },
): Promise<EffectContext> {
  const organisation = await organisationById(trx, envelope.organisationId);
  if (!organisation) throw new Error(`organisation ${envelope.organisationId} of envelope ${envelope.id} is missing`);
  return { trx, deps, envelope, organisationName: organisation.name, organisationSettings: organisation.settings, ...who };
}

type OwnParams<K extends MailKind> = Omit<MailParams[K], 'organisationName' | 'recipientName' | 'envelopeTitle'>;

/**
 * A staff member a mail goes to (issue 12: the sender hears of a decline, completion, expiry or failed mail), in
 * their own language; `userId` null for one of the organisation's notification addresses (an API envelope).
 */
export interface StaffAddressee {
  userId: string | null;
  name: string;
  email: string;
  language: Recipient['language'];
}

/** Marks a mail to staff, so that its own failure is listed but not mailed about again. */
export const STAFF_NOTICE_HEADER = 'X-Paraaf-Staff-Notice';

/** Renders a mail in the recipient's language, queues it and records `mail.queued`. */
export async function queueMail<K extends MailKind>(
  ctx: EffectContext,
  recipient: Pick<Recipient, 'id' | 'name' | 'email' | 'language'>,
  kind: K,
  params: OwnParams<K>,
  extra: Pick<MailMessage, 'attachmentRefs'> = {},
): Promise<string> {
  return enqueueMail(ctx, recipient, { recipientId: recipient.id }, kind, params, {}, extra);
}

/** The same for a staff member: `mail.queued` names the user instead of a recipient. */
export async function queueStaffMail<K extends MailKind>(ctx: EffectContext, staff: StaffAddressee, kind: K, params: OwnParams<K>, extra: Pick<MailMessage, 'attachmentRefs'> = {}): Promise<string> {
  return enqueueMail(ctx, staff, staff.userId ? { userId: staff.userId } : {}, kind, params, { [STAFF_NOTICE_HEADER]: '1' }, extra);
}

async function enqueueMail<K extends MailKind>(
  ctx: EffectContext,
  to: Pick<Recipient, 'name' | 'email' | 'language'>,
  ref: { recipientId: string } | { userId: string } | Record<string, never>,
  kind: K,
  params: OwnParams<K>,
  headers: Record<string, string> = {},
  extra: Pick<MailMessage, 'attachmentRefs'> = {},
): Promise<string> {
  const full = { ...params, organisationName: ctx.organisationName, recipientName: to.name, envelopeTitle: ctx.envelope.title } as MailParams[K];
  const logo = mailLogoOf(ctx.organisationSettings);
  const rendered = logo ? withLogo(renderMail(kind, to.language, full), ctx.organisationName) : renderMail(kind, to.language, full);
  const message: MailMessage = {
    to: { name: to.name, email: to.email },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: { 'X-Paraaf-Envelope': ctx.envelope.id, ...headers },
    ...(logo ? { inlineLogo: logo } : {}),
    ...(extra.attachmentRefs?.length ? { attachmentRefs: extra.attachmentRefs } : {}),
  };
  const outboxId = await queueDelivery(ctx, { organisationId: ctx.envelope.organisationId, kind: 'mail', payload: message, now: ctx.now });
  await recordEffect(ctx, {
    organisationId: ctx.envelope.organisationId,
    envelopeId: ctx.envelope.id,
    event: { action: 'mail.queued', details: { outboxId, ...ref, email: to.email, mail: kind } },
    actor: ctx.actor,
    origin: ctx.origin,
    occurredAt: ctx.now,
  });
  return outboxId;
}

/** One delivery per live webhook of the organisation subscribed to `event`. */
export async function queueWebhooks(ctx: EffectContext, event: WebhookEvent, recipient?: Recipient): Promise<number> {
  if (ctx.hasWebhooks === false) return 0;
  const webhooks = await webhooksSubscribedTo(ctx.trx, ctx.envelope.organisationId, event);
  for (const webhook of webhooks) {
    const body = {
      id: randomUUID(),
      type: event,
      createdAt: ctx.now.toISOString(),
      organisationId: ctx.envelope.organisationId,
      data: {
        envelope: { id: ctx.envelope.id, title: ctx.envelope.title, status: ctx.envelope.status },
        ...(recipient ? { recipient: { id: recipient.id, name: recipient.name, email: recipient.email, role: recipient.role, status: recipient.status } } : {}),
      },
    };
    await queueDelivery(ctx, { organisationId: ctx.envelope.organisationId, kind: 'webhook', payload: body, webhookId: webhook.id, event, now: ctx.now });
  }
  return webhooks.length;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new 256-bit link for a recipient, valid as long as the envelope; only its hash is stored. */
export async function createSigningLink(ctx: EffectContext, recipient: Recipient): Promise<string> {
  const token = randomToken(ctx.deps).toString('base64url');
  const expiresAt = ctx.envelope.expiresAt ?? ctx.now.toISOString();
  await effectWrites(ctx, [signingLinkInsert(ctx.trx, { id: randomUUID(), recipientId: recipient.id, tokenSha256: tokenHash(token), expiresAt, createdAt: ctx.now.toISOString() })]);
  return token;
}

/**
 * Gives each recipient a fresh link (revoking older ones) and queues the request or reminder
 * mail with it; recipients still pending become `sent`. Returns the recipients as updated.
 */
export async function notifyRecipients(
  ctx: EffectContext,
  recipients: readonly Recipient[],
  kind: 'signRequest' | 'reminder',
): Promise<Recipient[]> {
  const updated: Recipient[] = [];
  // Their earlier links stop working (DESIGN §3); no statement when the use case knows none of them holds one.
  const holders = recipients.filter((r) => ctx.linkHolders?.has(r.id) ?? true);
  await effectWrites(ctx, [signingLinksRevoke(ctx.trx, holders.map((r) => r.id), ctx.now)]);
  for (const recipient of recipients) {
    const token = await createSigningLink(ctx, recipient);
    const now = ctx.now.toISOString();
    const next = recipient.status === 'pending' ? { ...recipient, status: 'sent' as const, sentAt: now } : recipient;
    if (next !== recipient) await effectWrites(ctx, [recipientUpdate(ctx.trx, ctx.envelope.organisationId, recipient.id, { status: 'sent', sentAt: now })]);
    const signingUrl = `${ctx.deps.baseUrl.replace(/\/+$/, '')}/s/${token}`;
    if (kind === 'signRequest' && ctx.envelope.meetingId && recipient.role === 'signer') {
      // A meeting's signer gets one mail for the whole meeting (issue 12), not one per decision.
      const meeting = await meetingRequestFor(ctx, next, signingUrl);
      if (meeting) await queueMail(ctx, next, 'meetingSignRequest', { ...meeting, documentCorrected: recipient.correctedSinceActed });
      updated.push(next);
      continue;
    }
    await queueMail(ctx, next, kind, {
      // A staff member is named; an API client is not a person, so the organisation speaks.
      senderName: ctx.actor.kind === 'user' ? (ctx.actor.label ?? null) : null,
      role: recipient.role === 'approver' ? 'approver' : 'signer',
      message: ctx.envelope.message,
      deadline: ctx.envelope.expiresAt ? new Date(ctx.envelope.expiresAt) : null,
      signingUrl,
      batch: recipient.role === 'signer' ? await batchOffer(ctx, recipient, signingUrl) : null,
      // Correct and resend (issue 12): their signature or approval was of a version since replaced.
      documentCorrected: recipient.correctedSinceActed,
      signingAs: signingAsOf(recipient),
    });
    updated.push(next);
  }
  return updated;
}

/** The batch page, when other envelopes of the organisation wait for this person's signature (issue 4). */
async function batchOffer(ctx: EffectContext, recipient: Recipient, signingUrl: string): Promise<{ url: string; otherCount: number } | null> {
  const others = new Set((await waitingSignerRows(ctx.trx, ctx.envelope.organisationId, recipient.email, ctx.now)).map((r) => r.envelopeId));
  others.delete(ctx.envelope.id);
  return others.size > 0 ? { url: `${signingUrl}/batch`, otherCount: others.size } : null;
}

/** Recipients who already had a mail from us: they are told when the envelope stops. */
export function alreadyMailed(recipients: readonly Recipient[], except?: string): Recipient[] {
  return recipients.filter((r) => r.sentAt !== null && r.id !== except);
}
