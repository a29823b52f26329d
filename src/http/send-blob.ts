/**
 * Sends a stored blob as the response body, streamed from the blob store (issue 11). The length is
 * known up front; when the store's check fails at the end (blob_corrupt) the connection is cut, so
 * the client sees a broken download, never a whole file of the wrong bytes.
 */
import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function sendBlob(req: Request, res: Response, body: Readable, size: number): Promise<void> {
  // What res.send did for a Buffer: a client that has this ETag already gets 304 without the bytes.
  if (req.fresh) {
    body.destroy();
    res.status(304).end();
    return;
  }
  res.set('Content-Length', String(size));
  await sendStream(res, body);
}

/**
 * Pipes `body` to the response with the headers already set. Without a Content-Length the answer is
 * chunked, so a body that fails on its way ends without the last chunk: a broken download to the client.
 * A failure the caller can know of beforehand (a missing blob) must be found before this, while a problem can still be answered.
 */
export async function sendStream(res: Response, body: Readable): Promise<void> {
  try {
    await pipeline(body, res);
  } catch (error) {
    // The client went away: nothing to tell anyone. Anything else goes to the error handler, which logs it and closes.
    if ((error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE' && res.destroyed) return;
    throw error;
  }
}
