/**
 * The staff session behind a cookie (issue 10: routes translate HTTP only): the live session of a
 * token (opening it renews its idle expiry, as before), then its user and organisation. The middleware
 * decides what a disabled user or a missing row means.
 */
import type { Knex } from 'knex';
import { organisationById, type Organisation } from '../store/organisations.ts';
import { openSession, type StaffSession } from '../store/sessions.ts';
import { userById, type User } from '../store/users.ts';

export { SESSION_ABSOLUTE_MS } from '../store/sessions.ts';

export interface OpenedStaffSession {
  session: StaffSession;
  user: User | null;
  organisation: Organisation | null;
}

/** The live session of a cookie token with its user and organisation, or null when there is no live session. */
export async function openStaffSession(deps: { db: Knex; clock: () => Date }, token: string): Promise<OpenedStaffSession | null> {
  const session = await openSession(deps.db, token, deps.clock());
  if (!session) return null;
  const [user, organisation] = await Promise.all([userById(deps.db, session.organisationId, session.userId), organisationById(deps.db, session.organisationId)]);
  return { session, user, organisation };
}
