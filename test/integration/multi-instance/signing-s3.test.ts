/**
 * Issue 11: two and three real instances on one PostgreSQL database, each with its own DATA_DIR,
 * documents in S3-compatible object storage (BLOB_STORE=s3, a real s3rver started here). Then the
 * object store goes away: every instance says so on /readyz (503, the probe a load balancer asks),
 * while a signature attempted meanwhile fails clearly and leaves its envelope as it was.
 */
import { expect } from 'chai';
import { startS3Server } from '../../helpers/s3-server.ts';
import { openSignPage, postSign, signingLinks } from './helpers.ts';
import { createAcross, signingAcrossSuite } from './signing-across.ts';

if (process.env.TEST_DATABASE_URL) {
  for (const count of [2, 3]) {
    signingAcrossSuite(`${count} instances on one PostgreSQL, BLOB_STORE=s3 (issue 11)`, { count, blobStore: 's3', beside: () => startS3Server() }, ({ run: current, beside }) => {
      if (count !== 3) return;
      it('answers 503 on /readyz on every instance once the object store is gone, and a signature then changes nothing', async () => {
        const run = current();
        const [envelope] = await createAcross(run, 1, 100);
        const [link] = await signingLinks(run, [envelope!]);
        const csrf = await openSignPage(run.cluster.instances[0]!.url, link!.token);
        const envelopeNow = async () => (await (await run.api(2, `/api/v1/envelopes/${envelope!.id}`)).json()) as { status: string; recipients: Array<{ status: string }> };
        const before = await envelopeNow();
        await beside()!.close();

        for (const instance of run.cluster.instances) {
          const ready = await fetch(`${instance.url}/readyz`);
          expect(ready.status, `instance ${instance.index}`).to.equal(503);
          expect(((await ready.json()) as { code: string }).code).to.equal('blob_store_unavailable');
          expect((await fetch(`${instance.url}/healthz`)).status, 'alive, only not ready').to.equal(200);
        }
        const signed = await postSign(run.cluster.instances[1]!.url, link!.token, csrf);
        expect(signed.status, 'a signature without its document store').to.be.within(500, 599);
        expect(signed.headers.get('content-type'), 'the signer gets a page that says so').to.match(/^text\/html/);
        expect(await envelopeNow(), 'the envelope as it was').to.deep.equal(before);
        const events = await run.db('audit_events').where({ envelope_id: envelope!.id, action: 'recipient.signed' }).count({ n: '*' }).first();
        expect(Number(events!.n)).to.equal(0);
      });
    });
  }
}
