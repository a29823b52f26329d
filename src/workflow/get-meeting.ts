/** A meeting with its envelopes in agenda order (issue 12). */
import { decisionBodyName } from '../domain/meeting.ts';
import { AppError } from '../errors.ts';
import { envelopesOfMeetings, meetingById, type Meeting } from '../store/meetings.ts';
import type { Db } from '../store/sql.ts';
import { toEnvelopeDtos, type EnvelopeDto } from './envelope-dto.ts';

export function meetingNotFound(): AppError {
  return new AppError('meeting_not_found', 404, 'There is no such meeting.');
}

/** The API shape: the stored meeting with its body's name and creator as one object. */
export type MeetingDto = Omit<Meeting, 'createdByKind' | 'createdById'> & { bodyName: string; createdBy: { kind: Meeting['createdByKind']; id: string } };

export function toMeetingDto(meeting: Meeting): MeetingDto {
  const { createdByKind, createdById, ...rest } = meeting;
  return { ...rest, bodyName: decisionBodyName(meeting.body, meeting.bodyLabel), createdBy: { kind: createdByKind, id: createdById } };
}

/** 404 `meeting_not_found` for another organisation's meeting as for none. */
export async function getMeeting(deps: { db: Db }, options: { organisationId: string; meetingId: string }): Promise<MeetingDto & { envelopes: EnvelopeDto[] }> {
  const meeting = await meetingById(deps.db, options.organisationId, options.meetingId);
  if (!meeting) throw meetingNotFound();
  const envelopes = await envelopesOfMeetings(deps.db, options.organisationId, [meeting.id]);
  return { ...toMeetingDto(meeting), envelopes: await toEnvelopeDtos(deps.db, options.organisationId, envelopes) };
}
