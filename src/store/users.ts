/**
 * Staff users of an organisation (DESIGN §3): roles `admin` | `staff`, a scrypt password,
 * and a back-off after repeated failed logins, per account (organisation and user): after
 * MAX_FAILED_LOGINS failures in a row each further one closes the account for LOCK_MS, doubling,
 * at most MAX_LOCK_MS. Attempts while it is closed are not checked and do not count, so hammering
 * does not extend it, and the right password after it works (issue 10). The per-IP side, which
 * keeps one outsider from re-closing it, is src/http/staff/login-throttle.ts.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../errors.ts';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, normaliseEmail, type Language } from '../domain/person.ts';
import { hashPassword, verifyPasswordHash } from './passwords.ts';
import { mailLogoOf, type MailLogo } from './organisations.ts';
import { fromJson, isoTimestamp, isPostgres, isUniqueViolation, isUuid, toIso, type Db } from './sql.ts';

export type UserRole = 'admin' | 'staff';
export const USER_ROLES: readonly UserRole[] = ['admin', 'staff'];

/** After this many failed logins in a row the account backs off: LOCK_MS, doubling with each further failure, at most MAX_LOCK_MS. */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 1_000;
export const MAX_LOCK_MS = 60_000;

/** How long the account stays closed after its `failures`-th failure in a row (0 before MAX_FAILED_LOGINS). */
export function loginBackoffMs(failures: number): number {
  if (failures < MAX_FAILED_LOGINS) return 0;
  return Math.min(MAX_LOCK_MS, LOCK_MS * 2 ** Math.min(failures - MAX_FAILED_LOGINS, 30));
}

export interface User {
  id: string;
  organisationId: string;
  email: string;
  name: string | null;
  role: UserRole;
  /** The language of the staff app once logged in, and of every mail to this user (issue 12). */
  language: Language;
  hasPassword: boolean;
  /** Set for a password someone else chose (the CLI's one-time password): change it before anything else. */
  mustChangePassword: boolean;
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
  language?: string | null;
  password_hash: string | null;
  must_change_password?: boolean | number | null;
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
    language: row.language && isLanguage(row.language) ? row.language : DEFAULT_LANGUAGE,
    hasPassword: row.password_hash !== null,
    mustChangePassword: Boolean(row.must_change_password),
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
  /** Dutch unless said otherwise. */
  language?: Language;
  /** Without one the user cannot log in until a password is set. */
  password?: string;
  /** The password was chosen for the user (the CLI): they must change it at first login. */
  mustChangePassword?: boolean;
  now?: Date;
}

export async function createUser(db: Db, organisationId: string, options: CreateUserOptions): Promise<User> {
  const email = normaliseEmail(options.email);
  if (!email) throw new ValidationError(`Invalid e-mail address '${options.email}'.`);
  if (!USER_ROLES.includes(options.role)) throw new ValidationError(`Invalid role '${options.role}': use admin or staff.`);
  const language = options.language ?? DEFAULT_LANGUAGE;
  if (!isLanguage(language)) throw new ValidationError(`Invalid language '${language}': use ${LANGUAGES.join(', ')}.`);
  const row: UserRow = {
    id: randomUUID(),
    organisation_id: organisationId,
    email,
    name: options.name?.trim() || null,
    role: options.role,
    language,
    password_hash: options.password === undefined ? null : await hashPassword(options.password),
    must_change_password: options.password !== undefined && options.mustChangePassword === true,
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

/** A password the user chose themselves: it also clears `mustChangePassword`. */
export async function setUserPassword(db: Db, organisationId: string, userId: string, password: string): Promise<void> {
  const password_hash = await hashPassword(password);
  await db('users').where({ organisation_id: organisationId, id: userId }).update({ password_hash, failed_logins: 0, locked_until: null, must_change_password: false });
}

/** Whether `password` is the user's current one (no lockout counting): a forced change must pick another. */
export async function isCurrentPassword(db: Db, organisationId: string, userId: string, password: string): Promise<boolean> {
  if (!isUuid(userId)) return false;
  const row = await db<UserRow>('users').where({ organisation_id: organisationId, id: userId }).first('password_hash');
  return row?.password_hash ? verifyPasswordHash(password, row.password_hash) : false;
}

/** Verified against when there is no user, so the time taken does not reveal which e-mails exist. */
const DUMMY_HASH = `scrypt$${2 ** 15}$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;

/** What a password check found, without recording anything (`recordLoginFailure`, `recordLoginSuccess`). */
export type PasswordCheck =
  | { result: 'ok'; user: User }
  | { result: 'wrong'; user: User }
  /** The account is backing off until `until`: the password was not even checked. */
  | { result: 'backoff'; user: User; until: string }
  /** No such user here, no password set, or disabled. */
  | { result: 'none' };

export async function checkPassword(db: Db, organisationId: string, email: string, password: string, options: { now?: Date } = {}): Promise<PasswordCheck> {
  const now = options.now ?? new Date();
  const normalised = normaliseEmail(email);
  const row = normalised ? await db<UserRow>('users').where({ organisation_id: organisationId, email: normalised }).first() : undefined;
  if (!row || row.password_hash === null || row.disabled_at !== null) {
    await verifyPasswordHash(password, DUMMY_HASH);
    return { result: 'none' };
  }
  const user = toUser(row);
  if (user.lockedUntil !== null && Date.parse(user.lockedUntil) > now.getTime()) return { result: 'backoff', user, until: user.lockedUntil };
  return (await verifyPasswordHash(password, row.password_hash)) ? { result: 'ok', user } : { result: 'wrong', user };
}

/** Counts a wrong password on this account; returns until when it now backs off (null: not yet). */
export async function recordLoginFailure(db: Db, organisationId: string, userId: string, now: Date): Promise<string | null> {
  const where = { id: userId, organisation_id: organisationId };
  // Increment in SQL so concurrent failures all count.
  await db('users').where(where).update({ failed_logins: db.raw('failed_logins + 1') });
  const row = await db<UserRow>('users').where(where).first('failed_logins');
  const backoff = loginBackoffMs(Number(row?.failed_logins ?? 0));
  if (backoff === 0) return null;
  const until = isoTimestamp(new Date(now.getTime() + backoff));
  await db('users').where(where).update({ locked_until: until });
  return until;
}

/** The right password: the account's failure count starts over. */
export async function recordLoginSuccess(db: Db, user: User): Promise<User> {
  if (user.failedLogins === 0 && user.lockedUntil === null) return user;
  await db('users').where({ id: user.id, organisation_id: user.organisationId }).update({ failed_logins: 0, locked_until: null });
  return { ...user, failedLogins: 0, lockedUntil: null };
}

/**
 * The user these credentials belong to, or null: unknown e-mail, wrong password, no password
 * set, disabled, or backing off. A wrong password counts towards the back-off; a right one resets it.
 */
export async function verifyPassword(db: Db, organisationId: string, email: string, password: string, options: { now?: Date } = {}): Promise<User | null> {
  const now = options.now ?? new Date();
  const check = await checkPassword(db, organisationId, email, password, { now });
  if (check.result === 'ok') return recordLoginSuccess(db, check.user);
  if (check.result === 'wrong') await recordLoginFailure(db, organisationId, check.user.id, now);
  return null;
}

export async function listUsers(db: Db, organisationId: string): Promise<User[]> {
  const rows = await db<UserRow>('users').where({ organisation_id: organisationId }).orderBy([{ column: 'email' }]);
  return rows.map(toUser);
}

/** The user's language (issue 12); false when there is no such user here. */
export async function setUserLanguage(db: Db, organisationId: string, userId: string, language: Language): Promise<boolean> {
  if (!isUuid(userId) || !isLanguage(language)) return false;
  return (await db('users').where({ organisation_id: organisationId, id: userId }).update({ language })) > 0;
}

/**
 * The enabled admins of the organisation, by e-mail: who hears of an envelope sent through the API (issue 12).
 * `forUpdate` locks their rows until the transaction ends (PostgreSQL; SQLite's `BEGIN IMMEDIATE` holds the one write
 * lock already), always in this order, so two such transactions never wait for each other: a change that takes an
 * admin's rights away counts who else is left, and two at once are taken one after the other (last-admin.ts).
 */
export async function activeAdminsOf(db: Db, organisationId: string, options: { forUpdate?: boolean } = {}): Promise<User[]> {
  const query = db<UserRow>('users').where({ organisation_id: organisationId, role: 'admin' }).whereNull('disabled_at').orderBy('email');
  if (options.forUpdate && isPostgres(db)) query.forUpdate();
  return (await query).map(toUser);
}

/** Disables the user (they can no longer log in); false when there is no such user here. */
export async function disableUser(db: Db, organisationId: string, id: string, now: Date): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db('users').where({ organisation_id: organisationId, id }).whereNull('disabled_at').update({ disabled_at: isoTimestamp(now) })) > 0;
}

/** An admin's change to a colleague's role and language; false when there is no such user here. */
export async function setUserRoleAndLanguage(db: Db, organisationId: string, id: string, changes: { role: UserRole; language: Language }): Promise<boolean> {
  if (!isUuid(id) || !USER_ROLES.includes(changes.role) || !isLanguage(changes.language)) return false;
  return (await db('users').where({ organisation_id: organisationId, id }).update({ role: changes.role, language: changes.language })) > 0;
}

/** Lets a disabled user log in again (with their password, or one they set through "forgotten"); false when there is no such disabled user here. */
export async function enableUser(db: Db, organisationId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db('users').where({ organisation_id: organisationId, id }).whereNotNull('disabled_at').update({ disabled_at: null })) > 0;
}

/** Every enabled user with this e-mail, in any organisation, with the organisation's name (staff login). */
export async function usersByEmailEverywhere(db: Db, email: string): Promise<Array<User & { organisationName: string; organisationLogo: MailLogo | null }>> {
  const normalised = normaliseEmail(email);
  if (!normalised) return [];
  const rows = await db('users')
    .join('organisations', 'organisations.id', 'users.organisation_id')
    .where({ 'users.email': normalised })
    .whereNull('users.disabled_at')
    .select('users.*', 'organisations.name as organisation_name', 'organisations.settings as organisation_settings')
    .orderBy('organisations.name');
  return rows.map((row: UserRow & { organisation_name: string; organisation_settings: unknown }) => ({
    ...toUser(row),
    organisationName: row.organisation_name,
    organisationLogo: mailLogoOf(fromJson<Record<string, unknown> | null>(row.organisation_settings)),
  }));
}
