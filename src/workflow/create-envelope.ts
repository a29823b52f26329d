/**
 * Creates a draft envelope (DESIGN §3, §4): every PDF is inspected before anything is stored
 * (hostile or encrypted files answer 422 with the engine's code), stored as a blob and recorded
 * as revision 1 'original'; recipients come from the directory (personId), ad hoc, or (issue 12) a function
 * (functionId), resolved for the day — the meeting's date in a meeting, else today in Europe/Brussels — to the
 * holder, a present substitute, or the delegate of the delegation the caller chose (delegationId). Minutes are
 * never delegated (422 delegation_minutes_refused, before anything is stored).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAuditEvent } from '../audit/chain.ts';
import { brusselsDay, mayBeDelegated, type DocumentKind } from '../domain/mandates.ts';
import { routingProblems, SIGNATURE_LEVELS, type SignatureLevel } from '../domain/routing.ts';
import { validatePerson, type Language } from '../domain/person.ts';
import { AppError, ValidationError } from '../errors.ts';
import { inspectPdf } from '../pdf/index.ts';
import { insertDocument, insertRevision } from '../store/document-repository.ts';
import { ENVELOPE_KINDS, insertEnvelope } from '../store/envelope-repository.ts';
import { meetingById, nextAgendaPosition } from '../store/meetings.ts';
import { organisationById } from '../store/organisations.ts';
import { personById } from '../store/people.ts';
import { insertField, insertRecipient, type NewRecipient } from '../store/recipient-repository.ts';
import type { Db } from '../store/sql.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { delegationMinutesRefused } from './mandate-checks.ts';
import { resolveFunctionSigner } from './resolve-function-signer.ts';
import { inTransaction } from './transaction.ts';

export const DEFAULT_EXPIRY_DAYS = 30;

const fieldSchema = z.object({
  /** Index into `documents`. */
  document: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  x: z.number().nonnegative(),
  y: z.number().nonnegative(),
  width: z.number().positive(),
  height: z.number().positive(),
});

const recipientSchema = z.object({
  personId: z.string().optional(),
  /** A function of the organisation (issue 12): whoever signs for it on the day; name, e-mail and function come from them. */
  functionId: z.string().optional(),
  /** With functionId: the delegation (bij opdracht) chosen for this recipient; never for minutes. */
  delegationId: z.string().nullish(),
  name: z.string().optional(),
  email: z.string().optional(),
  function: z.string().nullish(),
  language: z.string().optional(),
  role: z.enum(['signer', 'approver', 'cc']),
  /** For a signer: overrides the envelope's `signatureLevel`. */
  signatureLevel: z.enum(SIGNATURE_LEVELS).optional(),
  routingOrder: z.number().int().positive().default(1),
  fields: z.array(fieldSchema).default([]),
});

const optionsSchema = z.object({
  title: z.string().trim().min(1).max(500),
  message: z.string().max(5000).nullish(),
  expiresAt: z.date().optional(),
  /** Signers must enter a mailed code before signing; by default the organisation's `requireCode` setting. */
  requireCode: z.boolean().optional(),
  /** The signing route (decision body) it is sent with, e.g. "Gemeenteraad"; shown and filtered on the dashboard. */
  routeName: z.string().trim().max(200).nullish(),
  /** The line above the signature page's blocks, e.g. "Namens de gemeenteraad" (issue 12); by default from the decision body. */
  onBehalfOf: z.string().trim().max(200).nullish(),
  /** How its signers sign unless a recipient says otherwise (issue 13): 'advanced' (default) or 'qualified'. */
  signatureLevel: z.enum(SIGNATURE_LEVELS).default('advanced'),
  /** A draft meeting of the organisation it belongs to (issue 12; else 404, or 409 once the meeting was sent), its agenda item and kind. */
  meetingId: z.string().nullish(),
  agendaItem: z.string().trim().max(50).nullish(),
  /** Where on the meeting's agenda; by default after what the meeting holds. */
  agendaPosition: z.number().int().nonnegative().max(100_000).nullish(),
  kind: z.enum(ENVELOPE_KINDS).nullish(),
  documents: z.array(z.object({ name: z.string().trim().min(1).max(255), pdf: z.instanceof(Buffer) })).min(1).max(100),
  recipients: z.array(recipientSchema).min(1).max(50),
});

export type CreateEnvelopeInput = z.input<typeof optionsSchema>;
export type CreateEnvelopeOptions = StaffRequest & CreateEnvelopeInput;

export async function createEnvelope(deps: WorkflowDeps, options: CreateEnvelopeOptions): Promise<EnvelopeDto> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new ValidationError(`Invalid envelope: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  const input = parsed.data;
  const now = deps.clock();
  const expiresAt = input.expiresAt ?? new Date(now.getTime() + DEFAULT_EXPIRY_DAYS * 86_400_000);
  if (expiresAt.getTime() <= now.getTime()) throw new ValidationError('expiresAt must be in the future.');
  if (!input.meetingId && (input.agendaItem || input.agendaPosition != null)) throw new ValidationError('agendaItem and agendaPosition need a meetingId.');
  const problems = routingProblems(input.recipients.map((r) => ({ role: r.role, routingOrder: r.routingOrder, status: 'pending' as const })));
  if (problems.length > 0) throw new ValidationError(`Invalid recipients: ${problems.join('; ')}.`);
  for (const [index, recipient] of input.recipients.entries()) {
    if (recipient.delegationId && !recipient.functionId) throw new ValidationError(`recipient ${index + 1}: a delegationId needs a functionId.`);
    if (recipient.functionId && (recipient.personId || recipient.name !== undefined || recipient.email !== undefined || recipient.function !== undefined || recipient.language !== undefined)) {
      throw new ValidationError(`recipient ${index + 1}: a function step takes its person, name, e-mail, function and language from whoever signs for the function.`);
    }
  }
  // Minutes are never signed by delegation (Decreet Lokaal Bestuur art. 280 and 283): refused before anything is stored.
  if (!mayBeDelegated(input.kind ?? null) && input.recipients.some((r) => r.delegationId)) throw delegationMinutesRefused();

  // Inspect and store outside the transaction: CPU and disk work that needs no lock. A blob
  // without a revision pointing at it is harmless (content-addressed, DESIGN §8).
  const documents: Array<{ id: string; name: string; pageCount: number; blob: { sha256: string; size: number } }> = [];
  for (const [index, document] of input.documents.entries()) {
    let pageCount: number;
    try {
      pageCount = (await inspectPdf(document.pdf)).pageCount;
    } catch (error) {
      if (error instanceof AppError) {
        throw new AppError(error.code, error.status, `Document ${index + 1} (${document.name}): ${error.message}`, { cause: error, extensions: { document: index } });
      }
      throw error;
    }
    const blob = await deps.blobs.put(document.pdf);
    documents.push({ id: randomUUID(), name: document.name, pageCount, blob });
  }
  for (const [index, recipient] of input.recipients.entries()) {
    for (const field of recipient.fields) {
      const target = documents[field.document];
      if (!target) throw new ValidationError(`recipient ${index + 1}: field refers to document ${field.document}, which does not exist.`);
      if (field.page > target.pageCount) throw new AppError('placement_invalid', 400, `recipient ${index + 1}: page ${field.page} does not exist in ${target.name} (${target.pageCount} pages).`);
    }
    if (recipient.role === 'cc' && recipient.fields.length > 0) throw new ValidationError(`recipient ${index + 1}: a cc recipient has no signature fields.`);
    if (recipient.role !== 'signer' && recipient.signatureLevel === 'qualified') throw new ValidationError(`recipient ${index + 1}: only a signer has a signature level.`);
  }

  const envelopeId = randomUUID();
  const at = now.toISOString();
  await inTransaction(deps, 'createEnvelope', async (trx) => {
    const requireCode = input.requireCode ?? (await organisationById(trx, options.organisationId))?.settings.requireCode === true;
    const meeting = input.meetingId ? await meetingPlace(trx, options.organisationId, input.meetingId, input) : null;
    await insertEnvelope(trx, {
      id: envelopeId,
      organisationId: options.organisationId,
      title: input.title,
      message: input.message?.trim() || null,
      createdByKind: options.actor.kind,
      createdById: options.actor.id,
      expiresAt: expiresAt.toISOString(),
      requireCode,
      routeName: input.routeName || null,
      onBehalfOf: input.onBehalfOf || null,
      meeting,
      now: at,
    });
    for (const [position, document] of documents.entries()) {
      await insertDocument(trx, { id: document.id, envelopeId, organisationId: options.organisationId, name: document.name, position, pageCount: document.pageCount, now: at });
      await insertRevision(trx, { id: randomUUID(), documentId: document.id, seq: 1, blobSha256: document.blob.sha256, size: document.blob.size, kind: 'original', now: at });
    }
    // Function steps resolve for the meeting's date (the sitting), else for today in Europe/Brussels.
    const on: SignerDay = { day: meeting ? meeting.meetingDate : brusselsDay(now), kind: meeting ? meeting.kind : (input.kind ?? null) };
    const recipients: NewRecipient[] = [];
    for (const [index, input_] of input.recipients.entries()) {
      const recipient = await resolveRecipient(trx, options.organisationId, envelopeId, index, input_, input.signatureLevel, on);
      await insertRecipient(trx, recipient, at);
      for (const field of input_.fields) {
        await insertField(trx, { id: randomUUID(), recipientId: recipient.id, documentId: documents[field.document].id, page: field.page, x: field.x, y: field.y, width: field.width, height: field.height, fieldName: null });
      }
      recipients.push(recipient);
    }
    await appendAuditEvent(trx, {
      organisationId: options.organisationId,
      envelopeId,
      event: {
        action: 'envelope.created',
        details: {
          title: input.title,
          ...(input.routeName ? { routeName: input.routeName } : {}),
          expiresAt: expiresAt.toISOString(),
          documents: documents.map((d) => ({ documentId: d.id, name: d.name, sha256: d.blob.sha256, pageCount: d.pageCount })),
          recipients: recipients.map((r) => ({
            recipientId: r.id,
            name: r.name,
            email: r.email,
            function: r.function,
            role: r.role,
            routingOrder: r.routingOrder,
            ...(r.signatureLevel === 'qualified' ? { signatureLevel: r.signatureLevel } : {}),
            ...(r.capacity && r.functionId ? { capacity: r.capacity, functionId: r.functionId, delegationId: r.delegationId, actingStatement: r.actingStatement } : {}),
          })),
        },
      },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
  });
  return loadEnvelopeDto(deps.db, options.organisationId, envelopeId);
}

/** Where an envelope goes in its meeting: only a draft meeting of the organisation takes new items. */
async function meetingPlace(db: Db, organisationId: string, meetingId: string, input: z.output<typeof optionsSchema>) {
  const meeting = await meetingById(db, organisationId, meetingId, { forUpdate: true });
  if (!meeting) throw new AppError('meeting_not_found', 404, 'There is no such meeting.');
  if (meeting.status !== 'draft') throw new AppError('meeting_sent', 409, 'This meeting was sent; it takes no new items.');
  const agendaPosition = input.agendaPosition ?? (await nextAgendaPosition(db, organisationId, meetingId));
  return { meetingId, agendaItem: input.agendaItem || null, agendaPosition, kind: input.kind ?? 'decision', meetingDate: meeting.meetingDate };
}

type RecipientInput = z.output<typeof recipientSchema>;

/** The day and kind of document a function step is resolved for. */
interface SignerDay {
  day: string;
  kind: DocumentKind | null;
}

/**
 * A directory person gives the defaults; what the caller passes (a substitute's function) wins. A function step
 * takes everything from whoever signs for the function on the day, and remembers how it was resolved.
 */
async function resolveRecipient(db: Db, organisationId: string, envelopeId: string, index: number, input: RecipientInput, envelopeLevel: SignatureLevel, on: SignerDay): Promise<NewRecipient> {
  const common = {
    id: randomUUID(),
    envelopeId,
    organisationId,
    role: input.role,
    // Approvers and cc recipients sign nothing: their level stays the default whatever the envelope's.
    signatureLevel: input.role === 'signer' ? (input.signatureLevel ?? envelopeLevel) : ('advanced' as const),
    routingOrder: input.routingOrder,
    position: index,
  };
  if (input.functionId) {
    const signer = await resolveFunctionSigner(db, organisationId, { functionId: input.functionId, day: on.day, kind: on.kind, delegationId: input.delegationId ?? null });
    return {
      ...common,
      personId: signer.person.id,
      name: signer.person.name,
      email: signer.person.email,
      function: signer.function,
      language: signer.person.language,
      functionId: signer.functionId,
      capacity: signer.capacity,
      delegationId: signer.delegationId,
      actingStatement: signer.actingStatement,
      inPlaceOf: signer.inPlaceOf,
    };
  }
  let base: { name: string; email: string; function?: string | null; language?: string | null } = { name: input.name ?? '', email: input.email ?? '' };
  if (input.personId) {
    const person = await personById(db, organisationId, input.personId);
    if (!person || !person.active) throw new ValidationError(`recipient ${index + 1}: no active person ${input.personId} in this organisation.`);
    base = { name: person.name, email: person.email, function: person.function, language: person.language };
  }
  const validation = validatePerson({
    name: input.name ?? base.name,
    email: input.email ?? base.email,
    function: input.function !== undefined ? input.function : base.function,
    language: input.language ?? base.language,
  });
  if (!validation.ok) throw new ValidationError(`recipient ${index + 1}: ${validation.errors.join('; ')}.`);
  const person = validation.person;
  return {
    ...common,
    personId: input.personId ?? null,
    name: person.name,
    email: person.email,
    function: person.function,
    language: person.language as Language,
    functionId: null,
    capacity: null,
    delegationId: null,
    actingStatement: null,
    inPlaceOf: null,
  };
}
