/**
 * Who an API key is (issue 10: routes translate HTTP only): the organisation and key of a live key,
 * or null for a malformed, unknown or revoked one. Notes when the key was last used (coarsely, so
 * not every request writes), as the store did for the middleware before.
 */
import type { Knex } from 'knex';
import { authenticateApiKey as keyPrincipal, type ApiKeyPrincipal } from '../store/api-keys.ts';

export type { ApiKeyPrincipal } from '../store/api-keys.ts';

/** The principal of a presented API key, or null when it does not authenticate. */
export function authenticateApiKey(deps: { db: Knex }, plaintext: string): Promise<ApiKeyPrincipal | null> {
  return keyPrincipal(deps.db, plaintext);
}
