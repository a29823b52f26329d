/**
 * Staff correct a draft meeting's agenda before sending (issue 12): each item's agenda number, title and kind,
 * as taken from the file names or typed; the items are then put in agenda order (compareAgendaItems). One
 * transaction with `meeting.agenda_edited` on the organisation's chain; a sent meeting is refused (409). An item
 * signed by a delegate does not become minutes (422 delegation_minutes_refused): minutes are never delegated.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { compareAgendaItems } from '../domain/meeting.ts';
import { AppError, ValidationError } from '../errors.ts';
import { ENVELOPE_KINDS, type EnvelopeKind } from '../store/envelope-repository.ts';
import { envelopesOfMeetings, meetingById, updateMeetingItem } from '../store/meetings.ts';
import { recipientsOfEnvelopes } from '../store/recipient-repository.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { meetingNotFound } from './get-meeting.ts';
import { delegationMinutesRefused } from './mandate-checks.ts';
import { inTransaction } from './transaction.ts';

export interface MeetingAgendaItem {
  envelopeId: string;
  agendaItem: string | null;
  title: string;
  kind: EnvelopeKind;
}

export interface EditMeetingAgendaOptions extends StaffRequest {
  meetingId: string;
  items: MeetingAgendaItem[];
}

export async function editMeetingAgenda(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: EditMeetingAgendaOptions): Promise<void> {
  for (const item of options.items) {
    if (!item.title.trim() || item.title.length > 500) throw new ValidationError('Every item needs a title of at most 500 characters.');
    if ((item.agendaItem ?? '').length > 50) throw new ValidationError('An agenda number has at most 50 characters.');
    if (!ENVELOPE_KINDS.includes(item.kind)) throw new ValidationError('kind must be decision, minutes or other.');
  }
  await inTransaction(deps, 'editMeetingAgenda', async (trx) => {
    const meeting = await meetingById(trx, options.organisationId, options.meetingId, { forUpdate: true });
    if (!meeting) throw meetingNotFound();
    if (meeting.status !== 'draft') throw new AppError('meeting_sent', 409, 'This meeting was sent; its agenda no longer changes.');
    const drafts = (await envelopesOfMeetings(trx, options.organisationId, [meeting.id])).filter((e) => e.status === 'draft');
    const edited = drafts.map((envelope) => {
      const item = options.items.find((i) => i.envelopeId === envelope.id);
      return { envelopeId: envelope.id, title: (item?.title ?? envelope.title).trim(), agendaItem: (item ? item.agendaItem?.trim() : envelope.agendaItem) || null, kind: item?.kind ?? envelope.kind ?? 'decision' };
    });
    const minutes = edited.filter((i) => i.kind === 'minutes').map((i) => i.envelopeId);
    if ((await recipientsOfEnvelopes(trx, options.organisationId, minutes)).some((r) => r.capacity === 'delegate')) throw delegationMinutesRefused();
    edited.sort(compareAgendaItems);
    const now = deps.clock();
    for (const [position, item] of edited.entries()) {
      await updateMeetingItem(trx, options.organisationId, item.envelopeId, { title: item.title, agendaItem: item.agendaItem, agendaPosition: position, kind: item.kind }, now.toISOString());
    }
    await appendAuditEvent(trx, {
      organisationId: options.organisationId,
      envelopeId: null,
      event: { action: 'meeting.agenda_edited', details: { meetingId: meeting.id, items: edited.map((i) => ({ envelopeId: i.envelopeId, agendaItem: i.agendaItem, title: i.title, kind: i.kind })) } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
  });
}
