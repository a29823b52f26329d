/**
 * The envelope lifecycle of DESIGN §4 as pure functions:
 *
 *   draft ─send→ sent ─start→ in_progress ─complete→ completed
 *                 └──────────complete────────────────┘
 *   sent | in_progress ─decline | expire→ declined | expired
 *   draft | sent | in_progress ─cancel→ cancelled
 *   declined ─resend→ sent   (staff corrected it: the same envelope and audit chain, issue 12)
 *
 * `start` is the first recipient's action (opened, signed or approved); an envelope whose
 * only signer signs straight away goes from sent to completed. A draft can be cancelled (it
 * was never sent, so nobody declines or lets it expire). Completed, declined, cancelled and
 * expired are final.
 */
import { ConflictError } from '../errors.ts';

export const ENVELOPE_STATUSES = ['draft', 'sent', 'in_progress', 'completed', 'declined', 'cancelled', 'expired'] as const;
export type EnvelopeStatus = (typeof ENVELOPE_STATUSES)[number];

export const ENVELOPE_EVENTS = ['send', 'start', 'complete', 'decline', 'cancel', 'expire', 'resend'] as const;
export type EnvelopeEvent = (typeof ENVELOPE_EVENTS)[number];

const TRANSITIONS: Readonly<Record<EnvelopeStatus, Partial<Record<EnvelopeEvent, EnvelopeStatus>>>> = {
  draft: { send: 'sent', cancel: 'cancelled' },
  sent: { start: 'in_progress', complete: 'completed', decline: 'declined', cancel: 'cancelled', expire: 'expired' },
  in_progress: { complete: 'completed', decline: 'declined', cancel: 'cancelled', expire: 'expired' },
  completed: {},
  declined: { resend: 'sent' },
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
  // A second resend finds it sent or in progress again: nothing to do.
  resend: ['sent', 'in_progress'],
};

export function isEnvelopeStatus(value: string): value is EnvelopeStatus {
  return (ENVELOPE_STATUSES as readonly string[]).includes(value);
}

/** Sent or in progress: recipients can still act. */
export function isOpen(status: EnvelopeStatus): boolean {
  return status === 'sent' || status === 'in_progress';
}

/** Completed, declined, cancelled or expired: nobody acts on it any more (a declined one may still be corrected and resent). */
export function isFinal(status: EnvelopeStatus): boolean {
  return !isOpen(status) && status !== 'draft';
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
  resend: 'resent',
};
