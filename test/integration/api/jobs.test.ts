import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { bootstrap } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from './helpers.ts';

describe('background jobs', function () {
  this.timeout(60_000);

  it('run by hand: the outbox delivers the sign request, expiry finds nothing due', async () => {
    const app = await bootstrap({ pki: await devPki() });
    try {
      const org = await createOrganisation(app.deps.db, { slug: `jobs-${randomUUID().slice(0, 8)}`, name: 'Jobs' });
      const { plaintext } = await createApiKey(app.deps.db, org.id, { name: 'k' });
      const res = await request(app.url)
        .post('/api/v1/envelopes')
        .set({ Authorization: `Bearer ${plaintext}` })
        .field('envelope', JSON.stringify({ title: 'T', recipients: [{ name: 'An Peeters', email: 'an@example.be', role: 'signer', order: 1 }], send: true }))
        .attach('documents', fixture('reportlab-decision.pdf'), 'a.pdf');
      expect(res.status).to.equal(201);
      const run = await app.handle.jobs.outbox.runOnce();
      expect(run.delivered).to.be.at.least(1);
      expect(await app.handle.jobs.expire()).to.deep.equal({ expired: [], failed: 0 });
    } finally {
      await app.close();
    }
  });

  it('started with the server and stopped by close()', async () => {
    const app = await bootstrap({ backgroundJobs: true });
    await app.close();
  });
});
