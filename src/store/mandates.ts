/**
 * The tables `functions`, `mandates`, `absences` and `delegations` (issue 12; migration 0028, rules in
 * src/domain/mandates.ts). Every query is scoped by organisation; an id that is not a uuid is "not found".
 * Days are YYYY-MM-DD strings (they compare as text); absences are withdrawn and delegations revoked, never deleted.
 */
import type { AbsenceSpan, DelegationGrant, DelegationScope, MandateKind, MandateSpan } from '../domain/mandates.ts';
import { functionNameKey } from '../domain/mandates.ts';
import { fromJson, isUuid, toIso, toJson, type Db } from './sql.ts';

export interface FunctionRow {
  id: string;
  organisationId: string;
  name: string;
  /** The decision body it belongs to (e.g. 'gemeenteraad'), if any. */
  body: string | null;
  delegable: boolean;
  createdAt: string;
}

export type MandateSource = 'manual' | 'import';

export interface MandateRow extends MandateSpan {
  organisationId: string;
  source: MandateSource;
  /** The row's id in the Flemish mandate database, for an imported mandate. */
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AbsenceRow extends AbsenceSpan {
  id: string;
  organisationId: string;
  reason: string | null;
  createdByKind: string;
  createdById: string;
  createdAt: string;
  withdrawnAt: string | null;
}

export interface DelegationRow extends DelegationGrant {
  organisationId: string;
  /** E.g. the decision of the council that granted it. */
  reference: string | null;
  createdByKind: string;
  createdById: string;
  createdAt: string;
  revokedAt: string | null;
  revokedById: string | null;
}

interface FunctionRecord {
  id: string;
  organisation_id: string;
  name: string;
  name_key: string;
  body: string | null;
  delegable: boolean | number;
  created_at: unknown;
}

interface MandateRecord {
  id: string;
  organisation_id: string;
  function_id: string;
  person_id: string;
  kind: string;
  rank: number | string;
  starts_on: string;
  ends_on: string | null;
  source: string;
  external_id: string | null;
  created_at: unknown;
  updated_at: unknown;
}

interface AbsenceRecord {
  id: string;
  organisation_id: string;
  person_id: string;
  starts_on: string;
  ends_on: string;
  reason: string | null;
  created_by_kind: string;
  created_by_id: string;
  created_at: unknown;
  withdrawn_at: unknown;
}

interface DelegationRecord {
  id: string;
  organisation_id: string;
  function_id: string;
  delegator_person_id: string;
  delegate_person_id: string;
  scope: unknown;
  valid_from: string;
  valid_until: string | null;
  reference: string | null;
  created_by_kind: string;
  created_by_id: string;
  created_at: unknown;
  revoked_at: unknown;
  revoked_by_id: string | null;
}

function toFunction(row: FunctionRecord): FunctionRow {
  return { id: row.id, organisationId: row.organisation_id, name: row.name, body: row.body, delegable: Boolean(row.delegable), createdAt: toIso(row.created_at) };
}

function toMandate(row: MandateRecord): MandateRow {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    functionId: row.function_id,
    personId: row.person_id,
    kind: row.kind as MandateKind,
    rank: Number(row.rank),
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    source: row.source as MandateSource,
    externalId: row.external_id,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function toAbsence(row: AbsenceRecord): AbsenceRow {
  const withdrawnAt = toIso(row.withdrawn_at, 'nullable');
  return {
    id: row.id,
    organisationId: row.organisation_id,
    personId: row.person_id,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    reason: row.reason,
    withdrawn: withdrawnAt !== null,
    createdByKind: row.created_by_kind,
    createdById: row.created_by_id,
    createdAt: toIso(row.created_at),
    withdrawnAt,
  };
}

function toDelegation(row: DelegationRecord): DelegationRow {
  const revokedAt = toIso(row.revoked_at, 'nullable');
  return {
    id: row.id,
    organisationId: row.organisation_id,
    functionId: row.function_id,
    delegatorPersonId: row.delegator_person_id,
    delegatePersonId: row.delegate_person_id,
    scope: fromJson<DelegationScope[]>(row.scope),
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    reference: row.reference,
    revoked: revokedAt !== null,
    createdByKind: row.created_by_kind,
    createdById: row.created_by_id,
    createdAt: toIso(row.created_at),
    revokedAt,
    revokedById: row.revoked_by_id,
  };
}

// Functions

/** By name (then id). */
export async function listFunctions(db: Db, organisationId: string): Promise<FunctionRow[]> {
  const rows = (await db('functions').where({ organisation_id: organisationId }).orderBy([{ column: 'name' }, { column: 'id' }])) as FunctionRecord[];
  return rows.map(toFunction);
}

export async function functionById(db: Db, organisationId: string, id: string): Promise<FunctionRow | null> {
  if (!isUuid(id)) return null;
  const row = (await db('functions').where({ organisation_id: organisationId, id }).first()) as FunctionRecord | undefined;
  return row ? toFunction(row) : null;
}

/** The function whose name is this one but for case, accents, punctuation and spacing (functionNameKey). */
export async function functionByName(db: Db, organisationId: string, name: string): Promise<FunctionRow | null> {
  const row = (await db('functions').where({ organisation_id: organisationId, name_key: functionNameKey(name) }).first()) as FunctionRecord | undefined;
  return row ? toFunction(row) : null;
}

export async function insertFunction(db: Db, row: { id: string; organisationId: string; name: string; body: string | null; delegable: boolean; now: string }): Promise<FunctionRow> {
  const record: FunctionRecord = {
    id: row.id,
    organisation_id: row.organisationId,
    name: row.name,
    name_key: functionNameKey(row.name),
    body: row.body,
    delegable: row.delegable,
    created_at: row.now,
  };
  await db('functions').insert(record);
  return toFunction(record);
}

// Mandates

/** By function, kind (holders first), rank and start. */
export async function listMandates(db: Db, organisationId: string, filter: { functionId?: string; personId?: string } = {}): Promise<MandateRow[]> {
  if ((filter.functionId !== undefined && !isUuid(filter.functionId)) || (filter.personId !== undefined && !isUuid(filter.personId))) return [];
  const query = db('mandates').where({ organisation_id: organisationId });
  if (filter.functionId !== undefined) query.andWhere({ function_id: filter.functionId });
  if (filter.personId !== undefined) query.andWhere({ person_id: filter.personId });
  const rows = (await query.orderBy([{ column: 'function_id' }, { column: 'kind' }, { column: 'rank' }, { column: 'starts_on' }, { column: 'id' }])) as MandateRecord[];
  return rows.map(toMandate);
}

export async function mandateById(db: Db, organisationId: string, id: string): Promise<MandateRow | null> {
  if (!isUuid(id)) return null;
  const row = (await db('mandates').where({ organisation_id: organisationId, id }).first()) as MandateRecord | undefined;
  return row ? toMandate(row) : null;
}

export async function mandateByExternalId(db: Db, organisationId: string, externalId: string): Promise<MandateRow | null> {
  const row = (await db('mandates').where({ organisation_id: organisationId, external_id: externalId }).first()) as MandateRecord | undefined;
  return row ? toMandate(row) : null;
}

export type NewMandate = Omit<MandateRow, 'createdAt' | 'updatedAt'> & { now: string };

export async function insertMandate(db: Db, row: NewMandate): Promise<MandateRow> {
  const record: MandateRecord = {
    id: row.id,
    organisation_id: row.organisationId,
    function_id: row.functionId,
    person_id: row.personId,
    kind: row.kind,
    rank: row.rank,
    starts_on: row.startsOn,
    ends_on: row.endsOn,
    source: row.source,
    external_id: row.externalId,
    created_at: row.now,
    updated_at: row.now,
  };
  await db('mandates').insert(record);
  return toMandate(record);
}

/** What an import may change on a mandate it knows by external id. */
export type MandateChanges = Partial<Pick<MandateRow, 'functionId' | 'personId' | 'kind' | 'rank' | 'startsOn' | 'endsOn'>>;

export async function updateMandate(db: Db, organisationId: string, id: string, changes: MandateChanges, now: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const columns: Record<string, unknown> = { updated_at: now };
  if (changes.functionId !== undefined) columns.function_id = changes.functionId;
  if (changes.personId !== undefined) columns.person_id = changes.personId;
  if (changes.kind !== undefined) columns.kind = changes.kind;
  if (changes.rank !== undefined) columns.rank = changes.rank;
  if (changes.startsOn !== undefined) columns.starts_on = changes.startsOn;
  if (changes.endsOn !== undefined) columns.ends_on = changes.endsOn;
  return (await db('mandates').where({ organisation_id: organisationId, id }).update(columns)) > 0;
}

/** Sets the last day (inclusive) of a mandate; false when there is no such mandate here. */
export async function endMandate(db: Db, organisationId: string, id: string, endsOn: string, now: string): Promise<boolean> {
  return updateMandate(db, organisationId, id, { endsOn }, now);
}

// Absences

/** By start; withdrawn ones included (they have `withdrawn`). `from`: only those ending on or after that day. */
export async function listAbsences(db: Db, organisationId: string, filter: { personId?: string; from?: string; includeWithdrawn?: boolean } = {}): Promise<AbsenceRow[]> {
  if (filter.personId !== undefined && !isUuid(filter.personId)) return [];
  const query = db('absences').where({ organisation_id: organisationId });
  if (filter.personId !== undefined) query.andWhere({ person_id: filter.personId });
  if (filter.from !== undefined) query.andWhere('ends_on', '>=', filter.from);
  if (filter.includeWithdrawn === false) query.whereNull('withdrawn_at');
  const rows = (await query.orderBy([{ column: 'starts_on' }, { column: 'created_at' }, { column: 'id' }])) as AbsenceRecord[];
  return rows.map(toAbsence);
}

export async function absenceById(db: Db, organisationId: string, id: string): Promise<AbsenceRow | null> {
  if (!isUuid(id)) return null;
  const row = (await db('absences').where({ organisation_id: organisationId, id }).first()) as AbsenceRecord | undefined;
  return row ? toAbsence(row) : null;
}

export async function insertAbsence(
  db: Db,
  row: { id: string; organisationId: string; personId: string; startsOn: string; endsOn: string; reason: string | null; createdByKind: string; createdById: string; now: string },
): Promise<AbsenceRow> {
  const record: AbsenceRecord = {
    id: row.id,
    organisation_id: row.organisationId,
    person_id: row.personId,
    starts_on: row.startsOn,
    ends_on: row.endsOn,
    reason: row.reason,
    created_by_kind: row.createdByKind,
    created_by_id: row.createdById,
    created_at: row.now,
    withdrawn_at: null,
  };
  await db('absences').insert(record);
  return toAbsence(record);
}

/** False when there is no such absence here or it was withdrawn already. */
export async function withdrawAbsence(db: Db, organisationId: string, id: string, now: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db('absences').where({ organisation_id: organisationId, id }).whereNull('withdrawn_at').update({ withdrawn_at: now })) > 0;
}

// Delegations

/** The register, by start (then creation). Revoked delegations only with `includeRevoked`. */
export async function listDelegations(db: Db, organisationId: string, filter: { functionId?: string; delegatePersonId?: string; includeRevoked?: boolean } = {}): Promise<DelegationRow[]> {
  if ((filter.functionId !== undefined && !isUuid(filter.functionId)) || (filter.delegatePersonId !== undefined && !isUuid(filter.delegatePersonId))) return [];
  const query = db('delegations').where({ organisation_id: organisationId });
  if (filter.functionId !== undefined) query.andWhere({ function_id: filter.functionId });
  if (filter.delegatePersonId !== undefined) query.andWhere({ delegate_person_id: filter.delegatePersonId });
  if (!filter.includeRevoked) query.whereNull('revoked_at');
  const rows = (await query.orderBy([{ column: 'valid_from' }, { column: 'created_at' }, { column: 'id' }])) as DelegationRecord[];
  return rows.map(toDelegation);
}

export async function delegationById(db: Db, organisationId: string, id: string): Promise<DelegationRow | null> {
  if (!isUuid(id)) return null;
  const row = (await db('delegations').where({ organisation_id: organisationId, id }).first()) as DelegationRecord | undefined;
  return row ? toDelegation(row) : null;
}

export async function insertDelegation(
  db: Db,
  row: Omit<DelegationGrant, 'revoked'> & { organisationId: string; reference: string | null; createdByKind: string; createdById: string; now: string },
): Promise<DelegationRow> {
  const record: DelegationRecord = {
    id: row.id,
    organisation_id: row.organisationId,
    function_id: row.functionId,
    delegator_person_id: row.delegatorPersonId,
    delegate_person_id: row.delegatePersonId,
    scope: toJson([...row.scope]),
    valid_from: row.validFrom,
    valid_until: row.validUntil,
    reference: row.reference,
    created_by_kind: row.createdByKind,
    created_by_id: row.createdById,
    created_at: row.now,
    revoked_at: null,
    revoked_by_id: null,
  };
  await db('delegations').insert(record);
  return toDelegation(record);
}

/** False when there is no such delegation here or it was revoked already. */
export async function revokeDelegation(db: Db, organisationId: string, id: string, byId: string, now: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db('delegations').where({ organisation_id: organisationId, id }).whereNull('revoked_at').update({ revoked_at: now, revoked_by_id: byId })) > 0;
}
