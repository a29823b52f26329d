/**
 * The outbox across instances (issue 11, DESIGN §8): two pools on one PostgreSQL schema claim due rows at the
 * same moment and never get the same one (FOR UPDATE SKIP LOCKED), and the rows an instance claimed before
 * it was killed come back to another instance when the claim's lease runs out. PostgreSQL pass only.
 */
import { expect } from 'chai';
import { createOrganisation, migrateToLatest } from '../../../src/store/index.ts';
import { createKnexOutboxStore, enqueueOutbox, OUTBOX_LEASE_MS } from '../../../src/store/knex-outbox-store.ts';
import { createPgSchema, type PgSchema } from '../../helpers/pg-schema.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;

if (postgresUrl) {
  describe('outbox claims across instances (issue 11)', () => {
    let pg: PgSchema;
    afterEach(() => pg?.drop());

    it('hands each due row to one instance, and a killed instance’s rows to another after the lease', async () => {
      pg = await createPgSchema(postgresUrl);
      const [first, second] = [pg.pool(), pg.pool()];
      await migrateToLatest(first);
      const organisation = await createOrganisation(first, { slug: 'menen', name: 'Stad Menen' });
      const now = new Date('2026-12-06T09:00:00Z');
      for (let n = 0; n < 12; n++) await enqueueOutbox(first, { organisationId: organisation.id, kind: 'webhook', payload: { n }, event: 'envelope.sent', now: new Date(now.getTime() - 1000) });
      const [one, two] = [createKnexOutboxStore(first), createKnexOutboxStore(second)];

      const claims = await Promise.all([one.claimDue(now, 4), two.claimDue(now, 4), one.claimDue(now, 4), two.claimDue(now, 4)]);
      const ids = claims.flat().map((item) => item.id);
      expect(ids).to.have.length(12);
      expect(new Set(ids).size).to.equal(12);

      // The first instance is killed with its claims undelivered: nothing is due again until the lease runs out…
      await first.destroy();
      expect(await two.claimDue(new Date(now.getTime() + OUTBOX_LEASE_MS - 1000), 20)).to.deep.equal([]);
      // …then the second instance gets every row nobody delivered, the killed instance's among them.
      const retaken = await two.claimDue(new Date(now.getTime() + OUTBOX_LEASE_MS + 1000), 20);
      expect(retaken.map((item) => item.id).sort()).to.deep.equal([...claims[0]!, ...claims[2]!, ...claims[1]!, ...claims[3]!].map((item) => item.id).sort());
    });
  });
}
