/**
 * The envelope lifecycle of DESIGN §4 as pure functions:
 *
 *   draft ─send→ sent ─start→ in_progress ─complete→ completed
 *                 └──────────complete────────────────┘
 *   sent | in_progress ─decline | expire→ declined | expired
 *   draft | sent | in_progress ─cancel→ cancelled
 *
 * `start` is the first recipient's action (opened, signed or approved); an envelope whose
 * only signer signs straight away goes from sent to completed. A draft can be cancelled (it
 * was never sent, so nobody declines or lets it expire). Completed, declined, cancelled and
 * expired are final.
 */
import { ConflictError } from '../errors.ts';

export const ENVELOPE_STATUSES = ['draft', 'sent', 'in_progress', 'completed', 'declined', 'cancelled', 'expired'] as const;
export type EnvelopeStatus = (typeof ENVELOPE_STATUSES)[number];

export const ENVELOPE_EVENTS = ['send', 'start', 'complete', 'decline', 'cancel', 'expire'] as const;
export type EnvelopeEvent = (typeof ENVELOPE_EVENTS)[number];

const TRANSITIONS: Readonly<Record<EnvelopeStatus, Partial<Record<EnvelopeEvent, EnvelopeStatus>>>> = {
  draft: { send: 'sent', cancel: 'cancelled' },
  sent: { start: 'in_progress', complete: 'completed', decline: 'declined', cancel: 'cancelled', expire: 'expired' },
  in_progress: { complete: 'completed', decline: 'declined', cancel: 'cancelled', expire: 'expired' },
  completed: {},
  declined: {},
  cancelled: {},
  expired: {},
};

/**
 * Events that already took effect: repeating them is not an error but a no-op, which makes
 * sending, signing and finishing idempotent (DESIGN §4). The use case answers with the current state.
 */
const REPEATS: Readonly<Record<EnvelopeEvent, readonly EnvelopeStatus[]>> = {
  send: ['sent', 'in_progress'],
  start: ['in_progress'],
  complete: ['completed'],
  decline: ['declined'],
  cancel: ['cancelled'],
  expire: ['expired'],
};

export function isEnvelopeStatus(value: string): value is EnvelopeStatus {
  return (ENVELOPE_STATUSES as readonly string[]).includes(value);
}

/** Sent or in progress: recipients can still act. */
export function isOpen(status: EnvelopeStatus): boolean {
  return status === 'sent' || status === 'in_progress';
}

export function isFinal(status: EnvelopeStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

export function canTransition(from: EnvelopeStatus, event: EnvelopeEvent): boolean {
  return TRANSITIONS[from][event] !== undefined;
}

export function isRepeat(from: EnvelopeStatus, event: EnvelopeEvent): boolean {
  return REPEATS[event].includes(from);
}

/** The status after `event`; a 409 `illegal_transition` when the event is not allowed from `from`. */
export function transition(from: EnvelopeStatus, event: EnvelopeEvent): EnvelopeStatus {
  const to = TRANSITIONS[from][event];
  if (to === undefined) {
    throw new ConflictError('illegal_transition', `An envelope that is ${from.replace('_', ' ')} cannot be ${PAST_TENSE[event]}.`, {
      extensions: { status: from, event },
    });
  }
  return to;
}

const PAST_TENSE: Readonly<Record<EnvelopeEvent, string>> = {
  send: 'sent',
  start: 'started',
  complete: 'completed',
  decline: 'declined',
  cancel: 'cancelled',
  expire: 'expired',
};
