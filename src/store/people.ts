/** The organisation's directory of people who sign (mandataries, directors; DESIGN §1, §3). */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { normaliseEmail, validatePerson, type Language, type PersonInput } from '../domain/person.ts';
import { isoTimestamp, isUuid, toIso, type Db } from './sql.ts';

export interface Person {
  id: string;
  organisationId: string;
  name: string;
  email: string;
  function: string | null;
  language: Language;
  active: boolean;
  createdAt: string;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

interface PersonRow {
  id: string;
  organisation_id: string;
  name: string;
  email: string;
  function: string | null;
  language: Language;
  active: boolean | number;
  created_at: unknown;
}

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    name: row.name,
    email: row.email,
    function: row.function,
    language: row.language,
    active: Boolean(row.active),
    createdAt: toIso(row.created_at),
  };
}

/**
 * Creates the person with this e-mail, or updates name, function and language of the one that
 * exists (and re-activates it). Call it in a transaction when importing many.
 */
export async function upsertPerson(db: Db, organisationId: string, input: PersonInput, options: { now?: Date } = {}): Promise<{ person: Person; outcome: UpsertOutcome }> {
  const validation = validatePerson(input);
  if (!validation.ok) throw new ValidationError(`Invalid person: ${validation.errors.join('; ')}.`);
  const { name, email, function: fn, language } = validation.person;

  const existing = await db<PersonRow>('people').where({ organisation_id: organisationId, email }).first();
  if (!existing) {
    const row: PersonRow = { id: randomUUID(), organisation_id: organisationId, name, email, function: fn, language, active: true, created_at: isoTimestamp(options.now ?? new Date()) };
    await db('people').insert(row);
    return { person: toPerson(row), outcome: 'created' };
  }
  const current = toPerson(existing);
  if (current.name === name && current.function === fn && current.language === language && current.active) {
    return { person: current, outcome: 'unchanged' };
  }
  await db('people').where({ organisation_id: organisationId, id: existing.id }).update({ name, function: fn, language, active: true });
  return { person: { ...current, name, function: fn, language, active: true }, outcome: 'updated' };
}

export async function listPeople(db: Db, organisationId: string, options: { includeInactive?: boolean } = {}): Promise<Person[]> {
  const query = db<PersonRow>('people').where({ organisation_id: organisationId });
  if (!options.includeInactive) query.andWhere({ active: true });
  const rows = await query.orderBy([{ column: 'name' }, { column: 'email' }]);
  return rows.map(toPerson);
}

export async function personById(db: Db, organisationId: string, id: string): Promise<Person | null> {
  if (!isUuid(id)) return null;
  const row = await db<PersonRow>('people').where({ organisation_id: organisationId, id }).first();
  return row ? toPerson(row) : null;
}

/** People of an organisation by id, in one statement (a function's holders and substitutes, issue 12); unknown ids are left out. */
export async function peopleByIds(db: Db, organisationId: string, ids: readonly string[]): Promise<Map<string, Person>> {
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return new Map();
  const rows = await db<PersonRow>('people').where({ organisation_id: organisationId }).whereIn('id', wanted);
  return new Map(rows.map((row) => [row.id, toPerson(row)]));
}

export async function personByEmail(db: Db, organisationId: string, email: string): Promise<Person | null> {
  const normalised = normaliseEmail(email);
  if (!normalised) return null;
  const row = await db<PersonRow>('people').where({ organisation_id: organisationId, email: normalised }).first();
  return row ? toPerson(row) : null;
}

export async function deactivatePerson(db: Db, organisationId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db('people').where({ organisation_id: organisationId, id }).update({ active: false })) > 0;
}

/** Changes name, e-mail, function, language and active flag of one person; null when there is no such person here. */
export async function updatePerson(db: Db, organisationId: string, id: string, input: PersonInput & { active?: boolean }): Promise<Person | null> {
  const current = await personById(db, organisationId, id);
  if (!current) return null;
  const validation = validatePerson(input);
  if (!validation.ok) throw new ValidationError(`Invalid person: ${validation.errors.join('; ')}.`);
  const { name, email, function: fn, language } = validation.person;
  if (email !== current.email && (await personByEmail(db, organisationId, email))) {
    throw new ValidationError(`Another person already has the e-mail address ${email}.`);
  }
  const active = input.active ?? current.active;
  await db('people').where({ organisation_id: organisationId, id }).update({ name, email, function: fn, language, active });
  return { ...current, name, email, function: fn, language, active };
}
