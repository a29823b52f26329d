/** The meetings a page of envelopes belongs to (issue 12: the dashboard names each row's meeting), by id. */
import { meetingsByIds as meetingRowsByIds } from '../store/meetings.ts';
import type { Db } from '../store/sql.ts';
import { toMeetingDto, type MeetingDto } from './get-meeting.ts';

export async function meetingsByIds(deps: { db: Db }, organisationId: string, ids: ReadonlyArray<string | null>): Promise<Map<string, MeetingDto>> {
  const rows = await meetingRowsByIds(deps.db, organisationId, ids.filter((id): id is string => id !== null));
  return new Map(rows.map((meeting) => [meeting.id, toMeetingDto(meeting)]));
}
