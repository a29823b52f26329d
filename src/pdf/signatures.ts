/**
 * Finding the signatures of a document for validation: every signature field's value with its
 * ByteRange and /Contents, the revision boundaries of the file, and whether a ByteRange's gap
 * is exactly the /Contents hex string (ISO 32000-2 §12.8.1).
 */
import { PdfDict, PdfName, PdfString } from './objects.ts';
import { listFields } from './fields.ts';
import type { PdfReader } from './reader.ts';

export interface FoundSignature {
  fieldName: string;
  dict: PdfDict;
  subFilter: string;
  byteRange: number[];
  contents: Buffer;
  /** The ByteRange is [0 a b c], its gap holds exactly the /Contents string, and it stays inside the file. */
  byteRangeValid: boolean;
}

export function findSignatures(reader: PdfReader): FoundSignature[] {
  const found: FoundSignature[] = [];
  for (const field of listFields(reader)) {
    if (field.type !== 'Sig') continue;
    const value = reader.dict(field.dict.get('V'));
    if (!value) continue;
    const byteRange = (reader.array(value.get('ByteRange')) ?? []).map((v) => Number(reader.resolve(v)));
    const contents = reader.resolve(value.get('Contents'));
    const subFilter = reader.resolve(value.get('SubFilter'));
    found.push({
      fieldName: field.name,
      dict: value,
      subFilter: subFilter instanceof PdfName ? subFilter.name : '',
      byteRange,
      contents: contents instanceof PdfString ? contents.bytes : Buffer.alloc(0),
      byteRangeValid: byteRangeIsSound(reader.bytes, byteRange, contents instanceof PdfString ? contents.bytes : undefined),
    });
  }
  // File order: the signature covering the least comes first.
  return found.sort((a, b) => signedEnd(a.byteRange) - signedEnd(b.byteRange));
}

export function signedEnd(byteRange: number[]): number {
  return byteRange.length === 4 ? byteRange[2] + byteRange[3] : 0;
}

function byteRangeIsSound(bytes: Buffer, br: number[], contents: Buffer | undefined): boolean {
  if (br.length !== 4 || !br.every((n) => Number.isInteger(n) && n >= 0)) return false;
  const [a, b, c, d] = br;
  if (a !== 0 || b >= c || c + d > bytes.length || !contents) return false;
  if (bytes[b] !== 0x3c /* < */ || bytes[c - 1] !== 0x3e /* > */) return false;
  const hex = bytes.toString('latin1', b + 1, c - 1);
  // The usual gap, hex digits only: decoded natively (it stops at the first other character), no pattern run over it.
  const decoded = Buffer.from(hex, 'hex');
  if (decoded.length * 2 === hex.length) return decoded.equals(contents);
  if (!/^[0-9a-fA-F\s]*$/.test(hex)) return false;
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex').equals(contents);
}

/**
 * Byte offsets just past each revision's `%%EOF` (and its end-of-line). A linearized file's
 * first-page trailer is not a revision of its own (ISO 32000-2 Annex F).
 */
export function revisionEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  for (let at = bytes.indexOf('%%EOF', 0, 'latin1'); at >= 0; at = bytes.indexOf('%%EOF', at + 5, 'latin1')) {
    if (bytes.lastIndexOf('startxref', at, 'latin1') < at - 48) continue;
    let end = at + 5;
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] === 0x0a) end++;
    ends.push(end);
  }
  if (ends.length > 1 && bytes.subarray(0, 1024).includes('/Linearized')) ends.shift();
  if (ends.length === 0 || ends[ends.length - 1] < bytes.length - 64) ends.push(bytes.length);
  return ends;
}

/** 1-based revision whose end matches `end` (tolerating a missing end-of-line), else 0. */
export function revisionOf(ends: number[], end: number): number {
  const index = ends.findIndex((e) => e >= end && e - end <= 2);
  return index + 1;
}
