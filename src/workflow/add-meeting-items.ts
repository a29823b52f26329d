/**
 * The bulk upload of a draft meeting (issue 12): staff drop all of a sitting's decisions and minutes at once; each
 * file becomes a draft envelope with its agenda number and title taken from its name, in agenda order after what
 * the meeting holds, all on one signing route. All or nothing: every PDF is inspected before anything is stored, so
 * one bad file is refused by name (422 `meeting_upload_invalid`, `files` naming each) and nothing is added; then all
 * envelopes are created in ONE transaction (createEnvelope joins it), so a failure part-way leaves none either.
 * A delegation chosen for a function step (issue 12) applies to the decisions; the minutes go to the holder or
 * substitute, and an upload of minutes only with a delegation chosen is refused (422 delegation_minutes_refused).
 */
import { compareAgendaItems, parseAgendaFileName } from '../domain/meeting.ts';
import { AppError } from '../errors.ts';
import { inspectPdf } from '../pdf/index.ts';
import { meetingById, nextAgendaPosition } from '../store/meetings.ts';
import { createEnvelope, type CreateEnvelopeInput } from './create-envelope.ts';
import { delegationMinutesRefused } from './mandate-checks.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { meetingNotFound } from './get-meeting.ts';
import { inTransaction } from './transaction.ts';

export interface AddMeetingItemsOptions extends StaffRequest {
  meetingId: string;
  /** The uploaded files, each with the name it had on the staff member's disk. */
  files: Array<{ name: string; pdf: Buffer }>;
  routeName: string;
  expiresAt: Date;
  recipients: CreateEnvelopeInput['recipients'];
}

export async function addMeetingItems(deps: WorkflowDeps, options: AddMeetingItemsOptions): Promise<{ envelopeIds: string[] }> {
  const refused: string[] = [];
  for (const file of options.files) {
    try {
      await inspectPdf(file.pdf);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      refused.push(file.name);
    }
  }
  if (refused.length > 0) {
    throw new AppError('meeting_upload_invalid', 422, `Nothing was added: not a usable PDF: ${refused.join(', ')}.`, { extensions: { files: refused } });
  }
  const items = options.files.map((file) => ({ ...file, ...parseAgendaFileName(file.name) })).sort(compareAgendaItems);
  if (items.every((item) => item.minutes) && options.recipients.some((r) => r.delegationId)) throw delegationMinutesRefused();
  const withoutDelegation = options.recipients.map(({ delegationId: _, ...recipient }) => recipient);
  return inTransaction(deps, 'addMeetingItems', async (trx) => {
    const meeting = await meetingById(trx, options.organisationId, options.meetingId, { forUpdate: true });
    if (!meeting) throw meetingNotFound();
    if (meeting.status !== 'draft') throw new AppError('meeting_sent', 409, 'This meeting was sent; it takes no new items.');
    const start = await nextAgendaPosition(trx, options.organisationId, meeting.id);
    const envelopeIds: string[] = [];
    for (const [offset, item] of items.entries()) {
      const envelope = await createEnvelope({ ...deps, db: trx }, {
        organisationId: options.organisationId,
        actor: options.actor,
        origin: options.origin,
        title: item.title,
        expiresAt: options.expiresAt,
        routeName: options.routeName,
        meetingId: meeting.id,
        agendaItem: item.agendaItem,
        agendaPosition: start + offset,
        kind: item.minutes ? 'minutes' : 'decision',
        documents: [{ name: item.name, pdf: item.pdf }],
        recipients: item.minutes ? withoutDelegation : options.recipients,
      });
      envelopeIds.push(envelope.id);
    }
    return envelopeIds;
  }).then((envelopeIds) => ({ envelopeIds }));
}
