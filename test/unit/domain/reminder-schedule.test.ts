import { expect } from 'chai';
import { isReminderDue, reminderScheduleOf } from '../../../src/domain/reminder-schedule.ts';

const DAY = 86_400_000;
const SENT = '2027-03-01T08:00:00.000Z';
const at = (days: number) => new Date(Date.parse(SENT) + days * DAY);

describe('domain: reminder schedule (issue 12)', () => {
  it('is off unless the organisation turned it on with numbers in range', () => {
    expect(reminderScheduleOf({})).to.equal(null);
    expect(reminderScheduleOf({ reminders: { enabled: false, firstAfterDays: 3, everyDays: 4, max: 2 } })).to.equal(null);
    expect(reminderScheduleOf({ reminders: { enabled: true, firstAfterDays: 0, everyDays: 4, max: 2 } })).to.equal(null);
    expect(reminderScheduleOf({ reminders: { enabled: true, firstAfterDays: 3, everyDays: 4, max: 11 } })).to.equal(null);
    expect(reminderScheduleOf({ reminders: { enabled: true, firstAfterDays: 3, everyDays: 4, max: 2 } })).to.deep.equal({ firstAfterDays: 3, everyDays: 4, max: 2 });
  });

  it('is due N days after the request, then every M days after the last reminder, at most K times', () => {
    const schedule = { firstAfterDays: 3, everyDays: 4, max: 2 };
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: null, autoReminders: 0 }, at(2.99))).to.equal(false);
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: null, autoReminders: 0 }, at(3))).to.equal(true);
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: at(3).toISOString(), autoReminders: 1 }, at(6.9))).to.equal(false);
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: at(3).toISOString(), autoReminders: 1 }, at(7))).to.equal(true);
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: at(7).toISOString(), autoReminders: 2 }, at(30))).to.equal(false);
  });

  it('counts from a staff reminder too', () => {
    const schedule = { firstAfterDays: 3, everyDays: 4, max: 2 };
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: at(2).toISOString(), autoReminders: 0 }, at(3))).to.equal(false);
    expect(isReminderDue(schedule, { sentAt: SENT, lastRemindedAt: at(2).toISOString(), autoReminders: 0 }, at(6))).to.equal(true);
  });
});
