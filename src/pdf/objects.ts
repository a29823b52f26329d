/**
 * The PDF object model (ISO 32000-2 §7.3): just enough to read the objects a signature
 * touches and to write new ones. Values keep their bytes (strings) so an object we copy
 * into an update serializes to the same meaning it had.
 */

export class PdfName {
  private static readonly interned = new Map<string, PdfName>();
  private constructor(readonly name: string) {}
  static of(name: string): PdfName {
    let value = PdfName.interned.get(name);
    if (!value) {
      value = new PdfName(name);
      PdfName.interned.set(name, value);
    }
    return value;
  }
  toString(): string {
    return '/' + this.name;
  }
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  get key(): string {
    return `${this.num} ${this.gen}`;
  }
  equals(other: unknown): boolean {
    return other instanceof PdfRef && other.num === this.num && other.gen === this.gen;
  }
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

/** A string object; `bytes` are the decoded bytes, `hex` how it was (or will be) written. */
export class PdfString {
  constructor(
    readonly bytes: Buffer,
    readonly hex = false,
  ) {}

  /** A text string (ISO 32000-2 §7.9.2.2): ASCII stays literal, anything else is UTF-16BE with BOM. */
  static text(value: string): PdfString {
    if (/^[\x20-\x7e]*$/.test(value)) return new PdfString(Buffer.from(value, 'latin1'));
    const utf16 = Buffer.from(value, 'utf16le').swap16();
    return new PdfString(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16]), true);
  }

  /** Decodes a text string: UTF-16BE (with BOM), UTF-8 (with BOM, PDF 2.0) or PDFDocEncoding (≈ latin1). */
  toText(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
    return b.toString('latin1');
  }
}

export class PdfDict {
  readonly map: Map<string, PdfValue>;
  constructor(entries?: Iterable<[string, PdfValue]>) {
    this.map = new Map(entries);
  }
  get(key: string): PdfValue | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfValue): this {
    this.map.set(key, value);
    return this;
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  /** The value of `key` when it is a name, else undefined. */
  name(key: string): string | undefined {
    const value = this.map.get(key);
    return value instanceof PdfName ? value.name : undefined;
  }
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
}

/** A stream: its dictionary and its raw (still encoded) data. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly raw: Buffer,
  ) {}
}

export type PdfValue = PdfDict | PdfValue[] | PdfName | PdfString | PdfRef | PdfStream | PdfRaw | number | boolean | null;

/** A number that must be written with exactly this text (e.g. fixed-width ByteRange placeholders). */
export class PdfRaw {
  constructor(readonly text: string) {}
}

export const name = PdfName.of;

export function dict(entries: Record<string, PdfValue | undefined>): PdfDict {
  const d = new PdfDict();
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) d.set(key, value);
  return d;
}
