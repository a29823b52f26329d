/**
 * Reads the staff login pages need before a use case runs (issue 10: routes translate HTTP only):
 * the accounts an e-mail has, a password check that records nothing (the outcome is recorded by
 * logInStaffUser, recordFailedLogin or acceptRightPassword), and whether a mailed password link is live.
 */
import type { Knex } from 'knex';
import { livePasswordToken } from '../store/sessions.ts';
import { checkPassword, usersByEmailEverywhere, type PasswordCheck, type User } from '../store/users.ts';

export type { PasswordCheck, User } from '../store/users.ts';

/** Every enabled account with this e-mail that has a password, in any organisation, with the organisation's name. */
export async function loginCandidates(deps: { db: Knex }, email: string): Promise<Array<User & { organisationName: string }>> {
  return (await usersByEmailEverywhere(deps.db, email)).filter((u) => u.hasPassword);
}

/** Checks the password of one account (a dummy hash when there is none, so timing tells nothing); records nothing. */
export function checkStaffPassword(deps: { db: Knex }, organisationId: string, email: string, password: string, now?: Date): Promise<PasswordCheck> {
  return checkPassword(deps.db, organisationId, email, password, now === undefined ? {} : { now });
}

/** Whether a mailed password link (reset or invitation) can still be used. */
export async function passwordLinkIsLive(deps: { db: Knex; clock: () => Date }, token: string): Promise<boolean> {
  return (await livePasswordToken(deps.db, token, deps.clock())) !== null;
}
