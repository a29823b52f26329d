/**
 * An incremental update (ISO 32000-2 §7.5.6): changed and new objects appended after the last
 * byte of the file, with a cross-reference section in the file's own style and a trailer whose
 * /Prev points at the previous section. Earlier bytes are never touched, so earlier signatures
 * keep covering exactly what they covered.
 */
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfValue } from './objects.ts';
import type { PdfReader } from './reader.ts';
import { serializeObject, serializeValue } from './serialize.ts';
import type { XrefEntry } from './xref.ts';

export interface BuiltUpdate {
  /** The bytes to append to the original file. */
  bytes: Buffer;
  /** Offset of each written object within `bytes`. */
  offsets: Map<number, number>;
}

export class IncrementalUpdate {
  private readonly objects = new Map<number, { ref: PdfRef; value: PdfValue }>();
  private next: number;

  constructor(readonly reader: PdfReader) {
    this.next = reader.nextObjectNumber;
  }

  /** A fresh object number for a new object. */
  allocate(): PdfRef {
    return new PdfRef(this.next++, 0);
  }

  /** Adds a new object and returns its reference. */
  add(value: PdfValue): PdfRef {
    const ref = this.allocate();
    this.set(ref, value);
    return ref;
  }

  /** Writes (or rewrites) the object `ref` in this update. */
  set(ref: PdfRef, value: PdfValue): void {
    this.objects.set(ref.num, { ref, value });
  }

  /** The object as this update will leave it: our version if we changed it, else the file's. */
  get(ref: PdfRef): PdfValue | undefined {
    return this.objects.get(ref.num)?.value ?? this.reader.getObject(ref);
  }

  build(): BuiltUpdate {
    const { reader } = this;
    const base = reader.bytes.length;
    const last = reader.bytes[base - 1];
    const chunks: Buffer[] = [];
    let length = 0;
    const push = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
    };
    if (last !== 0x0a && last !== 0x0d) push(Buffer.from('\n'));
    const offsets = new Map<number, number>();
    for (const { ref, value } of [...this.objects.values()].sort((a, b) => a.ref.num - b.ref.num)) {
      offsets.set(ref.num, length);
      push(serializeObject(ref, value));
    }
    const useStream = reader.xref.kind === 'stream';
    const xrefRef = useStream ? this.allocate() : undefined;
    const xrefOffset = length;
    const entries = this.xrefEntries(offsets, base, xrefRef ? { num: xrefRef.num, offset: base + xrefOffset } : undefined);
    const trailer = this.trailer();
    if (xrefRef) push(xrefStream(xrefRef, entries, trailer, base + xrefOffset));
    else push(xrefTable(entries, trailer));
    push(Buffer.from(`startxref\n${base + xrefOffset}\n%%EOF\n`, 'latin1'));
    return { bytes: Buffer.concat(chunks, length), offsets };
  }

  private xrefEntries(offsets: Map<number, number>, base: number, self?: { num: number; offset: number }): Map<number, XrefEntry> {
    const entries = new Map<number, XrefEntry>();
    // A repaired file's own sections cannot be trusted: the update then lists every object.
    if (this.reader.repaired) for (const [num, entry] of this.reader.xref.entries) if (entry.type !== 0) entries.set(num, entry);
    for (const [num, offset] of offsets) entries.set(num, { type: 1, offset: base + offset, gen: this.objects.get(num)!.ref.gen });
    if (self) entries.set(self.num, { type: 1, offset: self.offset, gen: 0 });
    return entries;
  }

  private trailer(): PdfDict {
    const source = this.reader.trailer;
    const trailer = new PdfDict();
    trailer.set('Size', this.next);
    for (const key of ['Root', 'Info']) if (source.has(key)) trailer.set(key, source.get(key)!);
    const id = source.get('ID');
    if (Array.isArray(id) && id.length === 2) trailer.set('ID', id);
    else {
      const fresh = new PdfString(randomBytes(16), true);
      trailer.set('ID', [fresh, fresh]);
    }
    if (!this.reader.repaired) trailer.set('Prev', this.reader.xref.startxref);
    return trailer;
  }
}

/** Consecutive object numbers grouped into subsections (§7.5.4). */
function subsections(nums: number[]): [number, number][] {
  const sorted = [...nums].sort((a, b) => a - b);
  const groups: [number, number][] = [];
  for (const num of sorted) {
    const last = groups[groups.length - 1];
    if (last && last[0] + last[1] === num) last[1]++;
    else groups.push([num, 1]);
  }
  return groups;
}

function xrefTable(entries: Map<number, XrefEntry>, trailer: PdfDict): Buffer {
  const withFree = new Map(entries);
  if (!trailer.has('Prev')) withFree.set(0, { type: 0 });
  let out = 'xref\n';
  for (const [first, count] of subsections([...withFree.keys()])) {
    out += `${first} ${count}\n`;
    for (let num = first; num < first + count; num++) {
      const entry = withFree.get(num)!;
      if (entry.type === 1) out += `${String(entry.offset).padStart(10, '0')} ${String(entry.gen).padStart(5, '0')} n\r\n`;
      else out += `0000000000 65535 f\r\n`;
    }
  }
  return Buffer.from(out + 'trailer\n' + serializeValue(trailer) + '\n', 'latin1');
}

function xrefStream(ref: PdfRef, entries: Map<number, XrefEntry>, trailer: PdfDict, maxOffset: number): Buffer {
  const withFree = new Map(entries);
  if (!trailer.has('Prev')) withFree.set(0, { type: 0 });
  const w1 = maxOffset > 0xffffffff ? 5 : 4;
  const rowLength = 1 + w1 + 2;
  const groups = subsections([...withFree.keys()]);
  const data = Buffer.alloc(withFree.size * rowLength);
  let pos = 0;
  for (const [first, count] of groups) {
    for (let num = first; num < first + count; num++, pos += rowLength) {
      const entry = withFree.get(num)!;
      const [type, f2, f3] = entry.type === 1 ? [1, entry.offset, entry.gen] : entry.type === 2 ? [2, entry.stream, entry.index] : [0, 0, 65535];
      data[pos] = type;
      data.writeUIntBE(f2, pos + 1, w1);
      data.writeUInt16BE(f3, pos + 1 + w1);
    }
  }
  const dict = trailer.clone();
  dict.set('Type', PdfName.of('XRef'));
  dict.set('W', [1, w1, 2]);
  dict.set('Index', groups.flat());
  dict.set('Filter', PdfName.of('FlateDecode'));
  return serializeObject(ref, new PdfStream(dict, deflateSync(data)));
}
