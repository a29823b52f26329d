/**
 * An organisation keeps at least one active admin: nobody else can manage its users. A change that takes an admin's
 * rights away (made staff, deactivated) is refused, 409 `last_admin`, when no other active admin would be left.
 * Nobody changes their own role or deactivates themselves, so one at a time this cannot happen; it guards two admins
 * who demote or deactivate each other at the same moment: counted under a lock on the admin rows, the second change
 * sees the first and is refused.
 */
import type { Knex } from 'knex';
import { ConflictError } from '../errors.ts';
import { activeAdminsOf } from '../store/users.ts';

export async function assertAnotherAdminRemains(trx: Knex.Transaction, organisationId: string, userId: string): Promise<void> {
  const admins = await activeAdminsOf(trx, organisationId, { forUpdate: true });
  if (!admins.some((admin) => admin.id !== userId)) {
    throw new ConflictError('last_admin', "This is the organisation's last active administrator: make someone else administrator first.");
  }
}
