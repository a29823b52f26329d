/**
 * Content-addressed blob storage (DESIGN §8): a blob is named by the SHA-256 of its bytes and
 * is whole or absent to a reader. Three stores keep them: a directory (`fs`, one host), PostgreSQL
 * (`db`) and S3-compatible object storage (`s3`); the last two are shared by every instance (issue 11).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
}

/** A blob stored already whose bytes are the first `size` bytes of others (the PDF revision a new one continues). */
export interface BlobBase {
  sha256: string;
  size: number;
}

/**
 * How many bases a blob may stand on, in a store that keeps it on its base. A read gathers every link; a document gains
 * a link or two per signature and per archive timestamp, and a revision that would stand deeper is stored whole.
 */
export const MAX_BASE_DEPTH = 24;

export interface PutOptions {
  /**
   * Blobs these bytes continue, the nearest first, each named by the SHA-256 of their first `size` bytes
   * (continuedFrom): a store may keep only what follows one of them (fs and db do), and reads them back whole all the
   * same. While the nearest is still being put (a signature's B-LT revision follows its signed one by a millisecond or
   * two), the fs store takes the one before it rather than wait; the db store waits, one round trip.
   */
  bases?: BlobBase[];
}

export interface BlobStore {
  /** Stores `bytes` durably, verified against their hash; storing the same bytes twice (at once, too) is a no-op. */
  put(bytes: Buffer, options?: PutOptions): Promise<StoredBlob>;
  /** The bytes of a blob, checked against their hash. */
  get(sha256: string): Promise<Buffer>;
  /**
   * The bytes of a blob as a stream, so a download never holds the whole file. Rejects with
   * `blob_missing` before any byte when there is no such blob; the stream errors with `blob_corrupt`
   * at its end when the bytes do not hash to the name (a reader must not trust them before then).
   */
  open(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  /**
   * Reads the blob to its end as the store holds it, never from a copy in memory, holding one piece at a time, and
   * answers its size; rejects with `blob_missing` or `blob_corrupt` as `open`'s stream does. What the audit check
   * relies on to find a document lost or damaged in the store.
   */
  check(sha256: string): Promise<number>;
  /** Resolves when the store answers (`/readyz`); rejects when it is unreachable. */
  ping(): Promise<void>;
  /** Lets go of connections the store holds (the S3 client's sockets); the file and db stores hold none of their own. */
  close?(): Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The hash states sha256Continuing ended with, by the bytes they hashed (gone with the bytes). */
const hashStates = new WeakMap<Buffer, Hash>();
/** The bytes each continued, where sha256Continuing found it so: the way back to the revisions before (continuedFrom). */
const continuing = new WeakMap<Buffer, Buffer>();

/**
 * The SHA-256 of `bytes`. When they begin with `earlier` (compared, not assumed), whose hash this function computed,
 * only the rest is hashed, from the state `earlier` ended with: each revision of a PDF is the one before it and an
 * incremental update, so the signed file continues the hash of the file read for signing, and its B-LT revision that
 * of the signed file (~0.1 ms a 100 KB revision). A state that no longer matches its bytes (a Buffer changed after it
 * was hashed) would only give a wrong name, which the store's own hash of what it writes refuses (putAhead).
 */
export function sha256Continuing(bytes: Buffer, earlier?: Buffer): string {
  const state = earlier && hashStates.get(earlier);
  const continues = state !== undefined && earlier !== undefined && beginsWith(bytes, earlier);
  if (continues) continuing.set(bytes, earlier);
  return digestKept(bytes, continues ? state.copy().update(bytes.subarray(earlier.length)) : createHash('sha256').update(bytes));
}

/**
 * A blob read whole (a store's `get`), checked: `size` bytes that hash to `sha256`, else blob_corrupt. Hashed by
 * sha256Continuing, so the revision signed from these bytes, or put on them, continues their hash.
 */
export function checkedWhole(sha256: string, bytes: Buffer, size: number): Buffer {
  if (bytes.length !== size) throw blobCorrupt(sha256, `${bytes.length} bytes read, ${size} expected`);
  const actual = sha256Continuing(bytes);
  if (actual !== sha256) throw blobCorrupt(sha256, `content hash ${actual}`);
  return bytes;
}

/** Whether `bytes` begin with `earlier` (compared, not assumed). */
function beginsWith(bytes: Buffer, earlier: Buffer): boolean {
  return bytes.length >= earlier.length && bytes.compare(earlier, 0, earlier.length, 0, earlier.length) === 0;
}

/** The digest of `hash`, which hashed `bytes` whole, its state kept for sha256Continuing and continuedFrom. */
export function digestKept(bytes: Buffer, hash: Hash): string {
  hashStates.set(bytes, hash.copy());
  return hash.digest('hex');
}

/**
 * The bytes' SHA-256 and, in the same pass, whether `base` is named by the SHA-256 of their first `base.size` bytes: a
 * store puts them on a base it checked so, never on one a caller misnamed. `digest` finishes the whole's hash
 * (digestKept, to keep its state).
 */
export function nameOnBase(bytes: Uint8Array, base: BlobBase | undefined, digest = (hash: Hash) => hash.digest('hex')): { sha256: string; base?: BlobBase } {
  const usable = base && base.size > 0 && base.size < bytes.length ? base : undefined;
  const hash = createHash('sha256');
  if (!usable) return { sha256: digest(hash.update(bytes)) };
  const baseName = hash.update(bytes.subarray(0, usable.size)).copy().digest('hex');
  const sha256 = digest(hash.update(bytes.subarray(usable.size)));
  return baseName === usable.sha256 ? { sha256, base: usable } : { sha256 };
}

/** How many revisions back continuedFrom names: the nearest, and the ones a store falls back on while it is put. */
const BASES_NAMED = 3;

/**
 * The blobs `bytes` continue, nearest first: `earlier` when they begin with it (compared, not assumed) and
 * sha256Continuing hashed it (a put, or a read checked so), then the revision `earlier` continued, and so on. Each
 * named by its hash state's digest, so naming them hashes nothing again. Empty otherwise: the bytes are stored whole.
 */
export function continuedFrom(bytes: Buffer, earlier: Buffer | undefined): BlobBase[] {
  const bases: BlobBase[] = [];
  for (let base = earlier; base && bases.length < BASES_NAMED; base = continuing.get(base)) {
    const state = hashStates.get(base);
    if (!state || bytes.length === base.length || !beginsWith(bytes, base)) break;
    bases.push({ sha256: state.copy().digest('hex'), size: base.length });
  }
  return bases;
}

/**
 * Starts putting `bytes` and answers at once what they are stored as (hashed here, continuing from `earlier`, see
 * sha256Continuing), beside the put itself: a caller can write the rows that name the blob while the store writes
 * and fsyncs it, and awaits `stored` before it commits them (DESIGN §8). `stored` rejects should the store name them
 * otherwise; a failure is met where it is awaited. The store is told the blobs they continue (continuedFrom).
 */
export function putAhead(blobs: Pick<BlobStore, 'put'>, bytes: Buffer, earlier?: Buffer): { blob: StoredBlob; stored: Promise<void> } {
  const blob = { sha256: sha256Continuing(bytes, earlier), size: bytes.length };
  const stored = blobs.put(bytes, { bases: continuedFrom(bytes, earlier) }).then((put) => {
    if (put.sha256 !== blob.sha256 || put.size !== blob.size) throw blobCorrupt(blob.sha256, `stored as ${put.sha256} (${put.size} bytes)`);
  });
  stored.catch(() => undefined);
  return { blob, stored };
}

/** putAhead, awaited: a revision that continues `earlier` stored, named so that the next one can continue it too. */
export async function putContinuing(blobs: Pick<BlobStore, 'put'>, bytes: Buffer, earlier: Buffer): Promise<StoredBlob> {
  const { blob, stored } = putAhead(blobs, bytes, earlier);
  await stored;
  return blob;
}

export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new AppError('blob_id_invalid', 500, 'Internal error.', { detail: `not a SHA-256 hex digest: ${JSON.stringify(sha256).slice(0, 80)}` });
}

export function blobMissing(sha256: string, cause?: unknown): AppError {
  return new AppError('blob_missing', 500, 'Internal error.', { detail: `blob ${sha256} not found`, cause });
}

export function blobCorrupt(sha256: string, detail: string): AppError {
  return new AppError('blob_corrupt', 500, 'Internal error.', { detail: `blob ${sha256}: ${detail}` });
}

/**
 * The store does not answer (network, credentials, database down): a retry later may succeed, so 503.
 * Like "not ready", a public fact: its code and message are shown (the cause stays in the log).
 */
export class BlobStoreUnavailableError extends AppError {
  constructor(detail: string, cause?: unknown) {
    super('blob_store_unavailable', 503, 'The document store is not available at the moment; please try again later.', { detail, cause });
  }
  override get expose(): boolean {
    return true;
  }
}

export function blobStoreUnavailable(detail: string, cause?: unknown): AppError {
  return new BlobStoreUnavailableError(detail, cause);
}

/**
 * Passes the bytes on and, at their end, fails with `blob_corrupt` unless they hash to `sha256`
 * (and number `size`, when known). The last piece is held back until the check passed: a download
 * of damaged bytes is cut short, never delivered whole with the right length and wrong content.
 */
export function hashChecked(source: Readable, sha256: string, size?: number): Readable {
  const hash = createHash('sha256');
  let length = 0;
  let held: Buffer | undefined;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      length += chunk.length;
      const previous = held;
      held = chunk;
      callback(null, previous);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest('hex');
      if (size !== undefined && length !== size) callback(blobCorrupt(sha256, `${length} bytes read, ${size} expected`));
      else if (actual !== sha256) callback(blobCorrupt(sha256, `content hash ${actual}`));
      else callback(null, held);
    },
  });
  // pipeline passes an error of the source on to `check` (and destroys both); the promise is only for that.
  pipeline(source, check).catch(() => undefined);
  return check;
}

/** Reads a stream to its end without keeping it (a blob's `check`, through its `open`): the bytes it gave. */
export async function lengthOf(stream: Readable): Promise<number> {
  let length = 0;
  for await (const chunk of stream) length += (chunk as Buffer).length;
  return length;
}

/** Reads a stream whole (a blob's `get`, through its `open`). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
