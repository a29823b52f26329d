/**
 * A bounded parser for PDF objects (ISO 32000-2 §7.2–7.3) reading straight from the file's bytes.
 * It parses one object at a time at a known offset, so signing a 50 MB file touches only the
 * handful of objects it changes. Depth and size bounds turn hostile input into clear errors.
 */
import { PdfInvalidError, PdfTooComplexError } from '../errors.ts';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfValue } from './objects.ts';

const MAX_DEPTH = 256;

// Character classes (ISO 32000-2 §7.2.3).
const WHITESPACE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WHITESPACE[c] = 1;
const DELIMITER = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIMITER[c.charCodeAt(0)] = 1;

export const isWhitespace = (c: number): boolean => WHITESPACE[c] === 1;
const isRegular = (c: number): boolean => !WHITESPACE[c] && !DELIMITER[c];
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Resolves an indirect /Length when a stream's length is a reference. */
export type LengthResolver = (ref: PdfRef) => number | undefined;

export class Parser {
  pos: number;
  constructor(
    readonly bytes: Buffer,
    pos = 0,
    private readonly resolveLength?: LengthResolver,
  ) {
    this.pos = pos;
  }

  fail(message: string): never {
    throw new PdfInvalidError('The PDF could not be read.', { detail: `${message} at byte ${this.pos}` });
  }

  skipWhitespace(): void {
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos];
      if (WHITESPACE[c]) this.pos++;
      else if (c === 0x25 /* % */) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else break;
    }
  }

  /** Reads a run of regular characters (a keyword or number) without consuming delimiters. */
  token(): string {
    this.skipWhitespace();
    const start = this.pos;
    while (this.pos < this.bytes.length && isRegular(this.bytes[this.pos])) this.pos++;
    return this.bytes.toString('latin1', start, this.pos);
  }

  expectKeyword(keyword: string): void {
    const got = this.token();
    if (got !== keyword) this.fail(`expected '${keyword}', found '${got.slice(0, 20)}'`);
  }

  /** Parses `N G obj <value> endobj` and returns the value (a stream when followed by stream data). */
  parseIndirectObject(expected?: { num: number; gen: number }): { num: number; gen: number; value: PdfValue } {
    const num = Number(this.token());
    const gen = Number(this.token());
    if (!Number.isInteger(num) || !Number.isInteger(gen)) this.fail('expected an object header');
    if (expected && (expected.num !== num || expected.gen !== gen)) this.fail(`expected object ${expected.num} ${expected.gen}, found ${num} ${gen}`);
    this.expectKeyword('obj');
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (value instanceof PdfDict && this.startsWith('stream')) return { num, gen, value: this.parseStreamData(value) };
    return { num, gen, value };
  }

  startsWith(keyword: string): boolean {
    for (let i = 0; i < keyword.length; i++) if (this.bytes[this.pos + i] !== keyword.charCodeAt(i)) return false;
    return true;
  }

  private parseStreamData(streamDict: PdfDict): PdfStream {
    this.pos += 'stream'.length;
    // The keyword is followed by CRLF or LF (§7.3.8.1); tolerate a lone CR.
    if (this.bytes[this.pos] === 0x0d) this.pos++;
    if (this.bytes[this.pos] === 0x0a) this.pos++;
    const start = this.pos;
    let length = streamDict.get('Length');
    if (length instanceof PdfRef) length = this.resolveLength?.(length);
    let end = typeof length === 'number' && length >= 0 ? start + length : -1;
    if (end < 0 || end > this.bytes.length || !this.endstreamFollows(end)) end = this.findEndstream(start);
    this.pos = end;
    this.skipWhitespace();
    if (this.startsWith('endstream')) this.pos += 'endstream'.length;
    return new PdfStream(streamDict, this.bytes.subarray(start, end));
  }

  private endstreamFollows(end: number): boolean {
    let p = end;
    while (p < this.bytes.length && WHITESPACE[this.bytes[p]]) p++;
    return this.bytes.toString('latin1', p, p + 9) === 'endstream';
  }

  /** Fallback when /Length is wrong: the data ends before the next `endstream` (minus its EOL). */
  private findEndstream(start: number): number {
    const at = this.bytes.indexOf('endstream', start, 'latin1');
    if (at < 0) this.fail('stream without endstream');
    let end = at;
    if (this.bytes[end - 1] === 0x0a) end--;
    if (this.bytes[end - 1] === 0x0d) end--;
    return Math.max(start, end);
  }

  parseValue(depth: number): PdfValue {
    if (depth > MAX_DEPTH) throw new PdfTooComplexError('The PDF nests objects too deeply.', { detail: `depth > ${MAX_DEPTH} at byte ${this.pos}` });
    this.skipWhitespace();
    const b = this.bytes;
    if (this.pos >= b.length) this.fail('unexpected end of file');
    const c = b[this.pos];
    switch (c) {
      case 0x2f /* / */:
        return this.parseName();
      case 0x28 /* ( */:
        return this.parseLiteralString();
      case 0x3c /* < */:
        if (b[this.pos + 1] === 0x3c) return this.parseDict(depth);
        return this.parseHexString();
      case 0x5b /* [ */:
        return this.parseArray(depth);
      default:
        break;
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.parseNumberOrRef();
    const word = this.token();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    return this.fail(`unexpected token '${word.slice(0, 20) || String.fromCharCode(c)}'`);
  }

  private parseNumberOrRef(): number | PdfRef {
    const first = this.token();
    const value = parseNumber(first);
    if (value === undefined) this.fail(`bad number '${first.slice(0, 20)}'`);
    // `N G R`: look ahead without committing (§7.3.10).
    if (/^\d+$/.test(first)) {
      const save = this.pos;
      const second = this.token();
      if (/^\d+$/.test(second)) {
        this.skipWhitespace();
        if (this.bytes[this.pos] === 0x52 /* R */ && !isRegular(this.bytes[this.pos + 1] ?? 0x20)) {
          this.pos++;
          return new PdfRef(value, Number(second));
        }
      }
      this.pos = save;
    }
    return value;
  }

  private parseName(): PdfName {
    this.pos++;
    const start = this.pos;
    while (this.pos < this.bytes.length && isRegular(this.bytes[this.pos])) this.pos++;
    const raw = this.bytes.toString('latin1', start, this.pos);
    // #xx escapes (§7.3.5); names are bytes, usually UTF-8 — we keep them as latin1 code units.
    return PdfName.of(raw.includes('#') ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : raw);
  }

  private parseLiteralString(): PdfString {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let nesting = 1;
    while (this.pos < b.length) {
      const c = b[this.pos++];
      if (c === 0x5c /* \ */) {
        const e = b[this.pos++];
        const simple: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };
        if (e in simple) out.push(simple[e]);
        else if (e >= 0x30 && e <= 0x37) {
          let octal = e - 0x30;
          for (let i = 0; i < 2 && b[this.pos] >= 0x30 && b[this.pos] <= 0x37; i++) octal = octal * 8 + (b[this.pos++] - 0x30);
          out.push(octal & 0xff);
        } else if (e === 0x0d) {
          if (b[this.pos] === 0x0a) this.pos++;
        } else if (e !== 0x0a) out.push(e);
      } else if (c === 0x28) {
        nesting++;
        out.push(c);
      } else if (c === 0x29) {
        if (--nesting === 0) return new PdfString(Buffer.from(out));
        out.push(c);
      } else out.push(c);
    }
    return this.fail('unterminated string');
  }

  private parseHexString(): PdfString {
    const b = this.bytes;
    const start = ++this.pos;
    const end = b.indexOf(0x3e, start);
    if (end < 0) this.fail('unterminated hex string');
    this.pos = end + 1;
    const raw = b.toString('latin1', start, end);
    // Hex digits only (a signature's /Contents, thousands of them): decoded natively, which stops at anything else.
    const decoded = Buffer.from(raw, 'hex');
    if (decoded.length * 2 === raw.length) return new PdfString(decoded, true);
    let hex = raw.replace(/[^0-9a-fA-F]/g, '');
    if (hex.length % 2) hex += '0';
    return new PdfString(Buffer.from(hex, 'hex'), true);
  }

  private parseArray(depth: number): PdfValue[] {
    this.pos++;
    const items: PdfValue[] = [];
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= this.bytes.length) this.fail('unterminated array');
      if (this.bytes[this.pos] === 0x5d) {
        this.pos++;
        return items;
      }
      items.push(this.parseValue(depth + 1));
    }
  }

  private parseDict(depth: number): PdfDict {
    this.pos += 2;
    const d = new PdfDict();
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= this.bytes.length) this.fail('unterminated dictionary');
      if (this.bytes[this.pos] === 0x3e && this.bytes[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return d;
      }
      const key = this.parseValue(depth + 1);
      if (!(key instanceof PdfName)) this.fail('dictionary key is not a name');
      d.set(key.name, this.parseValue(depth + 1));
    }
  }
}

export function parseNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) {
    // Tolerate what real writers emit: "--5", "5-", "0.0.1" are read as the leading number (as pdf.js does).
    const m = /^[+-]*(\d*\.?\d+)/.exec(text);
    return m ? Number(m[1]) * (text.startsWith('-') ? -1 : 1) : undefined;
  }
  return Number(text);
}
