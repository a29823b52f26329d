/**
 * Issue 11: two and three real instances on one PostgreSQL database, each with its own DATA_DIR,
 * documents in S3-compatible object storage (BLOB_STORE=s3, a real s3rver started here). Then the
 * object store goes away: every instance says so on /readyz (503, the probe a load balancer asks),
 * while a signature attempted meanwhile fails clearly and leaves its envelope as it was.
 */
import { expect } from 'chai';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.ts';
import { expectAllSigned, openSignPage, postSign, signingLinks, startRun, type MultiInstanceRun } from './helpers.ts';
import { createAcross, signAcross } from './signing-across.ts';

if (process.env.TEST_DATABASE_URL) {
  for (const count of [2, 3]) {
    describe(`${count} instances on one PostgreSQL, BLOB_STORE=s3 (issue 11)`, function () {
      this.timeout(240_000);
      let s3: S3TestServer;
      let run: MultiInstanceRun;

      before(async () => {
        s3 = await startS3Server();
        run = await startRun({ count, blobStore: 's3', env: { ...s3.env } });
      });
      afterEach(function () {
        if (this.currentTest?.state === 'failed') run?.dumpLogs();
      });
      after(async () => {
        await run?.close();
        await s3?.close();
      });

      it('signs 16 envelopes concurrently across the instances: nothing lost, nothing twice, every PDF on every instance', async () => {
        const envelopes = await createAcross(run, 16);
        const failures = await signAcross(run, envelopes);
        expect(failures, 'sign requests that did not answer 303').to.deep.equal([]);
        await expectAllSigned(run, envelopes);
      });

      if (count === 3) {
        it('answers 503 on /readyz on every instance once the object store is gone, and a signature then changes nothing', async () => {
          const [envelope] = await createAcross(run, 1, 100);
          const [link] = await signingLinks(run, [envelope!]);
          const csrf = await openSignPage(run.cluster.instances[0]!.url, link!.token);
          const envelopeNow = async () => (await (await run.api(2, `/api/v1/envelopes/${envelope!.id}`)).json()) as { status: string; recipients: Array<{ status: string }> };
          const before = await envelopeNow();
          await s3.close();

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
      }
    });
  }
}
