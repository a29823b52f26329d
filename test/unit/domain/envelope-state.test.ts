import { expect } from 'chai';
import { isAppError } from '../../../src/errors.ts';
import {
  canTransition,
  ENVELOPE_EVENTS,
  ENVELOPE_STATUSES,
  isFinal,
  isOpen,
  isRepeat,
  transition,
  type EnvelopeEvent,
  type EnvelopeStatus,
} from '../../../src/domain/envelope-state.ts';

/** Every allowed transition; everything else must be refused (DESIGN §4). */
const ALLOWED: [EnvelopeStatus, EnvelopeEvent, EnvelopeStatus][] = [
  ['draft', 'send', 'sent'],
  ['draft', 'cancel', 'cancelled'],
  ['sent', 'start', 'in_progress'],
  ['sent', 'complete', 'completed'],
  ['sent', 'decline', 'declined'],
  ['sent', 'cancel', 'cancelled'],
  ['sent', 'expire', 'expired'],
  ['in_progress', 'complete', 'completed'],
  ['in_progress', 'decline', 'declined'],
  ['in_progress', 'cancel', 'cancelled'],
  ['in_progress', 'expire', 'expired'],
  // Correct and resend (issue 12): a declined envelope goes back to sent, keeping its audit chain.
  ['declined', 'resend', 'sent'],
];

describe('domain: envelope state machine', () => {
  for (const [from, event, to] of ALLOWED) {
    it(`${from} --${event}--> ${to}`, () => {
      expect(canTransition(from, event)).to.equal(true);
      expect(transition(from, event)).to.equal(to);
    });
  }

  it('refuses every other combination with a 409 illegal_transition', () => {
    let refused = 0;
    for (const from of ENVELOPE_STATUSES) {
      for (const event of ENVELOPE_EVENTS) {
        if (ALLOWED.some(([f, e]) => f === from && e === event)) continue;
        expect(canTransition(from, event), `${from} ${event}`).to.equal(false);
        try {
          transition(from, event);
          expect.fail(`${from} --${event}--> should throw`);
        } catch (error) {
          expect(isAppError(error) && error.code, `${from} ${event}`).to.equal('illegal_transition');
          expect(isAppError(error) && error.status).to.equal(409);
          expect(isAppError(error) && error.extensions).to.deep.equal({ status: from, event });
        }
        refused += 1;
      }
    }
    expect(refused).to.equal(ENVELOPE_STATUSES.length * ENVELOPE_EVENTS.length - ALLOWED.length);
  });

  it('says what was refused in plain words', () => {
    expect(() => transition('completed', 'cancel')).to.throw('An envelope that is completed cannot be cancelled.');
    expect(() => transition('in_progress', 'send')).to.throw('An envelope that is in progress cannot be sent.');
  });

  it('recognises repeats of events that already took effect (idempotent send, finish, cancel)', () => {
    expect(isRepeat('sent', 'send')).to.equal(true);
    expect(isRepeat('in_progress', 'send')).to.equal(true);
    expect(isRepeat('completed', 'complete')).to.equal(true);
    expect(isRepeat('cancelled', 'cancel')).to.equal(true);
    expect(isRepeat('in_progress', 'start')).to.equal(true);
    expect(isRepeat('completed', 'send')).to.equal(false);
    expect(isRepeat('cancelled', 'send')).to.equal(false);
    expect(isRepeat('declined', 'complete')).to.equal(false);
    // A repeat is never also a transition.
    for (const from of ENVELOPE_STATUSES) for (const event of ENVELOPE_EVENTS) expect(isRepeat(from, event) && canTransition(from, event)).to.equal(false);
  });

  it('classifies open and final states', () => {
    expect(ENVELOPE_STATUSES.filter(isOpen)).to.deep.equal(['sent', 'in_progress']);
    expect(ENVELOPE_STATUSES.filter(isFinal)).to.deep.equal(['completed', 'declined', 'cancelled', 'expired']);
  });
});
