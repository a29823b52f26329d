/**
 * What every use case started from a signing link checks first (DESIGN §3, §7): the token's
 * hash names a link (else 404 link_not_found); the link is live and its envelope open (else
 * 410 link_gone); its recipient is active in the routing and has the right role (else 409).
 */
import { computeRouting, type RecipientRole } from '../domain/routing.ts';
import { isOpen } from '../domain/envelope-state.ts';
import { AppError, ConflictError } from '../errors.ts';
import type { AuditActor } from '../audit/events.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import { recipientsOf, type Recipient } from '../store/recipient-repository.ts';
import { signingLinkByTokenHash, signingLinksOf, type SigningLink } from '../store/signing-link-repository.ts';
import { signingAccessRead, type DocumentForSigning, type SigningAccessRead, type SigningOrganisation } from '../store/sign-request-reads.ts';
import type { Db } from '../store/sql.ts';
import { tokenHash } from './notifications.ts';

/** A recipient on their envelope, with the envelope's other recipients (for the routing). */
export interface RecipientAccess {
  envelope: Envelope;
  recipients: Recipient[];
  recipient: Recipient;
}

export interface LinkAccess extends RecipientAccess {
  link: SigningLink;
}

/** Who a batch link speaks for: the link's recipient, whose e-mail names the person in their organisation. */
export interface BatchAccess {
  link: SigningLink;
  organisationId: string;
  recipient: Recipient;
  /**
   * Set only when the link's own envelope was completed during the batch under way that started
   * then (BatchAccessOptions): only what the person was sent before that start, and signed in it, still counts.
   */
  startedAt?: Date;
  /**
   * Set when the link's own envelope belongs to a meeting and was completed (issue 12): a signer gets one mail per
   * meeting, so its link keeps opening that meeting's page, for what else of the meeting waits for them, until it expires.
   */
  meetingId?: string;
}

export interface BatchAccessOptions {
  /**
   * The start of a batch this caller vouches for (a ticket or receipt signed by the signer pages,
   * at most half an hour old): the link was valid then. Its own envelope may since have been
   * completed (by this very batch, or its last co-signer), and the batch may go on and show its
   * results, but for nothing sent to the person after that start.
   */
  startedAt?: Date;
}

export function linkNotFound(): AppError {
  return new AppError('link_not_found', 404, 'This signing link does not exist.');
}

export function linkGone(): AppError {
  return new AppError('link_gone', 410, 'This signing link is no longer valid.');
}

/** Finds the link and locks its envelope (every change to one envelope is serialised on its row). */
export async function accessByToken(trx: Db, token: string): Promise<LinkAccess> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) throw linkNotFound();
  const link = await signingLinkByTokenHash(trx, tokenHash(token));
  if (!link) throw linkNotFound();
  const envelope = await envelopeById(trx, link.organisationId, link.envelopeId, { forUpdate: true });
  if (!envelope) throw linkNotFound();
  const recipients = await recipientsOf(trx, link.organisationId, link.envelopeId);
  const recipient = recipients.find((r) => r.id === link.recipientId);
  if (!recipient) throw linkNotFound();
  return { link, envelope, recipients, recipient };
}

/** A recipient on their envelope, with what a signature's effects need of its organisation (issue 11). */
export interface SigningAccess extends RecipientAccess {
  organisation: SigningOrganisation;
  hasWebhooks: boolean;
  /** What the recipient signs, read in the same statement: each document at its current revision, with their field. */
  documents: DocumentForSigning[];
  /** How many revocations our CAs had recorded, read in the same statement (SigningAccessRead); absent, they are read. */
  revocationsRecorded?: number;
}

/**
 * accessByToken for a signature, in one statement and without a lock (the signature takes its lock
 * when it writes, apply-signature.ts): the link, recipient, envelope, organisation, all recipients and the documents.
 */
export async function signingAccessByToken(db: Db, token: string): Promise<SigningAccess & LinkAccess> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) throw linkNotFound();
  return fromRead(await signingAccessRead(db, { tokenSha256: tokenHash(token) }));
}

/** The same for a recipient already known (batch signing). */
export async function signingAccessByRecipient(db: Db, organisationId: string, envelopeId: string, recipientId: string): Promise<SigningAccess> {
  return fromRead(await signingAccessRead(db, { organisationId, envelopeId, recipientId }));
}

function fromRead(read: SigningAccessRead | null): SigningAccess & LinkAccess {
  if (!read) throw linkNotFound();
  const { link, envelope, organisation, recipients, recipient, hasWebhooks, documents, revocationsRecorded } = read;
  return { link: link as SigningLink, envelope, organisation, recipients, recipient, hasWebhooks, documents, revocationsRecorded };
}

/** Like accessByToken, for a recipient already known (batch signing: the person was identified by another of their links). */
export async function accessByRecipient(trx: Db, organisationId: string, envelopeId: string, recipientId: string): Promise<RecipientAccess> {
  const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
  if (!envelope) throw linkNotFound();
  const recipients = await recipientsOf(trx, organisationId, envelopeId);
  const recipient = recipients.find((r) => r.id === recipientId);
  if (!recipient) throw linkNotFound();
  return { envelope, recipients, recipient };
}

/**
 * A batch link works exactly while the link itself works (DESIGN §7, issue 10): neither revoked
 * nor past its expiry, and its own envelope open and before its deadline. A link whose envelope
 * has ended (completed, declined, cancelled, expired) is 410, so an old link never reaches what
 * is sent to the same person later. The exceptions: a batch already under way
 * (`options.startedAt`) may finish, and show what it signed, after it completed the link's
 * own envelope; and the link of a meeting's item that was completed, or declined or cancelled
 * (revokedByMeetingItemEnd), keeps opening that meeting's page only (`meetingId`, issue 12).
 */
export async function batchAccessByToken(db: Db, token: string, now: Date, options: BatchAccessOptions = {}): Promise<BatchAccess> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) throw linkNotFound();
  const link = await signingLinkByTokenHash(db, tokenHash(token));
  if (!link) throw linkNotFound();
  const recipient = (await recipientsOf(db, link.organisationId, link.envelopeId)).find((r) => r.id === link.recipientId);
  if (!recipient) throw linkNotFound();
  if (new Date(link.expiresAt).getTime() <= now.getTime()) throw linkGone();
  const envelope = await envelopeById(db, link.organisationId, link.envelopeId);
  if (!envelope) throw linkNotFound();
  const access: BatchAccess = { link, organisationId: link.organisationId, recipient };
  if (link.revokedAt !== null) {
    if (await revokedByMeetingItemEnd(db, link, envelope)) return { ...access, meetingId: envelope.meetingId! };
    throw linkGone();
  }
  if (isOpen(envelope.status) && (envelope.expiresAt === null || new Date(envelope.expiresAt).getTime() > now.getTime())) return access;
  const { startedAt } = options;
  const endedDuringBatch =
    startedAt !== undefined && envelope.status === 'completed' && envelope.completedAt !== null && new Date(envelope.completedAt).getTime() >= startedAt.getTime();
  if (!endedDuringBatch) {
    if (envelope.meetingId && envelope.status === 'completed') return { ...access, meetingId: envelope.meetingId };
    throw linkGone();
  }
  return { ...access, startedAt };
}

/** Whether a meeting item's link still opens its meeting's page at `now`, as batchAccessByToken lets it in (issue 12). */
export async function linkOpensMeeting(db: Db, link: SigningLink, envelope: Envelope, now: Date): Promise<boolean> {
  if (!envelope.meetingId || new Date(link.expiresAt).getTime() <= now.getTime()) return false;
  if (link.revokedAt !== null) return revokedByMeetingItemEnd(db, link, envelope);
  return envelope.status === 'completed' || (isOpen(envelope.status) && (envelope.expiresAt === null || new Date(envelope.expiresAt).getTime() > now.getTime()));
}

/**
 * A meeting's signer has one mail, and so one link, for the whole meeting (issue 12): when the item that link
 * belongs to is declined or cancelled, its links are revoked with it, yet the signer must still reach the
 * meeting's other items through it. So a link revoked BY that end (no earlier: a reminder or a corrected address
 * revoked it while the item was open, and wrote a newer link) still opens its meeting's page, narrowed to what
 * waits there for that person (listWaitingIn), never the ended item itself nor anything outside the meeting.
 */
async function revokedByMeetingItemEnd(db: Db, link: SigningLink, envelope: Envelope): Promise<boolean> {
  const endedAt = envelope.status === 'declined' ? envelope.declinedAt : envelope.status === 'cancelled' ? envelope.cancelledAt : null;
  if (!envelope.meetingId || endedAt === null || link.revokedAt === null) return false;
  if (new Date(link.revokedAt).getTime() < new Date(endedAt).getTime()) return false;
  const newest = (await signingLinksOf(db, [link.recipientId])).at(-1);
  return newest?.id === link.id;
}

/** The envelope is open and before its deadline (what a link's own expiry stands for). */
export function assertEnvelopeOpen(access: RecipientAccess, now: Date): void {
  const { envelope } = access;
  if (!isOpen(envelope.status) || (envelope.expiresAt !== null && new Date(envelope.expiresAt).getTime() <= now.getTime())) throw linkGone();
}

export function assertLinkUsable(access: LinkAccess, now: Date): void {
  const { link, envelope } = access;
  if (link.revokedAt !== null || new Date(link.expiresAt).getTime() <= now.getTime()) throw linkGone();
  assertEnvelopeOpen(access, now);
}

/** The recipient must be one whose turn it is, with `role`. */
export function assertActive(access: RecipientAccess, role: RecipientRole): void {
  if (access.recipient.role !== role) {
    throw new ConflictError('wrong_role', role === 'signer' ? 'This recipient does not sign; they approve or receive a copy.' : 'This recipient does not approve.');
  }
  const routing = computeRouting(access.recipients);
  if (!routing.active.some((r) => r.id === access.recipient.id)) throw new ConflictError('recipient_not_active', 'It is not this recipient’s turn yet.');
}

export function recipientActor(recipient: Recipient): AuditActor {
  return { kind: 'recipient', id: recipient.id, label: `${recipient.name} <${recipient.email}>` };
}

/** Replaces one recipient in a list (after an update). */
export function withRecipient(recipients: readonly Recipient[], updated: Recipient): Recipient[] {
  return recipients.map((r) => (r.id === updated.id ? updated : r));
}
