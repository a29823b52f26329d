/**
 * Reading answers of services we call over HTTP (TSA, OCSP responders and CRL distribution points, remote signing
 * services): bodies bounded in size whatever the server declares, and fetch failures said with their reason.
 */

/**
 * The body, read as a stream and abandoned past `maxBytes`; null when it is larger (declared or seen), and then
 * not downloaded further.
 */
export async function readBounded(response: Response, maxBytes: number): Promise<Buffer | null> {
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) {
    await response.body?.cancel();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop early cancels the stream (the async iterator's return()): the rest is never downloaded.
    if (size > maxBytes) return null;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** fetch failures hide the reason (ECONNREFUSED, a redirect, a timeout) in `cause`. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer within the timeout';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause ? `${error.message} (${cause.code ?? cause.message ?? String(cause)})` : error.message;
}
