/**
 * The batch page's list (issue 4, DESIGN §7 `/s/<token>/batch`): every envelope that waits for
 * the person behind a link: same organisation, same e-mail, a signer whose turn it is (invited
 * or opened, active in the routing), on an open envelope before its deadline, who holds a live
 * link of their own there (issue 10: a recipient whose links were revoked or ran out is not
 * reached through another envelope's link either). The link itself must work (batchAccessByToken).
 */
import { computeRouting } from '../domain/routing.ts';
import { organisationById } from '../store/organisations.ts';
import { toEnvelope, type Envelope, type EnvelopeRow } from '../store/envelope-repository.ts';
import { recipientsOfEnvelopes, type Recipient } from '../store/recipient-repository.ts';
import type { Db } from '../store/sql.ts';
import { recipientsWithLiveLink } from '../store/signing-link-repository.ts';
import { recipientRowsForEmail, waitingSignerRows } from '../store/waiting-envelopes.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, toEnvelopeDtos, type EnvelopeDto } from './envelope-dto.ts';
import { batchAccessByToken, type BatchAccess, type BatchAccessOptions } from './signing-link-access.ts';
import { liveSigningCode } from './verify-signing-code.ts';
import { organisationHasLogo } from './signing-link-pages.ts';
import { meetingById } from '../store/meetings.ts';
import { toMeetingDto, type MeetingDto } from './get-meeting.ts';

export type ListWaitingEnvelopesOptions = LinkRequest & BatchAccessOptions & {
  /** The meeting page (issue 12): only that meeting's envelopes, in agenda order. */
  meetingId?: string;
};

export interface WaitingEnvelope {
  envelope: EnvelopeDto;
  /** This person's recipient on that envelope. */
  recipientId: string;
}

export interface WaitingList {
  organisationName: string;
  /** The organisation has a logo: the batch pages show it in the header (issue 12). */
  organisationLogo: boolean;
  /** The link's own recipient: the code is mailed to them, in their language. */
  recipient: { id: string; name: string; email: string; language: string };
  waiting: WaitingEnvelope[];
  /** One code for the whole batch when any of them asks for one. */
  requiresCode: boolean;
  liveCode: { expiresAt: string } | null;
  /** When narrowed to a meeting of the organisation: which one. */
  meeting: MeetingDto | null;
}

export async function envelopesByIds(db: Db, organisationId: string, ids: readonly string[]): Promise<Envelope[]> {
  if (ids.length === 0) return [];
  const rows = (await db('envelopes').where({ organisation_id: organisationId }).whereIn('id', [...ids])) as EnvelopeRow[];
  const byId = new Map(rows.map((row) => [row.id, toEnvelope(row)]));
  return ids.map((id) => byId.get(id)).filter((e): e is Envelope => e !== undefined);
}

/** Inside a transaction or not: the envelopes and recipients that wait for the batch link's person, deadline first. */
export async function listWaitingIn(db: Db, access: BatchAccess, now: Date): Promise<Array<{ envelope: Envelope; recipient: Recipient }>> {
  const candidates = await waitingSignerRows(db, access.organisationId, access.recipient.email, now);
  const live = await recipientsWithLiveLink(db, candidates.map((r) => r.recipientId), now);
  const rows = candidates.filter((r) => live.has(r.recipientId));
  const found = await envelopesByIds(db, access.organisationId, [...new Set(rows.map((r) => r.envelopeId))]);
  // The link of a completed meeting envelope reaches only the rest of its meeting (BatchAccess.meetingId).
  const envelopes = access.meetingId ? found.filter((e) => e.meetingId === access.meetingId) : found;
  const recipients = await recipientsOfEnvelopes(db, access.organisationId, envelopes.map((e) => e.id));
  const waiting: Array<{ envelope: Envelope; recipient: Recipient }> = [];
  for (const envelope of envelopes) {
    const mine = recipients.filter((r) => r.envelopeId === envelope.id);
    const active = computeRouting(mine).active;
    for (const row of rows.filter((r) => r.envelopeId === envelope.id)) {
      const recipient = active.find((r) => r.id === row.recipientId);
      // A batch that goes on after its link's envelope ended keeps to what was sent before it began.
      const sentInTime = !access.startedAt || (recipient?.sentAt != null && new Date(recipient.sentAt).getTime() <= access.startedAt.getTime());
      if (recipient && sentInTime) waiting.push({ envelope, recipient });
    }
  }
  return waiting;
}

export async function listWaitingEnvelopes(deps: WorkflowDeps, options: ListWaitingEnvelopesOptions): Promise<WaitingList> {
  const now = deps.clock();
  const access = await batchAccessByToken(deps.db, options.token, now, { startedAt: options.startedAt });
  const meeting = options.meetingId ? await meetingById(deps.db, access.organisationId, options.meetingId) : null;
  const waiting = meetingOnly(await listWaitingIn(deps.db, access, now), meeting?.id ?? (options.meetingId ? '' : null));
  const dtos = await toEnvelopeDtos(deps.db, access.organisationId, waiting.map((w) => w.envelope));
  const organisation = await organisationById(deps.db, access.organisationId);
  const requiresCode = waiting.some((w) => w.envelope.requireCode);
  const { recipient } = access;
  return {
    organisationName: organisation?.name ?? '',
    organisationLogo: organisationHasLogo(organisation),
    recipient: { id: recipient.id, name: recipient.name, email: recipient.email, language: recipient.language },
    waiting: waiting.map((w, i) => ({ envelope: dtos[i]!, recipientId: w.recipient.id })),
    requiresCode,
    liveCode: requiresCode ? await liveSigningCode(deps.db, recipient.id, now) : null,
    meeting: meeting ? toMeetingDto(meeting) : null,
  };
}

/** A meeting's envelopes in agenda order (an unknown meeting shows none); without a meeting, the list as it is. */
function meetingOnly<T extends { envelope: Envelope }>(waiting: T[], meetingId: string | null): T[] {
  if (meetingId === null) return waiting;
  return waiting.filter((w) => w.envelope.meetingId === meetingId).sort((a, b) => (a.envelope.agendaPosition ?? 0) - (b.envelope.agendaPosition ?? 0));
}

export interface GetBatchEnvelopeOptions extends LinkRequest, BatchAccessOptions {
  envelopeId: string;
}

/**
 * An envelope whose documents the batch page may hand out: one where the link's person (same
 * organisation and e-mail) is a signer still waiting (as the batch page lists it) or who signed,
 * on an envelope that is open or completed. Once the link's own envelope has ended, only for a
 * batch under way (`startedAt`), and only what the person signed since it began. Anything else is
 * 404, so another person's link cannot even tell it exists.
 */
export async function getBatchEnvelope(deps: WorkflowDeps, options: GetBatchEnvelopeOptions): Promise<EnvelopeDto> {
  const now = deps.clock();
  const access = await batchAccessByToken(deps.db, options.token, now, { startedAt: options.startedAt });
  const waiting = access.startedAt ? [] : await listWaitingIn(deps.db, access, now);
  let allowed = waiting.some((w) => w.envelope.id === options.envelopeId);
  if (!allowed) {
    const rows = await recipientRowsForEmail(deps.db, access.organisationId, access.recipient.email, ['sent', 'in_progress', 'completed']);
    const signed = rows.filter((r) => r.envelopeId === options.envelopeId && r.role === 'signer' && r.status === 'signed');
    if (signed.length > 0 && access.startedAt) {
      const startedAt = access.startedAt.getTime();
      const recipients = await recipientsOfEnvelopes(deps.db, access.organisationId, [options.envelopeId]);
      allowed = recipients.some((r) => signed.some((s) => s.recipientId === r.id) && r.completedAt !== null && new Date(r.completedAt).getTime() >= startedAt);
    } else {
      allowed = signed.length > 0;
    }
  }
  if (!allowed) throw envelopeNotFound();
  return loadEnvelopeDto(deps.db, access.organisationId, options.envelopeId);
}
