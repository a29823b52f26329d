/**
 * Staff users of an organisation (DESIGN §3): roles `admin` | `staff`, a scrypt password,
 * and a lockout after repeated failed logins.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../errors.ts';
import { normaliseEmail } from '../domain/person.ts';
import { hashPassword, verifyPasswordHash } from './passwords.ts';
import { isoTimestamp, isUniqueViolation, isUuid, toIso, type Db } from './sql.ts';

export type UserRole = 'admin' | 'staff';
export const USER_ROLES: readonly UserRole[] = ['admin', 'staff'];

/** After this many failed logins in a row, the account is locked for LOCK_MS. */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60_000;

export interface User {
  id: string;
  organisationId: string;
  email: string;
  name: string | null;
  role: UserRole;
  hasPassword: boolean;
  failedLogins: number;
  lockedUntil: string | null;
  createdAt: string;
  disabledAt: string | null;
}

interface UserRow {
  id: string;
  organisation_id: string;
  email: string;
  name: string | null;
  role: UserRole;
  password_hash: string | null;
  failed_logins: number;
  locked_until: unknown;
  created_at: unknown;
  disabled_at: unknown;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    email: row.email,
    name: row.name,
    role: row.role,
    hasPassword: row.password_hash !== null,
    failedLogins: Number(row.failed_logins),
    lockedUntil: toIso(row.locked_until, 'nullable'),
    createdAt: toIso(row.created_at),
    disabledAt: toIso(row.disabled_at, 'nullable'),
  };
}

export interface CreateUserOptions {
  email: string;
  role: UserRole;
  name?: string | null;
  /** Without one the user cannot log in until a password is set. */
  password?: string;
  now?: Date;
}

export async function createUser(db: Db, organisationId: string, options: CreateUserOptions): Promise<User> {
  const email = normaliseEmail(options.email);
  if (!email) throw new ValidationError(`Invalid e-mail address '${options.email}'.`);
  if (!USER_ROLES.includes(options.role)) throw new ValidationError(`Invalid role '${options.role}': use admin or staff.`);
  const row: UserRow = {
    id: randomUUID(),
    organisation_id: organisationId,
    email,
    name: options.name?.trim() || null,
    role: options.role,
    password_hash: options.password === undefined ? null : await hashPassword(options.password),
    failed_logins: 0,
    locked_until: null,
    created_at: isoTimestamp(options.now ?? new Date()),
    disabled_at: null,
  };
  if (await userByEmail(db, organisationId, email)) throw userExists(email);
  try {
    await db('users').insert(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw userExists(email);
    throw error;
  }
  return toUser(row);
}

function userExists(email: string): ConflictError {
  return new ConflictError('user_exists', `A user with e-mail ${email} already exists in this organisation.`);
}

export async function userByEmail(db: Db, organisationId: string, email: string): Promise<User | null> {
  const normalised = normaliseEmail(email);
  if (!normalised) return null;
  const row = await db<UserRow>('users').where({ organisation_id: organisationId, email: normalised }).first();
  return row ? toUser(row) : null;
}

export async function userById(db: Db, organisationId: string, id: string): Promise<User | null> {
  if (!isUuid(id)) return null;
  const row = await db<UserRow>('users').where({ organisation_id: organisationId, id }).first();
  return row ? toUser(row) : null;
}

export async function setUserPassword(db: Db, organisationId: string, userId: string, password: string): Promise<void> {
  const password_hash = await hashPassword(password);
  await db('users').where({ organisation_id: organisationId, id: userId }).update({ password_hash, failed_logins: 0, locked_until: null });
}

/** Verified against when there is no user, so the time taken does not reveal which e-mails exist. */
const DUMMY_HASH = `scrypt$${2 ** 15}$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;

/**
 * The user these credentials belong to, or null: unknown e-mail, wrong password, no password
 * set, disabled, or locked. A wrong password counts towards the lockout; a right one resets it.
 */
export async function verifyPassword(db: Db, organisationId: string, email: string, password: string, options: { now?: Date } = {}): Promise<User | null> {
  const now = options.now ?? new Date();
  const normalised = normaliseEmail(email);
  const row = normalised ? await db<UserRow>('users').where({ organisation_id: organisationId, email: normalised }).first() : undefined;
  if (!row || row.password_hash === null || row.disabled_at !== null) {
    await verifyPasswordHash(password, DUMMY_HASH);
    return null;
  }
  if (row.locked_until !== null && Date.parse(toIso(row.locked_until)) > now.getTime()) return null;

  if (!(await verifyPasswordHash(password, row.password_hash))) {
    const failed = Number(row.failed_logins) + 1;
    const locked_until = failed >= MAX_FAILED_LOGINS ? isoTimestamp(new Date(now.getTime() + LOCK_MS)) : null;
    // Increment in SQL so concurrent failures all count.
    await db('users')
      .where({ id: row.id, organisation_id: organisationId })
      .update({ failed_logins: db.raw('failed_logins + 1'), ...(locked_until ? { locked_until } : {}) });
    return null;
  }
  if (Number(row.failed_logins) !== 0 || row.locked_until !== null) {
    await db('users').where({ id: row.id, organisation_id: organisationId }).update({ failed_logins: 0, locked_until: null });
    row.failed_logins = 0;
    row.locked_until = null;
  }
  return toUser(row);
}

export async function listUsers(db: Db, organisationId: string): Promise<User[]> {
  const rows = await db<UserRow>('users').where({ organisation_id: organisationId }).orderBy([{ column: 'email' }]);
  return rows.map(toUser);
}

/** Disables the user (they can no longer log in); false when there is no such user here. */
export async function disableUser(db: Db, organisationId: string, id: string, now: Date): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db('users').where({ organisation_id: organisationId, id }).whereNull('disabled_at').update({ disabled_at: isoTimestamp(now) })) > 0;
}

/** Every enabled user with this e-mail, in any organisation, with the organisation's name (staff login). */
export async function usersByEmailEverywhere(db: Db, email: string): Promise<Array<User & { organisationName: string }>> {
  const normalised = normaliseEmail(email);
  if (!normalised) return [];
  const rows = await db('users')
    .join('organisations', 'organisations.id', 'users.organisation_id')
    .where({ 'users.email': normalised })
    .whereNull('users.disabled_at')
    .select('users.*', 'organisations.name as organisation_name')
    .orderBy('organisations.name');
  return rows.map((row: UserRow & { organisation_name: string }) => ({ ...toUser(row), organisationName: row.organisation_name }));
}
