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
import { signingLinkByTokenHash, type SigningLink } from '../store/signing-link-repository.ts';
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
 * A batch link works while the link itself is neither revoked nor past its expiry, whatever
 * became of its own envelope: it identifies the person, and the batch's summary and downloads
 * must keep working after the batch completed that envelope.
 */
export async function batchAccessByToken(db: Db, token: string, now: Date): Promise<BatchAccess> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) throw linkNotFound();
  const link = await signingLinkByTokenHash(db, tokenHash(token));
  if (!link) throw linkNotFound();
  const recipient = (await recipientsOf(db, link.organisationId, link.envelopeId)).find((r) => r.id === link.recipientId);
  if (!recipient) throw linkNotFound();
  if (link.revokedAt !== null || new Date(link.expiresAt).getTime() <= now.getTime()) throw linkGone();
  return { link, organisationId: link.organisationId, recipient };
}

/** The envelope is open and before its deadline (what a link's own expiry stands for). */
export function assertEnvelopeOpen(access: RecipientAccess, now: Date): void {
  const { envelope } = access;
  if (!isOpen(envelope.status) || (envelope.expiresAt !== null && new Date(envelope.expiresAt).getTime() <= now.getTime())) throw linkGone();
}

export function assertLinkUsable(access: LinkAccess, now: Date): void {
  const { link, envelope } = access;
  if (link.revokedAt !== null || new Date(link.expiresAt).getTime() <= now.getTime() || !isOpen(envelope.status)) throw linkGone();
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
