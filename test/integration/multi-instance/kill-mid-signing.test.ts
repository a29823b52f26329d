/**
 * Issue 11: kill -9 of one of three instances while sign requests are in flight on it. The client does
 * what a load balancer's retry (or the signer pressing the button again) does: it sends the same form
 * to another instance. Afterwards nothing is lost: every envelope completes, every PDF is valid, the
 * audit trail is clean, and every mail is delivered — at most once (issue 10's outbox): a mail the dead
 * instance had claimed comes back to another instance when its lease runs out; one it was handing to
 * SMTP at the kill becomes 'uncertain' for staff, never resent by itself.
 *
 * The same cluster shows that scheduled jobs run once across instances: an envelope past its
 * expires_at is expired once (one audit event, one mail per recipient) while three timers tick.
 */
import { expect } from 'chai';
import { OUTBOX_LEASE_MS } from '../../../src/store/knex-outbox-store.ts';
import { createEnvelope, expectAllSigned, expectMailsOnce, openSignPage, outboxDrained, pool, postSign, receivedMails, signingLinks, sleep, startRun, type CreatedEnvelope, type MultiInstanceRun } from './helpers.ts';
import { createAcross } from './signing-across.ts';

/** The 60 s expiry timer of src/server.ts (EXPIRY_INTERVAL_MS), plus slack for a loaded CI machine. */
const EXPIRY_TICK_MS = 60_000;
const VICTIM = 2;

if (process.env.TEST_DATABASE_URL) {
  describe('kill -9 of one instance mid-signing (issue 11)', function () {
    this.timeout(240_000);
    let run: MultiInstanceRun;
    let envelopes: CreatedEnvelope[];
    let expiring: CreatedEnvelope;
    let expiresAt: number;

    before(async () => {
      run = await startRun({ count: 3, blobStore: 'db' });
      expiresAt = Date.now() + 5_000;
      expiring = await createEnvelope(run, 1, 999, { title: 'Verloopt zo meteen', expiresAt: new Date(expiresAt).toISOString() });
    });
    afterEach(function () {
      if (this.currentTest?.state === 'failed') run?.dumpLogs();
    });
    after(async () => {
      await run?.close();
    });

    it('loses nothing: the form is sent again to another instance, every envelope completes', async () => {
      envelopes = await createAcross(run, 16);
      const links = await signingLinks(run, envelopes);
      const { instances } = run.cluster;
      const inFlight = instances.map(() => 0);
      let killed: Promise<void> | undefined;
      const outcomes = { retried: 0, retriedSigned: 0, retriedAlreadyDone: 0 };

      /** `fn` on instance `preferred`, or on the next live one when that one's connection fails. */
      const onLiveInstance = async <T>(preferred: number, fn: (i: number) => Promise<T>, onRetry?: () => void): Promise<T> => {
        for (let attempt = 0; attempt < instances.length; attempt++) {
          const i = (preferred + attempt) % instances.length;
          if (!instances[i]!.alive && attempt < instances.length - 1) continue;
          try {
            return await fn(i);
          } catch (error) {
            if (!(error instanceof TypeError)) throw error; // fetch failed: the connection, not the answer
            onRetry?.();
          }
        }
        throw new Error('no instance answered');
      };

      const failures = await pool(
        9,
        links.map(({ envelope, email, token }, k) => async () => {
          const csrf = await onLiveInstance(k % 3, (i) => openSignPage(instances[i]!.url, token));
          let retried = false;
          const res = await onLiveInstance(
            (k + 1) % 3,
            async (i) => {
              inFlight[i]!++;
              // Two sign requests in flight on the victim: now.
              if (i === VICTIM && inFlight[i]! >= 2 && !killed) killed = run.cluster.kill(VICTIM, 'SIGKILL');
              try {
                return await postSign(instances[i]!.url, token, csrf);
              } finally {
                inFlight[i]!--;
              }
            },
            () => {
              retried = true;
            },
          );
          if (retried) outcomes.retried++;
          if (res.status === 303) {
            if (retried) outcomes.retriedSigned++;
            return undefined;
          }
          // The first attempt committed before the kill and the envelope completed meanwhile: the link
          // is spent (410), and the recipient is signed — what the signer's result page would say.
          const recipient = (await (await run.api(0, `/api/v1/envelopes/${envelope.id}`)).json()) as { recipients: Array<{ email: string; status: string }> };
          if (retried && res.status === 410 && recipient.recipients.find((r) => r.email === email)?.status === 'signed') {
            outcomes.retriedAlreadyDone++;
            return undefined;
          }
          return `${email}: ${res.status}`;
        }),
      );
      expect(killed, 'the victim was killed with requests in flight').to.not.equal(undefined);
      await killed;
      expect(failures.filter(Boolean), 'sign requests that failed for good').to.deep.equal([]);
      expect(outcomes.retried, 'requests sent again after the kill').to.be.greaterThan(0);
      if (process.env.MULTI_INSTANCE_REPORT) console.log('kill -9 mid-signing:', outcomes);

      // A mail the victim claimed (lease) or was sending stays put until the lease runs out (5 min):
      // move those rows' clock by the lease, as waiting would, and let the live instances deliver.
      const leased = await run.db('outbox').where({ kind: 'mail', status: 'pending' }).andWhere('next_attempt_at', '>', new Date()).select('id', 'delivery_state');
      if (process.env.MULTI_INSTANCE_REPORT) console.log('mails held by the victim at the kill:', { claimed: leased.filter((r) => r.delivery_state === null).length, sending: leased.filter((r) => r.delivery_state === 'sending').length });
      if (leased.length > 0) {
        await run.db('outbox')
          .whereIn('id', leased.map((r) => r.id))
          .update({ next_attempt_at: run.db.raw(`next_attempt_at - interval '${OUTBOX_LEASE_MS} milliseconds'`) });
      }
      await outboxDrained(run.db, 60_000);

      // Signatures made by the victim point at its URL for their CRL: it comes back on the same port.
      await run.cluster.restart(VICTIM);
      await expectAllSigned(run, envelopes);
      const mails = await expectMailsOnce(run);
      if (process.env.MULTI_INSTANCE_REPORT) console.log('mails:', mails);
      // A mail is lost only if it was neither sent nor left 'uncertain' for staff: expectMailsOnce checked that.
      const stuck = await run.db('envelopes').whereIn('id', envelopes.map((e) => e.id)).whereNot({ status: 'completed' }).count({ n: '*' }).first();
      expect(Number(stuck!.n), 'envelopes not completed').to.equal(0);
    });

    it('expires a lapsed envelope once while the instances run the expiry timer', async () => {
      // Every instance running since before the deadline has ticked at least once after it (each ticks
      // EXPIRY_TICK_MS after it was ready); the victim, restarted later, is left out rather than waited for.
      const since = run.cluster.instances.filter((instance) => instance.readyAt < expiresAt);
      expect(since.length, 'instances whose timers raced for the expiry').to.be.at.least(2);
      const lastTick = Math.max(...since.map((instance) => {
        const ticks = Math.ceil((expiresAt - instance.readyAt) / EXPIRY_TICK_MS);
        return instance.readyAt + Math.max(ticks, 1) * EXPIRY_TICK_MS;
      }));
      await sleep(Math.max(0, lastTick + 5_000 - Date.now()));
      const events = await run.db('audit_events').where({ envelope_id: expiring.id, action: 'envelope.expired' }).count({ n: '*' }).first();
      expect(Number(events!.n), 'envelope.expired events').to.equal(1);
      const envelope = (await (await run.api(0, `/api/v1/envelopes/${expiring.id}`)).json()) as { status: string };
      expect(envelope.status).to.equal('expired');
      await outboxDrained(run.db);
      const expiredMails = (await receivedMails(run.smtp)).filter((m) => m.envelopeId === expiring.id && m.subject.startsWith('Verlopen: '));
      expect(expiredMails.map((m) => m.to).sort(), 'one expiry mail per recipient').to.deep.equal([...expiring.signers].sort());
      await expectMailsOnce(run);
    });
  });
}
