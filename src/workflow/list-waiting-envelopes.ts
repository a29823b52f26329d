/**
 * The batch page's list (issue 4, DESIGN §7 `/s/<token>/batch`): every envelope that waits for
 * the person behind a link: same organisation, same e-mail, a signer whose turn it is (invited
 * or opened, active in the routing), on an open envelope before its deadline.
 */
import { computeRouting } from '../domain/routing.ts';
import { organisationById } from '../store/organisations.ts';
import { toEnvelope, type Envelope, type EnvelopeRow } from '../store/envelope-repository.ts';
import { recipientsOfEnvelopes, type Recipient } from '../store/recipient-repository.ts';
import type { Db } from '../store/sql.ts';
import { recipientRowsForEmail, waitingSignerRows } from '../store/waiting-envelopes.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, toEnvelopeDtos, type EnvelopeDto } from './envelope-dto.ts';
import { batchAccessByToken, type BatchAccess } from './signing-link-access.ts';
import { liveSigningCode } from './verify-signing-code.ts';

export type ListWaitingEnvelopesOptions = LinkRequest;

export interface WaitingEnvelope {
  envelope: EnvelopeDto;
  /** This person's recipient on that envelope. */
  recipientId: string;
}

export interface WaitingList {
  organisationName: string;
  /** The link's own recipient: the code is mailed to them, in their language. */
  recipient: { id: string; name: string; email: string; language: string };
  waiting: WaitingEnvelope[];
  /** One code for the whole batch when any of them asks for one. */
  requiresCode: boolean;
  liveCode: { expiresAt: string } | null;
}

export async function envelopesByIds(db: Db, organisationId: string, ids: readonly string[]): Promise<Envelope[]> {
  if (ids.length === 0) return [];
  const rows = (await db('envelopes').where({ organisation_id: organisationId }).whereIn('id', [...ids])) as EnvelopeRow[];
  const byId = new Map(rows.map((row) => [row.id, toEnvelope(row)]));
  return ids.map((id) => byId.get(id)).filter((e): e is Envelope => e !== undefined);
}

/** Inside a transaction or not: the envelopes and recipients that wait for the batch link's person, deadline first. */
export async function listWaitingIn(db: Db, access: BatchAccess, now: Date): Promise<Array<{ envelope: Envelope; recipient: Recipient }>> {
  const rows = await waitingSignerRows(db, access.organisationId, access.recipient.email, now);
  const envelopes = await envelopesByIds(db, access.organisationId, [...new Set(rows.map((r) => r.envelopeId))]);
  const recipients = await recipientsOfEnvelopes(db, access.organisationId, envelopes.map((e) => e.id));
  const waiting: Array<{ envelope: Envelope; recipient: Recipient }> = [];
  for (const envelope of envelopes) {
    const mine = recipients.filter((r) => r.envelopeId === envelope.id);
    const active = computeRouting(mine).active;
    for (const row of rows.filter((r) => r.envelopeId === envelope.id)) {
      const recipient = active.find((r) => r.id === row.recipientId);
      if (recipient) waiting.push({ envelope, recipient });
    }
  }
  return waiting;
}

export async function listWaitingEnvelopes(deps: WorkflowDeps, options: ListWaitingEnvelopesOptions): Promise<WaitingList> {
  const now = deps.clock();
  const access = await batchAccessByToken(deps.db, options.token, now);
  const waiting = await listWaitingIn(deps.db, access, now);
  const dtos = await toEnvelopeDtos(deps.db, access.organisationId, waiting.map((w) => w.envelope));
  const organisation = await organisationById(deps.db, access.organisationId);
  const requiresCode = waiting.some((w) => w.envelope.requireCode);
  const { recipient } = access;
  return {
    organisationName: organisation?.name ?? '',
    recipient: { id: recipient.id, name: recipient.name, email: recipient.email, language: recipient.language },
    waiting: waiting.map((w, i) => ({ envelope: dtos[i]!, recipientId: w.recipient.id })),
    requiresCode,
    liveCode: requiresCode ? await liveSigningCode(deps.db, recipient.id, now) : null,
  };
}

export interface GetBatchEnvelopeOptions extends LinkRequest {
  envelopeId: string;
}

/**
 * An envelope whose documents the batch page may hand out: one where the link's person (same
 * organisation and e-mail) is a signer still waiting or who signed, on an envelope that is open
 * or completed. Anything else is 404, so another person's link cannot even tell it exists.
 */
export async function getBatchEnvelope(deps: WorkflowDeps, options: GetBatchEnvelopeOptions): Promise<EnvelopeDto> {
  const access = await batchAccessByToken(deps.db, options.token, deps.clock());
  const rows = await recipientRowsForEmail(deps.db, access.organisationId, access.recipient.email, ['sent', 'in_progress', 'completed']);
  const allowed = rows.some((r) => r.envelopeId === options.envelopeId && r.role === 'signer' && ['sent', 'opened', 'signed'].includes(r.status));
  if (!allowed) throw envelopeNotFound();
  return loadEnvelopeDto(deps.db, access.organisationId, options.envelopeId);
}
