/**
 * What the staff pages read of their own organisation (issue 10: routes translate HTTP only): the
 * organisation itself, its people directory and its staff users. Always scoped to the
 * organisation: another organisation's person is as absent as an unknown one. Read-only.
 */
import type { Knex } from 'knex';
import { organisationById, type Organisation } from '../store/organisations.ts';
import { listPeople, personById, type Person } from '../store/people.ts';
import { listUsers, userById, type User } from '../store/users.ts';

export type { Organisation, Person, User };
export type { UpsertOutcome } from '../store/people.ts';

export function organisationOf(deps: { db: Knex }, organisationId: string): Promise<Organisation | null> {
  return organisationById(deps.db, organisationId);
}

/** The organisation's people, active only unless `includeInactive`. */
export function peopleOf(deps: { db: Knex }, organisationId: string, options: { includeInactive?: boolean } = {}): Promise<Person[]> {
  return listPeople(deps.db, organisationId, options);
}

/** One person of the organisation's directory, or null. */
export function personOf(deps: { db: Knex }, organisationId: string, personId: string): Promise<Person | null> {
  return personById(deps.db, organisationId, personId);
}

export function staffUsersOf(deps: { db: Knex }, organisationId: string): Promise<User[]> {
  return listUsers(deps.db, organisationId);
}

/** One staff user of the organisation, or null. */
export function staffUserOf(deps: { db: Knex }, organisationId: string, userId: string): Promise<User | null> {
  return userById(deps.db, organisationId, userId);
}

export { USER_ROLES, type UserRole } from '../store/users.ts';

/** The organisation's PNG logo for the top of a staff mail (issue 12). */
export { mailLogoOf } from '../store/organisations.ts';
