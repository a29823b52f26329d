/**
 * The reminder schedule on the settings page (issue 12): on or off, first after N days, then every M days,
 * at most K. Off until an admin turns it on (src/domain/reminder-schedule.ts says why); the numbers start at
 * the suggested 3 / 4 / 2.
 */
import { DEFAULT_REMINDER_SCHEDULE, REMINDER_LIMITS, type ReminderSchedule } from '../../domain/reminder-schedule.ts';
import { html, type SafeHtml } from '../html.ts';
import type { StaffCatalogKey } from './i18n.ts';

type T = (key: StaffCatalogKey, values?: Record<string, string | number>) => string;

export function reminderFields(t: T, settings: Record<string, unknown>): SafeHtml {
  const stored = (settings.reminders ?? {}) as Partial<ReminderSchedule & { enabled: boolean }>;
  const value = (key: keyof ReminderSchedule) => String(Number.isInteger(stored[key]) ? stored[key] : DEFAULT_REMINDER_SCHEDULE[key]);
  const { days, max } = REMINDER_LIMITS;
  return html`<fieldset class="reminders"><legend>${t('settings.reminders')}</legend>
<p class="hint" id="reminders-help">${t('settings.remindersHelp')}</p>
<div class="field checkbox"><input type="checkbox" id="reminders-enabled" name="remindersEnabled" value="1" aria-describedby="reminders-help"${stored.enabled === true ? html` checked` : ''}> <label for="reminders-enabled">${t('settings.remindersEnabled')}</label></div>
<div class="field"><label for="reminders-first">${t('settings.remindersFirst')}</label><input type="number" id="reminders-first" name="remindersFirstAfterDays" min="${String(days.min)}" max="${String(days.max)}" required value="${value('firstAfterDays')}"></div>
<div class="field"><label for="reminders-every">${t('settings.remindersEvery')}</label><input type="number" id="reminders-every" name="remindersEveryDays" min="${String(days.min)}" max="${String(days.max)}" required value="${value('everyDays')}"></div>
<div class="field"><label for="reminders-max">${t('settings.remindersMax')}</label><input type="number" id="reminders-max" name="remindersMax" min="${String(max.min)}" max="${String(max.max)}" required value="${value('max')}"></div>
</fieldset>`;
}

/**
 * The schedule as posted, to store in `settings.reminders`; null when a number is out of range; undefined when
 * the form has no reminder fields (a client of the older form): the stored schedule stays.
 */
export function reminderSettings(body: unknown): (ReminderSchedule & { enabled: boolean }) | null | undefined {
  const form = (body ?? {}) as Record<string, unknown>;
  if (['remindersEnabled', 'remindersFirstAfterDays', 'remindersEveryDays', 'remindersMax'].every((name) => form[name] === undefined)) return undefined;
  const number = (name: string) => (typeof form[name] === 'string' && /^\d{1,3}$/.test(form[name] as string) ? Number(form[name]) : NaN);
  const firstAfterDays = number('remindersFirstAfterDays');
  const everyDays = number('remindersEveryDays');
  const max = number('remindersMax');
  const { days, max: count } = REMINDER_LIMITS;
  const inDays = (n: number) => n >= days.min && n <= days.max;
  if (!inDays(firstAfterDays) || !inDays(everyDays) || !(max >= count.min && max <= count.max)) return null;
  return { enabled: form.remindersEnabled === '1', firstAfterDays, everyDays, max };
}
