/**
 * Automatic reminders (issue 12): an organisation's schedule — first reminder N days after the request,
 * then every M days, at most K — and when one is due for a recipient. Pure: no clock, no I/O.
 *
 * Off unless the organisation turns it on: a reminder is a mail in the organisation's name, and a
 * secretariat that already phones its mandataries must not find them mailed without having chosen it.
 * The form offers 3 / 4 / 2 (after three working-week days, twice at most) as a start.
 */
export interface ReminderSchedule {
  firstAfterDays: number;
  everyDays: number;
  max: number;
}

export const DEFAULT_REMINDER_SCHEDULE: ReminderSchedule = Object.freeze({ firstAfterDays: 3, everyDays: 4, max: 2 });
export const REMINDER_LIMITS = Object.freeze({ days: { min: 1, max: 60 }, max: { min: 1, max: 10 } });

const DAY_MS = 86_400_000;

/** The schedule stored in `organisations.settings.reminders`, or null when it is off or malformed. */
export function reminderScheduleOf(settings: Record<string, unknown>): ReminderSchedule | null {
  const value = settings.reminders as Partial<ReminderSchedule & { enabled: boolean }> | undefined;
  if (!value || value.enabled !== true) return null;
  const { firstAfterDays, everyDays, max } = value;
  const days = (n: unknown) => Number.isInteger(n) && (n as number) >= REMINDER_LIMITS.days.min && (n as number) <= REMINDER_LIMITS.days.max;
  if (!days(firstAfterDays) || !days(everyDays) || !Number.isInteger(max) || max! < REMINDER_LIMITS.max.min || max! > REMINDER_LIMITS.max.max) return null;
  return { firstAfterDays: firstAfterDays!, everyDays: everyDays!, max: max! };
}

export interface ReminderState {
  /** When the request mail went. */
  sentAt: string;
  /** The last reminder, by staff or automatic: a staff reminder also pushes the next automatic one back. */
  lastRemindedAt: string | null;
  /** Automatic reminders so far. */
  autoReminders: number;
}

/** True when the next automatic reminder is due at `now`. */
export function isReminderDue(schedule: ReminderSchedule, state: ReminderState, now: Date): boolean {
  if (state.autoReminders >= schedule.max) return false;
  const last = new Date(state.lastRemindedAt ?? state.sentAt).getTime();
  const wait = state.lastRemindedAt === null ? schedule.firstAfterDays : schedule.everyDays;
  return now.getTime() >= last + wait * DAY_MS;
}
