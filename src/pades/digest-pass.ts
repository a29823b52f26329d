/**
 * Digests of every signature's ByteRange in one pass over the file per hash algorithm, instead of
 * one pass per signature. A later revision's ByteRange includes an earlier signature's /Contents,
 * so one running hash reads the file from the start and, at each signature's gap, a copy of its
 * state (`hash.copy()`) takes over that signature: the copy skips the gap and reads only the rest
 * of its own revision. A file with n signatures of size s costs ≈ s bytes hashed, not n × s.
 */
import { createHash, type Hash } from 'node:crypto';
import type { DigestName } from './cms-algorithms.ts';

interface Fork {
  index: number;
  gapStart: number;
  gapEnd: number;
  end: number;
  hash?: Hash;
}

/** [0, a, b, c] with a ≤ b and b + c within the file: the only shape the shared pass handles. */
function forkOf(index: number, byteRange: readonly number[], size: number): Fork | null {
  if (byteRange.length !== 4 || byteRange[0] !== 0 || !byteRange.every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
  const [, a, b, c] = byteRange;
  if (a > b || b + c > size) return null;
  return { index, gapStart: a, gapEnd: b, end: b + c };
}

/** Any other ByteRange, hashed on its own (clamped to the file, as before). */
function digestAlone(pdf: Buffer, byteRange: readonly number[], name: DigestName): Buffer {
  const h = createHash(name);
  for (let i = 0; i + 1 < byteRange.length; i += 2) {
    const start = Math.max(0, byteRange[i]);
    h.update(pdf.subarray(start, Math.min(pdf.length, start + Math.max(0, byteRange[i + 1]))));
  }
  return h.digest();
}

function sharedPass(pdf: Buffer, forks: Fork[], name: DigestName): Map<number, Buffer> {
  const digests = new Map<number, Buffer>();
  const cuts = [...new Set([0, ...forks.flatMap((f) => [f.gapStart, f.gapEnd, f.end])])].sort((x, y) => x - y);
  const main = createHash(name);
  const last = Math.max(...forks.map((f) => f.end));
  for (let i = 0; i < cuts.length; i++) {
    const at = cuts[i];
    // A signature's state forks from the main hash where its gap starts (everything before is shared).
    for (const fork of forks) if (fork.gapStart === at) fork.hash = main.copy();
    for (const fork of forks) if (fork.end === at && fork.hash) digests.set(fork.index, fork.hash.digest());
    const next = cuts[i + 1];
    if (next === undefined || at >= last) break;
    const segment = pdf.subarray(at, next);
    main.update(segment);
    for (const fork of forks) if (fork.hash && fork.gapEnd <= at && next <= fork.end) fork.hash.update(segment);
  }
  for (const fork of forks) if (!digests.has(fork.index)) digests.set(fork.index, (fork.hash ?? main.copy()).digest());
  return digests;
}

export type DigestOfSignature = (index: number, name: DigestName) => Buffer;

/** A lazy digest function: the first request for an algorithm hashes the file once for all signatures. */
export function digestPass(pdf: Buffer, byteRanges: readonly (readonly number[])[]): DigestOfSignature {
  const byAlgorithm = new Map<DigestName, Map<number, Buffer>>();
  return (index, name) => {
    let digests = byAlgorithm.get(name);
    if (!digests) {
      const forks = byteRanges.map((br, i) => forkOf(i, br, pdf.length)).filter((f): f is Fork => f !== null);
      digests = forks.length > 0 ? sharedPass(pdf, forks, name) : new Map();
      byAlgorithm.set(name, digests);
    }
    let digest = digests.get(index);
    if (!digest) {
      digest = digestAlone(pdf, byteRanges[index] ?? [], name);
      digests.set(index, digest);
    }
    return digest;
  };
}
