/**
 * Routing (DESIGN §4): signers and approvers with the lowest open routing order are active
 * (same number = parallel); when all of them are done the next order becomes active. cc
 * recipients never block: they receive the result. One decline ends the envelope.
 */
export type RecipientRole = 'signer' | 'approver' | 'cc';
export type RecipientStatus = 'pending' | 'sent' | 'opened' | 'signed' | 'approved' | 'declined' | 'cancelled' | 'expired';
/**
 * How a signer signs (issue 13): 'advanced' with a one-shot certificate of the organisation's CA (eIDAS art. 26),
 * 'qualified' with a qualified certificate on a qualified device the signer brings (eID card, remote QSCD; art. 3(12)).
 */
export const SIGNATURE_LEVELS = ['advanced', 'qualified'] as const;
export type SignatureLevel = (typeof SIGNATURE_LEVELS)[number];

export interface RoutingRecipient {
  role: RecipientRole;
  routingOrder: number;
  status: RecipientStatus;
}

export type RoutingOutcome =
  /** Someone still has to act: see `active`. */
  | 'waiting'
  /** Every signer and approver is done. */
  | 'complete'
  /** A recipient declined. */
  | 'declined'
  /** A signer or approver was cancelled or expired: nobody can finish the envelope. */
  | 'stopped'
  /** There is nobody who signs or approves: such an envelope must not be sent. */
  | 'no_signers';

export interface Routing<T extends RoutingRecipient> {
  outcome: RoutingOutcome;
  /** The routing order now active, or null unless the outcome is 'waiting'. */
  activeOrder: number | null;
  /** Signers and approvers of the active order that have not acted yet. */
  active: T[];
  /** Of `active`, those not yet notified (status 'pending'): they get their mail now. */
  toNotify: T[];
}

/** Signed or approved (a signer who "approved", or the reverse, is not done). */
export function isDone(recipient: RoutingRecipient): boolean {
  return (recipient.role === 'signer' && recipient.status === 'signed') || (recipient.role === 'approver' && recipient.status === 'approved');
}

export function blocks(recipient: RoutingRecipient): boolean {
  return recipient.role !== 'cc';
}

export function computeRouting<T extends RoutingRecipient>(recipients: readonly T[]): Routing<T> {
  const none = (outcome: RoutingOutcome): Routing<T> => ({ outcome, activeOrder: null, active: [], toNotify: [] });
  const blocking = recipients.filter(blocks);
  if (blocking.length === 0) return none('no_signers');
  if (recipients.some((r) => r.status === 'declined')) return none('declined');
  if (blocking.some((r) => r.status === 'cancelled' || r.status === 'expired')) return none('stopped');

  const open = blocking.filter((r) => !isDone(r));
  if (open.length === 0) return none('complete');
  const activeOrder = Math.min(...open.map((r) => r.routingOrder));
  const active = open.filter((r) => r.routingOrder === activeOrder);
  return { outcome: 'waiting', activeOrder, active, toNotify: active.filter((r) => r.status === 'pending') };
}

/** Routing orders must be positive integers; there must be someone who signs or approves. */
export function routingProblems(recipients: readonly RoutingRecipient[]): string[] {
  const problems: string[] = [];
  if (!recipients.some(blocks)) problems.push('an envelope needs at least one signer or approver');
  for (const [index, recipient] of recipients.entries()) {
    if (!Number.isSafeInteger(recipient.routingOrder) || recipient.routingOrder < 1) {
      problems.push(`recipient ${index + 1}: routing order must be a positive whole number`);
    }
  }
  return problems;
}
