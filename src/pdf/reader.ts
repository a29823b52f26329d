/**
 * Random access to a PDF's objects through its cross-reference, loading each object only
 * when asked for. Opening a file reads its header, trailer and xref sections — nothing else —
 * so the cost of opening does not grow with the size of page content or images.
 */
import { PdfEncryptedError, PdfInvalidError, PdfTooComplexError, AppError } from '../errors.ts';
import { decodeStream } from './filters.ts';
import { PdfDict, PdfRef, PdfStream, type PdfValue } from './objects.ts';
import { Parser } from './parser.ts';
import { readCrossReference, repairCrossReference, type CrossReference } from './xref.ts';

export interface OpenOptions {
  /** Validation reads encrypted files' structure too; signing refuses them. */
  allowEncrypted?: boolean;
}

interface ObjectStreamIndex {
  data: Buffer;
  first: number;
  offsets: Map<number, number>;
}

export class PdfReader {
  private readonly cache = new Map<number, PdfValue | undefined>();
  private readonly objectStreams = new Map<number, ObjectStreamIndex>();
  private loading = new Set<number>();

  private constructor(
    readonly bytes: Buffer,
    public xref: CrossReference,
  ) {}

  static open(bytes: Buffer, options: OpenOptions = {}): PdfReader {
    if (bytes.length === 0) throw new PdfInvalidError('The file is empty.');
    const headerAt = bytes.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1');
    if (headerAt < 0) throw new PdfInvalidError('The file is not a PDF.', { detail: 'no %PDF- header in the first 1024 bytes' });
    if (bytes.lastIndexOf('startxref', bytes.length, 'latin1') < Math.max(0, bytes.length - 4096)) {
      throw new PdfInvalidError('The PDF is incomplete: its end is missing. Upload the whole file again.', { detail: 'no startxref near the end' });
    }
    const reader = new PdfReader(bytes, readCrossReference(bytes));
    if (reader.trailer.has('Encrypt') && !options.allowEncrypted) throw new PdfEncryptedError();
    const catalog = reader.catalog();
    if (!catalog.has('Pages')) reader.repairOnce('catalog without /Pages');
    return reader;
  }

  get trailer(): PdfDict {
    return this.xref.trailer;
  }

  get repaired(): boolean {
    return this.xref.repaired;
  }

  /** The first object number an update may use (§7.5.5: /Size is one more than the highest number). */
  get nextObjectNumber(): number {
    let max = Number(this.trailer.get('Size') ?? 0);
    for (const num of this.xref.entries.keys()) if (num >= max) max = num + 1;
    return Math.max(1, max);
  }

  catalogRef(): PdfRef {
    const root = this.trailer.get('Root');
    if (!(root instanceof PdfRef)) throw new PdfInvalidError('The PDF has no document catalog.');
    return root;
  }

  catalog(): PdfDict {
    const catalog = this.getObject(this.catalogRef());
    if (!(catalog instanceof PdfDict)) {
      this.repairOnce('catalog not found');
      const repaired = this.getObject(this.catalogRef());
      if (!(repaired instanceof PdfDict)) throw new PdfInvalidError('The PDF has no readable document catalog.');
      return repaired;
    }
    return catalog;
  }

  resolve(value: PdfValue | undefined): PdfValue | undefined {
    return value instanceof PdfRef ? this.getObject(value) : value;
  }

  dict(value: PdfValue | undefined): PdfDict | undefined {
    const resolved = this.resolve(value);
    if (resolved instanceof PdfDict) return resolved;
    if (resolved instanceof PdfStream) return resolved.dict;
    return undefined;
  }

  array(value: PdfValue | undefined): PdfValue[] | undefined {
    const resolved = this.resolve(value);
    return Array.isArray(resolved) ? resolved : undefined;
  }

  /** The object with this reference, or undefined when it is free or missing (§7.3.10: then it is null). */
  getObject(ref: PdfRef | number): PdfValue | undefined {
    const num = typeof ref === 'number' ? ref : ref.num;
    if (this.cache.has(num)) return this.cache.get(num);
    if (this.loading.has(num)) throw new PdfInvalidError('The PDF could not be read.', { detail: `object ${num} refers to itself` });
    this.loading.add(num);
    try {
      const value = this.loadObject(num);
      this.cache.set(num, value);
      return value;
    } finally {
      this.loading.delete(num);
    }
  }

  decode(stream: PdfStream, maxBytes?: number): Buffer {
    return decodeStream(stream, (v) => this.resolve(v), maxBytes);
  }

  private loadObject(num: number): PdfValue | undefined {
    try {
      return this.loadFromEntry(num);
    } catch (error) {
      if (error instanceof PdfTooComplexError || this.xref.repaired) throw error;
      if (!(error instanceof AppError)) throw error;
      // A wrong offset in an otherwise readable xref: rebuild it once, as readers do.
      this.repairOnce(`object ${num}: ${error.detail ?? error.message}`);
      return this.loadFromEntry(num);
    }
  }

  private loadFromEntry(num: number): PdfValue | undefined {
    const entry = this.xref.entries.get(num);
    if (!entry || entry.type === 0) return undefined;
    if (entry.type === 1) {
      const parser = new Parser(this.bytes, entry.offset, (ref) => this.lengthOf(ref));
      return parser.parseIndirectObject({ num, gen: entry.gen }).value;
    }
    const stream = this.objectStream(entry.stream);
    const offset = stream.offsets.get(num);
    if (offset === undefined) throw new PdfInvalidError('The PDF could not be read.', { detail: `object ${num} missing from object stream ${entry.stream}` });
    return new Parser(stream.data, stream.first + offset).parseValue(0);
  }

  private lengthOf(ref: PdfRef): number | undefined {
    const value = this.getObject(ref);
    return typeof value === 'number' ? value : undefined;
  }

  private objectStream(num: number): ObjectStreamIndex {
    const cached = this.objectStreams.get(num);
    if (cached) return cached;
    const entry = this.xref.entries.get(num);
    if (!entry || entry.type !== 1) throw new PdfInvalidError('The PDF could not be read.', { detail: `object stream ${num} is not a plain object` });
    const { value } = new Parser(this.bytes, entry.offset, (ref) => this.lengthOf(ref)).parseIndirectObject({ num, gen: entry.gen });
    if (!(value instanceof PdfStream)) throw new PdfInvalidError('The PDF could not be read.', { detail: `object ${num} is not an object stream` });
    const data = this.decode(value);
    const n = Number(value.dict.get('N') ?? 0);
    const first = Number(value.dict.get('First') ?? 0);
    const header = new Parser(data, 0);
    const offsets = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const objNum = Number(header.token());
      const offset = Number(header.token());
      if (!Number.isInteger(objNum) || !Number.isInteger(offset)) break;
      if (!offsets.has(objNum)) offsets.set(objNum, offset);
    }
    const index = { data, first, offsets };
    this.objectStreams.set(num, index);
    return index;
  }

  private repairOnce(reason: string): void {
    if (this.xref.repaired) throw new PdfInvalidError('The PDF is damaged and could not be repaired.', { detail: reason });
    this.xref = repairCrossReference(this.bytes, this.xref.startxref);
    this.cache.clear();
    this.objectStreams.clear();
  }
}
