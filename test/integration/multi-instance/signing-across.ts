/**
 * The scenario both blob-store files run: envelopes created through the API on alternating
 * instances, each signer's page fetched from one instance and the sign POST (with its CSRF token)
 * sent to the next, the two signers of one envelope at the same moment, so their signatures race
 * for the same document revision on different instances.
 */
import { expect } from 'chai';
import { createEnvelope, expectAllSigned, openSignPage, pool, postSign, signingLinks, startRun, type CreatedEnvelope, type MultiInstanceRun, type RunOptions } from './helpers.ts';

export async function createAcross(run: MultiInstanceRun, count: number, from = 0): Promise<CreatedEnvelope[]> {
  const n = run.cluster.instances.length;
  return pool(4, Array.from({ length: count }, (_, k) => () => createEnvelope(run, k % n, from + k)));
}

/** Signs every envelope's two signers, page from instance k, POST to instance k+1; answers what went wrong ([] when every POST answered 303). */
export async function signAcross(run: MultiInstanceRun, envelopes: CreatedEnvelope[], concurrency = 8): Promise<string[]> {
  const links = await signingLinks(run, envelopes);
  const urls = run.cluster.instances.map((instance) => instance.url);
  return pool(
    concurrency,
    links.map(({ token }, k) => async () => {
      const csrf = await openSignPage(urls[k % urls.length]!, token);
      const res = await postSign(urls[(k + 1) % urls.length]!, token, csrf);
      return res.status === 303 ? undefined : `sign on instance ${(k + 1) % urls.length}: ${res.status} ${/<title>([^<]*)<\/title>/.exec(await res.text())?.[1] ?? ""}`;
    }),
  ).then((failures) => failures.filter((failure): failure is string => failure !== undefined));
}

/** What a suite needs besides the cluster (the S3 server): its environment for the instances, and how to stop it. */
export interface Beside {
  env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A describe with one cluster for all its tests, started once (logs dumped when a test fails), whose
 * first test signs 16 envelopes across the instances; `more` adds tests on the same cluster.
 */
export function signingAcrossSuite(title: string, options: Omit<RunOptions, 'env'> & { beside?: () => Promise<Beside> }, more?: (context: { run(): MultiInstanceRun; beside(): Beside | undefined }) => void): void {
  describe(title, function () {
    this.timeout(240_000);
    let run: MultiInstanceRun | undefined;
    let beside: Beside | undefined;

    before(async () => {
      beside = await options.beside?.();
      run = await startRun({ ...options, env: { ...beside?.env } });
    });
    afterEach(function () {
      if (this.currentTest?.state === 'failed') run?.dumpLogs();
    });
    after(async () => {
      await run?.close();
      await beside?.close();
    });

    it('signs 16 envelopes concurrently across the instances: nothing lost, nothing twice, every PDF on every instance', async () => {
      const envelopes = await createAcross(run!, 16);
      const failures = await signAcross(run!, envelopes);
      expect(failures, 'sign requests that did not answer 303').to.deep.equal([]);
      await expectAllSigned(run!, envelopes);
    });

    more?.({ run: () => run!, beside: () => beside });
  });
}
