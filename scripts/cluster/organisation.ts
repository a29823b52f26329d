/**
 * An organisation and an API key in the cluster's database, written with the store functions the
 * CLI's `org create` and `api-key create` use (no process per call). Run it after startCluster():
 * the first instance has applied the migrations by then.
 */
import { randomUUID } from 'node:crypto';
import { createApiKey, createDb, createOrganisation } from '../../src/store/index.ts';

export interface ClusterOrganisation {
  id: string;
  slug: string;
  name: string;
  /** `pk_…`, for `Authorization: Bearer`. */
  apiKey: string;
}

export async function createOrganisationWithKey(databaseUrl: string, options: { name: string; slug?: string }): Promise<ClusterOrganisation> {
  const db = createDb({ client: 'pg', url: databaseUrl });
  try {
    const organisation = await createOrganisation(db, { slug: options.slug ?? `org-${randomUUID().slice(0, 8)}`, name: options.name });
    const key = await createApiKey(db, organisation.id, { name: 'cluster' });
    return { id: organisation.id, slug: organisation.slug, name: organisation.name, apiKey: key.plaintext };
  } finally {
    await db.destroy();
  }
}
