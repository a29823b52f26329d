/** An organisation's meetings (issue 12), newest sitting first, with their envelopes counted by status. */
import { envelopesOfMeetings, listMeetingRows } from '../store/meetings.ts';
import type { Db } from '../store/sql.ts';
import { toMeetingDto, type MeetingDto } from './get-meeting.ts';

export type MeetingSummaryDto = MeetingDto & { envelopeCount: number; statusCounts: Record<string, number> };

/** Newest sitting first, each with how many envelopes it holds by status. */
export async function listMeetings(deps: { db: Db }, options: { organisationId: string; limit?: number }): Promise<MeetingSummaryDto[]> {
  const meetings = await listMeetingRows(deps.db, options.organisationId, Math.min(Math.max(options.limit ?? 50, 1), 200));
  const envelopes = await envelopesOfMeetings(deps.db, options.organisationId, meetings.map((m) => m.id));
  return meetings.map((meeting) => {
    const mine = envelopes.filter((e) => e.meetingId === meeting.id);
    const statusCounts: Record<string, number> = {};
    for (const e of mine) statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
    return { ...toMeetingDto(meeting), envelopeCount: mine.length, statusCounts };
  });
}
