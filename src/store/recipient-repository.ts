/** `recipients` and their signature `fields` (DESIGN §3). Scoped by organisation. */
import type { Knex } from 'knex';
import type { Capacity } from '../domain/mandates.ts';
import type { Language } from '../domain/person.ts';
import type { RecipientRole, RecipientStatus, SignatureLevel } from '../domain/routing.ts';
import { toIso, type Db } from './sql.ts';

export interface Recipient {
  id: string;
  envelopeId: string;
  organisationId: string;
  personId: string | null;
  name: string;
  email: string;
  function: string | null;
  language: Language;
  role: RecipientRole;
  /** For a signer: one-shot certificate ('advanced') or the signer's own qualified certificate (issue 13). */
  signatureLevel: SignatureLevel;
  routingOrder: number;
  /** The caller's order among all recipients of the envelope. */
  position: number;
  status: RecipientStatus;
  sentAt: string | null;
  openedAt: string | null;
  completedAt: string | null;
  declinedAt: string | null;
  declineReason: string | null;
  createdAt: string;
  /**
   * How a function step of the route was resolved (issue 12; all null for a recipient named directly): the step's
   * function, whether the holder, a substitute or a delegate signs, the delegation used, and a delegate's
   * "Bij opdracht van de …" statement.
   */
  functionId: string | null;
  capacity: Capacity | null;
  delegationId: string | null;
  actingStatement: string | null;
  /** A substitute's absent holder, by name, for their mails ("in de plaats van …"); else null. */
  inPlaceOf: string | null;
  /** A document was corrected after this recipient had signed or approved it: they act again, and their mails say why. */
  correctedSinceActed: boolean;
}

export interface Field {
  id: string;
  recipientId: string;
  documentId: string;
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
  fieldName: string | null;
}

export interface RecipientRow {
  id: string;
  envelope_id: string;
  organisation_id: string;
  person_id: string | null;
  name: string;
  email: string;
  function: string | null;
  language: Language;
  role: RecipientRole;
  signature_level: SignatureLevel;
  routing_order: number | string;
  position: number | string;
  status: RecipientStatus;
  sent_at: unknown;
  opened_at: unknown;
  completed_at: unknown;
  declined_at: unknown;
  decline_reason: string | null;
  created_at: unknown;
  /** Optional in a row read: a joined read that does not select them reads null. */
  function_id?: string | null;
  capacity?: string | null;
  delegation_id?: string | null;
  acting_statement?: string | null;
  in_place_of?: string | null;
  corrected_since_acted?: boolean | number | null;
}

interface FieldRow {
  id: string;
  recipient_id: string;
  document_id: string;
  page: number | string;
  x: number | string;
  y: number | string;
  width: number | string;
  height: number | string;
  field_name: string | null;
}

export function toRecipient(row: RecipientRow): Recipient {
  return {
    id: row.id,
    envelopeId: row.envelope_id,
    organisationId: row.organisation_id,
    personId: row.person_id,
    name: row.name,
    email: row.email,
    function: row.function,
    language: row.language,
    role: row.role,
    signatureLevel: row.signature_level,
    routingOrder: Number(row.routing_order),
    position: Number(row.position),
    status: row.status,
    sentAt: toIso(row.sent_at, 'nullable'),
    openedAt: toIso(row.opened_at, 'nullable'),
    completedAt: toIso(row.completed_at, 'nullable'),
    declinedAt: toIso(row.declined_at, 'nullable'),
    declineReason: row.decline_reason,
    createdAt: toIso(row.created_at),
    functionId: row.function_id ?? null,
    capacity: (row.capacity as Capacity | null | undefined) ?? null,
    delegationId: row.delegation_id ?? null,
    actingStatement: row.acting_statement ?? null,
    inPlaceOf: row.in_place_of ?? null,
    correctedSinceActed: Boolean(row.corrected_since_acted),
  };
}

function toField(row: FieldRow): Field {
  return {
    id: row.id,
    recipientId: row.recipient_id,
    documentId: row.document_id,
    page: Number(row.page),
    x: Number(row.x),
    y: Number(row.y),
    width: Number(row.width),
    height: Number(row.height),
    fieldName: row.field_name,
  };
}

export type NewRecipient = Omit<Recipient, 'status' | 'sentAt' | 'openedAt' | 'completedAt' | 'declinedAt' | 'declineReason' | 'createdAt' | 'correctedSinceActed'>;

export async function insertRecipient(db: Db, recipient: NewRecipient, now: string): Promise<void> {
  await db('recipients').insert({
    id: recipient.id,
    envelope_id: recipient.envelopeId,
    organisation_id: recipient.organisationId,
    person_id: recipient.personId,
    name: recipient.name,
    email: recipient.email,
    function: recipient.function,
    language: recipient.language,
    role: recipient.role,
    signature_level: recipient.signatureLevel,
    routing_order: recipient.routingOrder,
    position: recipient.position,
    function_id: recipient.functionId,
    capacity: recipient.capacity,
    delegation_id: recipient.delegationId,
    acting_statement: recipient.actingStatement,
    in_place_of: recipient.inPlaceOf,
    status: 'pending',
    created_at: now,
  });
}

/** Recipients in routing order, and within one order in the order the caller gave them. */
export async function recipientsOf(db: Db, organisationId: string, envelopeId: string): Promise<Recipient[]> {
  const rows = await db<RecipientRow>('recipients').where({ organisation_id: organisationId, envelope_id: envelopeId }).orderBy([{ column: 'routing_order' }, { column: 'position' }, { column: 'id' }]);
  return (rows as RecipientRow[]).map(toRecipient);
}

export async function recipientsOfEnvelopes(db: Db, organisationId: string, envelopeIds: readonly string[]): Promise<Recipient[]> {
  if (envelopeIds.length === 0) return [];
  const rows = await db<RecipientRow>('recipients').where({ organisation_id: organisationId }).whereIn('envelope_id', envelopeIds).orderBy([{ column: 'routing_order' }, { column: 'position' }, { column: 'id' }]);
  return (rows as RecipientRow[]).map(toRecipient);
}

export type RecipientPatch = Partial<Pick<Recipient, 'status' | 'sentAt' | 'openedAt' | 'completedAt' | 'declinedAt' | 'declineReason'>>;

const PATCH_COLUMNS: Record<keyof RecipientPatch, string> = {
  status: 'status',
  sentAt: 'sent_at',
  openedAt: 'opened_at',
  completedAt: 'completed_at',
  declinedAt: 'declined_at',
  declineReason: 'decline_reason',
};

export async function updateRecipient(db: Db, organisationId: string, id: string, patch: RecipientPatch): Promise<void> {
  await recipientUpdate(db, organisationId, id, patch);
}

/** The statement updateRecipient sends, to be sent with other writes (writeTogether). */
export function recipientUpdate(db: Db, organisationId: string, id: string, patch: RecipientPatch): Knex.QueryBuilder {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) values[PATCH_COLUMNS[key as keyof RecipientPatch]] = value;
  return db('recipients').where({ id, organisation_id: organisationId }).update(values);
}

export async function insertField(db: Db, field: Field): Promise<void> {
  await db('fields').insert({
    id: field.id,
    recipient_id: field.recipientId,
    document_id: field.documentId,
    page: field.page,
    x: field.x,
    y: field.y,
    width: field.width,
    height: field.height,
    field_name: field.fieldName,
  });
}

/** The fields of some recipients (those of one envelope: the caller scoped them by organisation). */
export async function fieldsOf(db: Db, recipientIds: readonly string[]): Promise<Field[]> {
  if (recipientIds.length === 0) return [];
  const rows = await db<FieldRow>('fields').whereIn('recipient_id', recipientIds).orderBy([{ column: 'document_id' }, { column: 'page' }, { column: 'id' }]);
  return (rows as FieldRow[]).map(toField);
}

export async function setFieldName(db: Db, fieldId: string, fieldName: string): Promise<void> {
  await db('fields').where({ id: fieldId }).update({ field_name: fieldName });
}

/** A corrected e-mail address (issue 5: staff fix a typo before the recipient has acted). */
export async function setRecipientEmail(db: Db, organisationId: string, id: string, email: string): Promise<void> {
  await db('recipients').where({ id, organisation_id: organisationId }).update({ email });
}
