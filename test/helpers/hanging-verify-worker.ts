/**
 * The verify worker, except that a file starting with `%HANG` keeps it busy for ever (a stand-in for
 * a file that takes unbounded time): the pool must stop it at its time limit, and the HTTP thread must
 * answer other requests meanwhile. Every other file is verified by the real worker.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (message: { type: string; path?: string; pdf?: Uint8Array }) => {
  if (message.type !== 'verify') return;
  const head = message.path !== undefined ? readFileSync(message.path).subarray(0, 5) : Buffer.from(message.pdf!.subarray(0, 5));
  if (head.toString('latin1') !== '%HANG') return;
  for (;;) {
    // Busy, as a path search or a decompression would be: only terminate() ends this.
  }
});

await import('../../src/pades/verify-worker.ts');
