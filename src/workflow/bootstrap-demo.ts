/**
 * Development convenience: the first start on an empty database creates a demo organisation and
 * an API key, so `curl -H "Authorization: Bearer pk_…"` works straight away. The key is logged
 * once and only its hash is stored; production never runs this.
 */
import type { Logger } from '../logger.ts';
import { countOrganisations, createApiKey, createOrganisation, isUniqueViolation, withTransaction, type Knex } from '../store/index.ts';
import { isAppError } from '../errors.ts';

export const DEMO_ORGANISATION = { slug: 'demo', name: 'Demo-gemeente' } as const;

export interface BootstrapDemoOptions {
  logger: Pick<Logger, 'info'>;
  now?: Date;
}

/** Returns the demo API key when it created one, null when any organisation already existed. */
export async function bootstrapDemoOrganisation(db: Knex, options: BootstrapDemoOptions): Promise<string | null> {
  let key: string | null;
  try {
    key = await withTransaction(db, async (trx) => {
      if ((await countOrganisations(trx)) > 0) return null;
      const organisation = await createOrganisation(trx, { ...DEMO_ORGANISATION, now: options.now });
      const created = await createApiKey(trx, organisation.id, { name: 'demo', now: options.now });
      return created.plaintext;
    });
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if ((isAppError(error) && error.code === 'organisation_exists') || isUniqueViolation(error)) return null;
    throw error;
  }
  if (key) options.logger.info(`Demo organisation '${DEMO_ORGANISATION.slug}' created; API key: ${key}`);
  return key;
}
