/**
 * A function step follows the function (issue 12). create-envelope resolves a step naming a function once; when staff
 * later mark its signer absent, the dossiers waiting for them go to whoever signs for the function on the day instead
 * (the first present substitute, "wnd. …"), and a draft meeting's steps are resolved again for its date when it is sent.
 *
 * The day is the meeting's date for an envelope in a meeting, else today in Europe/Brussels: the signing happens now.
 * Only recipients who have not signed, approved or declined move; a signature already given is never touched. A
 * delegate keeps the dossier unless the delegate is the one absent: then it goes back to the function's holder or
 * substitute, without delegation. Withdrawing the absence later hands nothing back.
 *
 * One transaction per envelope, locked as correct-recipient-email locks it (the same pieces: lockChangeableEnvelope,
 * isRecipientsTurn, mailNewRequests) — except that a meeting's items move together in one transaction, so that its
 * one mail per signer (meeting-mail.ts) lists every item that now waits for the new signer. Older links are revoked
 * (the old signer's link then answers the page of a link no longer theirs, as after a corrected address); when the
 * step was already the old signer's turn, the new one is mailed now. Audit: `recipient.reassigned` on the envelope.
 */
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import { brusselsDay, type DocumentKind } from '../domain/mandates.ts';
import { AppError } from '../errors.ts';
import type { Envelope } from '../store/envelope-repository.ts';
import { openFunctionRecipientsOf, setRecipientSigner } from '../store/function-recipients.ts';
import { listAbsences } from '../store/mandates.ts';
import { meetingById } from '../store/meetings.ts';
import { recipientsOf, type Recipient } from '../store/recipient-repository.ts';
import { revokeSigningLinks } from '../store/signing-link-repository.ts';
import type { Db } from '../store/sql.ts';
import { CORRECTABLE_RECIPIENT_STATUSES, isRecipientsTurn, lockChangeableEnvelope, mailNewRequests } from './correct-recipient-email.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { resolveFunctionSigner, type FunctionSigner } from './resolve-function-signer.ts';
import { inTransaction } from './transaction.ts';

export interface ReassignFunctionRecipientsOptions extends StaffRequest {
  /** The person now absent, and the absence just recorded (days YYYY-MM-DD, inclusive). */
  absence: { id: string; personId: string; startsOn: string; endsOn: string };
}

/** One dossier handed over. */
export interface HandedOver {
  envelopeId: string;
  title: string;
  recipientId: string;
  day: string;
  to: { personId: string; name: string; function: string | null; capacity: string };
  /** Whether the new signer was mailed now (it was the step's turn). */
  mailed: boolean;
}

/** A dossier that stays with the absent person, and why (nobody else signs for the function that day, …). */
export interface NotHandedOver {
  envelopeId: string;
  title: string;
  code: string;
  detail: string;
}

export interface ReassignmentReport {
  handedOver: HandedOver[];
  notHandedOver: NotHandedOver[];
  /** How many dossiers went to whom, by the number of dossiers. */
  byPerson: Array<{ personId: string; name: string; function: string | null; dossiers: number }>;
}

export async function reassignFunctionRecipients(deps: WorkflowDeps, options: ReassignFunctionRecipientsOptions): Promise<ReassignmentReport> {
  const { absence } = options;
  const today = brusselsDay(deps.clock());
  const candidates = (await openFunctionRecipientsOf(deps.db, options.organisationId, absence.personId, CORRECTABLE_RECIPIENT_STATUSES)).filter((c) => covers(absence, c.meetingDate ?? today));
  // A meeting's items together (one mail per signer per meeting), each other envelope alone; in agenda order.
  const groups = new Map<string, string[]>();
  for (const c of candidates) {
    const group = groups.get(c.meetingId ?? c.envelopeId) ?? [];
    if (!group.includes(c.envelopeId)) group.push(c.envelopeId);
    groups.set(c.meetingId ?? c.envelopeId, group);
  }
  const report: ReassignmentReport = { handedOver: [], notHandedOver: [], byPerson: [] };
  for (const envelopeIds of groups.values()) {
    try {
      const outcome = await inTransaction(deps, 'reassignFunctionRecipients', (trx) => handOverGroup(trx, deps, options, envelopeIds, today));
      report.handedOver.push(...outcome.handedOver);
      report.notHandedOver.push(...outcome.notHandedOver);
    } catch (error) {
      // The absence stands (recorded before); these dossiers stay where they were and staff are told, not left guessing.
      deps.logger.error({ err: error, useCase: 'reassignFunctionRecipients', envelopeIds }, 'handing dossiers over to a substitute failed');
      const detail = error instanceof AppError && error.status < 500 ? error.message : 'The dossier could not be handed over; try again or correct it by hand.';
      for (const envelopeId of envelopeIds) report.notHandedOver.push({ envelopeId, title: '', code: error instanceof AppError ? error.code : 'reassign_failed', detail });
    }
  }
  for (const handed of report.handedOver) {
    const known = report.byPerson.find((p) => p.personId === handed.to.personId);
    if (known) known.dossiers += 1;
    else report.byPerson.push({ personId: handed.to.personId, name: handed.to.name, function: handed.to.function, dossiers: 1 });
  }
  report.byPerson.sort((a, b) => b.dossiers - a.dossiers);
  return report;
}

function covers(span: { startsOn: string; endsOn: string }, day: string): boolean {
  return span.startsOn <= day && day <= span.endsOn;
}

async function handOverGroup(trx: Knex.Transaction, deps: WorkflowDeps, options: ReassignFunctionRecipientsOptions, envelopeIds: readonly string[], today: string) {
  const { organisationId, absence } = options;
  const now = deps.clock();
  const outcome = { handedOver: [] as HandedOver[], notHandedOver: [] as NotHandedOver[] };
  const toMail: Array<{ envelope: Envelope; recipient: Recipient }> = [];
  for (const envelopeId of envelopeIds) {
    const envelope = await lockChangeableEnvelope(trx, organisationId, envelopeId, 'reassign').catch((error: unknown) => {
      if (error instanceof AppError && error.status === 409) return null; // closed meanwhile: nothing waits any more
      throw error;
    });
    if (!envelope || envelope.status === 'draft') continue;
    const day = await signingDay(trx, envelope, today);
    if (!covers(absence, day)) continue;
    const recipients = await recipientsOf(trx, organisationId, envelopeId);
    const waiting = recipients.filter((r) => r.personId === absence.personId && r.functionId && CORRECTABLE_RECIPIENT_STATUSES.includes(r.status));
    for (const recipient of waiting) {
      let signer: FunctionSigner;
      try {
        // Without delegation: a delegate is only handed over when the delegate is the one absent.
        signer = await resolveFunctionSigner(trx, organisationId, { functionId: recipient.functionId!, day, kind: envelope.kind as DocumentKind | null, delegationId: null });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        outcome.notHandedOver.push({ envelopeId, title: envelope.title, code: error.code, detail: error.message });
        continue;
      }
      if (signer.person.id === absence.personId) continue;
      const turn = isRecipientsTurn(envelope, recipients, recipient.id);
      const next = await putSigner(trx, { ...options, now }, envelope, recipient, signer, { reason: 'absence', day, absenceId: absence.id, renotify: turn });
      if (turn) toMail.push({ envelope, recipient: next });
      outcome.handedOver.push({
        envelopeId,
        title: envelope.title,
        recipientId: recipient.id,
        day,
        to: { personId: signer.person.id, name: signer.person.name, function: signer.function, capacity: signer.capacity },
        mailed: turn,
      });
    }
  }
  // After every item is handed over, so that the meeting's one mail to the new signer lists them all.
  for (const { envelope, recipient } of toMail) await mailNewRequests(trx, deps, envelope, [recipient], { ...options, now });
  return outcome;
}

/** The day a function step is resolved for: the meeting's date (as it stands now), else today. */
async function signingDay(db: Db, envelope: Envelope, today: string): Promise<string> {
  if (!envelope.meetingId) return today;
  return (await meetingById(db, envelope.organisationId, envelope.meetingId))?.meetingDate ?? today;
}

/**
 * Puts `signer` on the recipient's step: the row (person, name, e-mail, language, function, capacity), the older
 * links revoked, `recipient.reassigned` on the envelope's chain. Returns the recipient as it now stands.
 */
async function putSigner(
  trx: Knex.Transaction,
  request: StaffRequest & { now: Date },
  envelope: Envelope,
  recipient: Recipient,
  signer: FunctionSigner,
  why: { reason: 'absence' | 'meeting_sent'; day: string; absenceId: string | null; renotify: boolean },
): Promise<Recipient> {
  const next = {
    personId: signer.person.id,
    name: signer.person.name,
    email: signer.person.email,
    language: signer.person.language,
    function: signer.function,
    capacity: signer.capacity,
    delegationId: signer.delegationId,
    actingStatement: signer.actingStatement,
    inPlaceOf: signer.inPlaceOf,
  };
  await setRecipientSigner(trx, envelope.organisationId, recipient.id, next, why.renotify);
  await revokeSigningLinks(trx, [recipient.id], request.now);
  await appendAuditEvent(trx, {
    organisationId: envelope.organisationId,
    envelopeId: envelope.id,
    event: {
      action: 'recipient.reassigned',
      details: {
        recipientId: recipient.id,
        reason: why.reason,
        day: why.day,
        absenceId: why.absenceId,
        from: { personId: recipient.personId, name: recipient.name, email: recipient.email, function: recipient.function, capacity: recipient.capacity },
        to: { personId: next.personId, name: next.name, email: next.email, function: next.function, capacity: next.capacity },
      },
    },
    actor: request.actor,
    origin: request.origin,
    occurredAt: request.now,
  });
  return { ...recipient, ...next, ...(why.renotify ? { status: 'pending' as const, sentAt: null, openedAt: null } : {}) };
}

/**
 * Before a draft meeting's item is sent (send-meeting.ts): each function step resolved again for the meeting's date
 * as it stands now — an absence recorded since the upload, a meeting moved to another day, a mandate changed. A
 * chosen delegation is kept while it still holds and its delegate is present; else the step goes to the holder or
 * substitute. A function nobody can sign on that day refuses the send (409 function_vacant / function_everyone_absent).
 */
export async function resolveDraftRecipientsAgain(trx: Knex.Transaction, request: StaffRequest & { now: Date }, envelope: Envelope, day: string): Promise<number> {
  let changed = 0;
  for (const recipient of await recipientsOf(trx, envelope.organisationId, envelope.id)) {
    if (!recipient.functionId) continue;
    const kind = envelope.kind as DocumentKind | null;
    const delegated = recipient.capacity === 'delegate' && recipient.delegationId ? await stillDelegated(trx, envelope.organisationId, recipient, day, kind) : null;
    const signer = delegated ?? (await resolveFunctionSigner(trx, envelope.organisationId, { functionId: recipient.functionId, day, kind, delegationId: null }));
    const same =
      signer.person.id === recipient.personId && signer.capacity === recipient.capacity && signer.delegationId === recipient.delegationId && signer.function === recipient.function;
    if (same) continue;
    await putSigner(trx, request, envelope, recipient, signer, { reason: 'meeting_sent', day, absenceId: null, renotify: false });
    changed += 1;
  }
  return changed;
}

/** The chosen delegation for the day, or null when it no longer holds or its delegate is marked absent that day. */
async function stillDelegated(db: Db, organisationId: string, recipient: Recipient, day: string, kind: DocumentKind | null): Promise<FunctionSigner | null> {
  let signer: FunctionSigner;
  try {
    signer = await resolveFunctionSigner(db, organisationId, { functionId: recipient.functionId!, day, kind, delegationId: recipient.delegationId });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return null;
    throw error;
  }
  const absences = await listAbsences(db, organisationId, { personId: signer.person.id, from: day });
  return absences.some((a) => !a.withdrawn && covers(a, day)) ? null : signer;
}
