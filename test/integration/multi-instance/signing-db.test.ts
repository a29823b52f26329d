/**
 * Issue 11: two and three real instances on one PostgreSQL database, each with its own DATA_DIR,
 * documents in the database (BLOB_STORE=db). On the former main (BLOB_STORE=fs, a DATA_DIR per
 * instance) this scenario failed 22 of its 32 sign requests with 500 (blob_missing) on three instances.
 */
import { expect } from 'chai';
import { expectAllSigned, startRun, type MultiInstanceRun } from './helpers.ts';
import { createAcross, signAcross } from './signing-across.ts';

if (process.env.TEST_DATABASE_URL) {
  for (const count of [2, 3]) {
    describe(`${count} instances on one PostgreSQL, BLOB_STORE=db (issue 11)`, function () {
      this.timeout(240_000);
      let run: MultiInstanceRun;

      before(async () => {
        run = await startRun({ count, blobStore: 'db' });
      });
      afterEach(function () {
        if (this.currentTest?.state === 'failed') run?.dumpLogs();
      });
      after(async () => {
        await run?.close();
      });

      it('signs 16 envelopes concurrently across the instances: nothing lost, nothing twice, every PDF on every instance', async () => {
        const envelopes = await createAcross(run, 16);
        const failures = await signAcross(run, envelopes);
        expect(failures, 'sign requests that did not answer 303').to.deep.equal([]);
        await expectAllSigned(run, envelopes);
      });
    });
  }
}
