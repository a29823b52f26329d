/**
 * A blob the fs store keeps on a base (PutOptions.bases): `<root>/ab/<sha256>.delta`, a one-line header naming the
 * base, its size and how many bases lie below it, then the bytes that follow the base. Read by following the bases
 * down to a whole file; the whole is then checked against its name, as every blob is. Used by the store (reads) and
 * its writer threads (which check the base before writing on it), so synchronous, and free of either's state.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { MAX_BASE_DEPTH, type BlobBase } from './blob-store.ts';
import { blobPath, legacyBlobPath } from './fs-blob-writer.ts';

const MAGIC = '%paraaf-delta 1';
const HEADER = new RegExp(`^${MAGIC} ([0-9a-f]{64}) (\\d+) (\\d+)$`);
/** Longer than any header: the magic, a SHA-256, two numbers, spaces and the newline. */
const HEADER_MAX_BYTES = 160;

export interface DeltaHeader {
  base: BlobBase;
  depth: number;
}

/** A part of a blob as the store holds it: `length` bytes of `file` from `offset`. */
export interface BlobPiece {
  file: string;
  offset: number;
  length: number;
}

export function deltaPath(root: string, sha256: string): string {
  return `${blobPath(root, sha256)}.delta`;
}

export function encodeDeltaHeader(header: DeltaHeader): Buffer {
  return Buffer.from(`${MAGIC} ${header.base.sha256} ${header.base.size} ${header.depth}\n`, 'latin1');
}

/** The header of a delta file and its length in bytes; undefined when the file does not begin with one. */
export function readDeltaHeader(file: string): { header: DeltaHeader; length: number } | undefined {
  const fd = openSync(file, 'r');
  const start = Buffer.alloc(HEADER_MAX_BYTES);
  let read: number;
  try {
    read = readSync(fd, start, 0, HEADER_MAX_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const end = start.subarray(0, read).indexOf(0x0a);
  const match = end < 0 ? null : HEADER.exec(start.subarray(0, end).toString('latin1'));
  if (!match) return undefined;
  return { header: { base: { sha256: match[1]!, size: Number(match[2]) }, depth: Number(match[3]) }, length: end + 1 };
}

/** Where a blob is whole (the current layout, else the former one), when it is. */
export function wholeFile(root: string, sha256: string): string | undefined {
  const current = blobPath(root, sha256);
  if (existsSync(current)) return current;
  const legacy = legacyBlobPath(root, sha256);
  return existsSync(legacy) ? legacy : undefined;
}

/** The file that holds a blob here: whole, else its delta (which may not exist either). */
export function storedFile(root: string, sha256: string): string {
  return wholeFile(root, sha256) ?? deltaPath(root, sha256);
}

/**
 * The pieces of a blob in order, its bases' first, and its size; undefined when it is neither whole nor a delta here.
 * A base missing, or a header not as written, throws `corrupt` with what is wrong.
 */
export function piecesOf(root: string, sha256: string, corrupt: (detail: string) => Error): { pieces: BlobPiece[]; size: number; depth: number } | undefined {
  const pieces: BlobPiece[] = [];
  let name = sha256;
  let depth: number | undefined;
  for (let level = 0; level <= MAX_BASE_DEPTH; level++) {
    const whole = wholeFile(root, name);
    if (whole) {
      const size = statSync(whole).size;
      pieces.unshift({ file: whole, offset: 0, length: size });
      return { pieces, size: pieces.reduce((sum, piece) => sum + piece.length, 0), depth: depth ?? 0 };
    }
    const delta = deltaPath(root, name);
    if (!existsSync(delta)) {
      if (level === 0) return undefined;
      throw corrupt(`its base ${name} is missing`);
    }
    const read = readDeltaHeader(delta);
    if (!read) throw corrupt(`${name}.delta has no header`);
    depth ??= read.header.depth;
    pieces.unshift({ file: delta, offset: read.length, length: statSync(delta).size - read.length });
    name = read.header.base.sha256;
  }
  throw corrupt(`more than ${MAX_BASE_DEPTH} bases below it`);
}
