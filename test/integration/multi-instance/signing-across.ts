/**
 * The scenario both blob-store files run: envelopes created through the API on alternating
 * instances, each signer's page fetched from one instance and the sign POST (with its CSRF token)
 * sent to the next, the two signers of one envelope at the same moment, so their signatures race
 * for the same document revision on different instances.
 */
import { createEnvelope, openSignPage, pool, postSign, signingLinks, type CreatedEnvelope, type MultiInstanceRun } from './helpers.ts';

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
