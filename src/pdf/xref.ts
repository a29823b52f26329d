/**
 * Cross-reference reading (ISO 32000-2 §7.5.4, §7.5.8): tables, streams and hybrid files
 * (§7.5.8.4, /XRefStm), following /Prev to the first revision. When the chain is broken we
 * rebuild the table by scanning for object headers, as every mainstream reader does.
 */
import { PdfInvalidError, PdfTooComplexError } from '../errors.ts';
import { decodeStream } from './filters.ts';
import { PdfDict, PdfRef, PdfStream } from './objects.ts';
import { Parser } from './parser.ts';

export type XrefEntry = { type: 0 } | { type: 1; offset: number; gen: number } | { type: 2; stream: number; index: number };
export type XrefKind = 'table' | 'stream';

export interface XrefSection {
  offset: number;
  kind: XrefKind;
  /** Object numbers this section defines (in use or free). */
  numbers: number[];
  trailer: PdfDict;
}

export interface CrossReference {
  entries: Map<number, XrefEntry>;
  /** The newest trailer, completed with keys only older trailers carry. */
  trailer: PdfDict;
  /** Newest first. */
  sections: XrefSection[];
  startxref: number;
  /** The style of the newest section; an update continues it. */
  kind: XrefKind;
  repaired: boolean;
}

const MAX_SECTIONS = 4096;
const MAX_OBJECT_NUMBER = 8_388_607; // ISO 32000-1 Annex C implementation limit.

export function findStartxref(bytes: Buffer): number | undefined {
  const tail = Math.max(0, bytes.length - 4096);
  const at = bytes.lastIndexOf('startxref', bytes.length, 'latin1');
  if (at < tail) return undefined;
  const parser = new Parser(bytes, at + 'startxref'.length);
  const value = Number(parser.token());
  return Number.isInteger(value) && value >= 0 && value < bytes.length ? value : undefined;
}

export function readCrossReference(bytes: Buffer): CrossReference {
  const startxref = findStartxref(bytes);
  if (startxref !== undefined) {
    try {
      return readChain(bytes, startxref);
    } catch (error) {
      if (error instanceof PdfTooComplexError) throw error;
    }
  }
  return repairCrossReference(bytes, startxref ?? 0);
}

function readChain(bytes: Buffer, startxref: number): CrossReference {
  const entries = new Map<number, XrefEntry>();
  const sections: XrefSection[] = [];
  const visited = new Set<number>();
  let offset: number | undefined = startxref;
  while (offset !== undefined) {
    if (visited.has(offset)) break; // a /Prev loop: what we have read is complete
    if (visited.size >= MAX_SECTIONS) throw new PdfTooComplexError('The PDF has too many revisions.');
    visited.add(offset);
    const section = readSection(bytes, offset);
    sections.push(section.section);
    for (const [num, entry] of section.entries) if (!entries.has(num)) entries.set(num, entry);
    const prev = section.section.trailer.get('Prev');
    offset = typeof prev === 'number' ? prev : undefined;
  }
  const trailer = mergeTrailers(sections.map((s) => s.trailer));
  if (!trailer.has('Root')) throw new PdfInvalidError('The PDF has no document catalog.');
  return { entries, trailer, sections, startxref, kind: sections[0].kind, repaired: false };
}

function readSection(bytes: Buffer, offset: number): { section: XrefSection; entries: Map<number, XrefEntry> } {
  const parser = new Parser(bytes, offset);
  parser.skipWhitespace();
  if (parser.startsWith('xref')) return readTable(bytes, parser);
  const { value } = parser.parseIndirectObject();
  if (!(value instanceof PdfStream) || value.dict.name('Type') !== 'XRef') {
    throw new PdfInvalidError('The PDF could not be read.', { detail: `startxref ${offset} does not point at a cross-reference section` });
  }
  const entries = readXrefStream(value);
  return { section: { offset, kind: 'stream', numbers: [...entries.keys()], trailer: value.dict }, entries };
}

function readTable(bytes: Buffer, parser: Parser): { section: XrefSection; entries: Map<number, XrefEntry> } {
  const offset = parser.pos;
  parser.pos += 4;
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    const word = parser.token();
    if (word === 'trailer') break;
    const first = Number(word);
    const count = Number(parser.token());
    if (!Number.isInteger(first) || !Number.isInteger(count) || count < 0 || first + count > MAX_OBJECT_NUMBER) parser.fail('bad cross-reference subsection');
    for (let i = 0; i < count; i++) {
      const field1 = Number(parser.token());
      const field2 = Number(parser.token());
      const kind = parser.token();
      if (kind !== 'n' && kind !== 'f') parser.fail('bad cross-reference entry');
      const num = first + i;
      if (entries.has(num)) continue;
      entries.set(num, kind === 'n' && field1 > 0 ? { type: 1, offset: field1, gen: field2 } : { type: 0 });
    }
  }
  const trailer = parser.parseValue(0);
  if (!(trailer instanceof PdfDict)) parser.fail('trailer is not a dictionary');
  const numbers = [...entries.keys()];
  // Hybrid files (§7.5.8.4): the stream's entries complete the table's, below it in priority.
  const xrefStm = trailer.get('XRefStm');
  if (typeof xrefStm === 'number') {
    try {
      const stream = new Parser(bytes, xrefStm).parseIndirectObject().value;
      if (stream instanceof PdfStream) for (const [num, entry] of readXrefStream(stream)) if (!entries.has(num)) entries.set(num, entry);
    } catch (error) {
      if (error instanceof PdfTooComplexError) throw error; // a broken /XRefStm is ignored, as readers for PDF 1.4 would
    }
  }
  return { section: { offset, kind: 'table', numbers, trailer }, entries };
}

function readXrefStream(stream: PdfStream): Map<number, XrefEntry> {
  const dict = stream.dict;
  const data = decodeStream(stream, (v) => v);
  const w = dict.get('W');
  if (!Array.isArray(w) || w.length < 3 || !w.every((n) => typeof n === 'number' && n >= 0 && n <= 8)) throw new PdfInvalidError('The PDF has a damaged cross-reference stream.');
  const [w0, w1, w2] = w as number[];
  const size = Number(dict.get('Size') ?? 0);
  const index = (dict.get('Index') as number[] | undefined) ?? [0, size];
  const entries = new Map<number, XrefEntry>();
  const rowLength = w0 + w1 + w2;
  let pos = 0;
  for (let i = 0; i + 1 < index.length; i += 2) {
    const first = Number(index[i]);
    const count = Number(index[i + 1]);
    if (first + count > MAX_OBJECT_NUMBER) throw new PdfTooComplexError('The PDF declares too many objects.');
    for (let j = 0; j < count && pos + rowLength <= data.length; j++, pos += rowLength) {
      const type = w0 === 0 ? 1 : readInt(data, pos, w0);
      const f2 = readInt(data, pos + w0, w1);
      const f3 = readInt(data, pos + w0 + w1, w2);
      const num = first + j;
      if (entries.has(num)) continue;
      if (type === 1) entries.set(num, { type: 1, offset: f2, gen: f3 });
      else if (type === 2) entries.set(num, { type: 2, stream: f2, index: f3 });
      else entries.set(num, { type: 0 });
    }
  }
  return entries;
}

function readInt(data: Buffer, pos: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + data[pos + i];
  return value;
}

function mergeTrailers(trailers: PdfDict[]): PdfDict {
  const merged = trailers[0].clone();
  for (const key of ['Root', 'Info', 'ID', 'Encrypt']) {
    if (merged.has(key)) continue;
    const older = trailers.find((t) => t.has(key));
    if (older) merged.set(key, older.get(key)!);
  }
  return merged;
}

/**
 * Rebuilds the cross-reference by scanning for `N G obj` headers (the last definition wins),
 * registering objects held in object streams, and taking the newest trailer or catalog.
 */
export function repairCrossReference(bytes: Buffer, startxref: number): CrossReference {
  if (bytes.length > 512 * 1024 * 1024) throw new PdfTooComplexError('The PDF is too large to repair.');
  const text = bytes.toString('latin1');
  const entries = new Map<number, XrefEntry>();
  const objectStreams: number[] = [];
  let catalog: number | undefined;
  const header = /(?<![0-9])(\d{1,7})[\x00\t\n\f\r ]+(\d{1,5})[\x00\t\n\f\r ]+obj(?![A-Za-z])/g;
  for (let m = header.exec(text); m; m = header.exec(text)) {
    const num = Number(m[1]);
    entries.set(num, { type: 1, offset: m.index, gen: Number(m[2]) });
    const head = text.slice(m.index, m.index + 300);
    if (/\/Type\s*\/ObjStm\b/.test(head)) objectStreams.push(num);
    if (/\/Type\s*\/Catalog\b/.test(head)) catalog = num;
  }
  const trailer = findTrailer(bytes, text) ?? new PdfDict();
  for (const num of objectStreams) registerObjectStream(bytes, entries, num);
  if (!trailer.has('Root') && catalog !== undefined) trailer.set('Root', new PdfRef(catalog, 0));
  if (!trailer.has('Root') || entries.size === 0) throw new PdfInvalidError('The PDF is damaged beyond repair: no document catalog was found.');
  trailer.delete('Prev');
  trailer.delete('XRefStm');
  const kind: XrefKind = [...entries.values()].some((e) => e.type === 2) ? 'stream' : 'table';
  return { entries, trailer, sections: [], startxref, kind, repaired: true };
}

function findTrailer(bytes: Buffer, text: string): PdfDict | undefined {
  for (let at = text.lastIndexOf('trailer'); at >= 0; at = text.lastIndexOf('trailer', at - 1)) {
    try {
      const value = new Parser(bytes, at + 7).parseValue(0);
      if (value instanceof PdfDict && value.has('Root')) return value;
    } catch {
      // keep looking at older trailers
    }
  }
  // Files with only cross-reference streams carry the trailer keys in the stream dictionary.
  const xrefType = /\/Type\s*\/XRef\b/g;
  let last: PdfDict | undefined;
  for (let m = xrefType.exec(text); m; m = xrefType.exec(text)) {
    const start = text.lastIndexOf('<<', m.index);
    try {
      const value = new Parser(bytes, start).parseValue(0);
      if (value instanceof PdfDict && value.has('Root')) last = value;
    } catch {
      // ignore damaged candidates
    }
  }
  return last?.clone();
}

function registerObjectStream(bytes: Buffer, entries: Map<number, XrefEntry>, streamNum: number): void {
  const entry = entries.get(streamNum);
  if (!entry || entry.type !== 1) return;
  try {
    const { value } = new Parser(bytes, entry.offset).parseIndirectObject();
    if (!(value instanceof PdfStream)) return;
    const n = Number(value.dict.get('N') ?? 0);
    const data = decodeStream(value, (v) => v);
    const header = new Parser(data, 0);
    for (let i = 0; i < n; i++) {
      const num = Number(header.token());
      header.token();
      if (!entries.has(num)) entries.set(num, { type: 2, stream: streamNum, index: i });
    }
  } catch (error) {
    if (error instanceof PdfTooComplexError) throw error;
  }
}
