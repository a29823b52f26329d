/**
 * Stream decoding for the streams we must read ourselves: cross-reference streams, object
 * streams and (for validation) nothing else. Inflation is bounded so a few kilobytes that
 * inflate to gigabytes are refused instead of exhausting memory.
 */
import { inflateSync, constants } from 'node:zlib';
import { PdfInvalidError, PdfTooComplexError } from '../errors.ts';
import { PdfDict, PdfName, PdfStream, type PdfValue } from './objects.ts';

/** Default bound on one decoded stream: object and xref streams are far smaller in practice. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

export function decodeStream(stream: PdfStream, resolve: (v: PdfValue | undefined) => PdfValue | undefined, maxBytes = MAX_DECODED_BYTES): Buffer {
  const filters = asList(resolve(stream.dict.get('Filter')));
  const params = asList(resolve(stream.dict.get('DecodeParms')));
  let data = stream.raw;
  filters.forEach((filter, i) => {
    const name = filter instanceof PdfName ? filter.name : '';
    const parms = resolve(params[i]);
    if (name === 'FlateDecode' || name === 'Fl') data = inflateBounded(data, maxBytes);
    else if (name === 'ASCIIHexDecode' || name === 'AHx') data = Buffer.from(data.toString('latin1').replace(/>.*$/s, '').replace(/\s+/g, ''), 'hex');
    else if (name === 'ASCII85Decode' || name === 'A85') data = ascii85(data);
    else throw new PdfInvalidError('The PDF uses a stream encoding we cannot read.', { detail: `unsupported filter ${name}` });
    if (parms instanceof PdfDict) data = unpredict(data, parms);
  });
  return data;
}

function asList(value: PdfValue | undefined): PdfValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function inflateBounded(data: Buffer, maxBytes: number): Buffer {
  try {
    // Z_SYNC_FLUSH tolerates streams cut short, as Acrobat and pdf.js do.
    return inflateSync(data, { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PdfTooComplexError('The PDF contains a stream that inflates beyond the allowed size.', { detail: `inflated size > ${maxBytes} bytes`, cause: error });
    }
    throw new PdfInvalidError('The PDF contains a damaged compressed stream.', { cause: error });
  }
}

/** PNG predictors (RFC 2083 §6) and TIFF predictor 2, as used by xref streams (§7.4.4.4). */
function unpredict(data: Buffer, parms: PdfDict): Buffer {
  const predictor = Number(parms.get('Predictor') ?? 1);
  if (predictor < 10) {
    if (predictor === 1) return data;
    throw new PdfInvalidError('The PDF uses a stream predictor we cannot read.', { detail: `predictor ${predictor}` });
  }
  const colors = Number(parms.get('Colors') ?? 1);
  const bpc = Number(parms.get('BitsPerComponent') ?? 8);
  const columns = Number(parms.get('Columns') ?? 1);
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = Buffer.alloc(rows * rowLength);
  let prev = Buffer.alloc(rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLength + 1)];
    const row = data.subarray(r * (rowLength + 1) + 1, (r + 1) * (rowLength + 1));
    const cur = out.subarray(r * rowLength, (r + 1) * rowLength);
    for (let i = 0; i < rowLength; i++) {
      const left = i >= bpp ? cur[i - bpp] : 0;
      const up = prev[i];
      const upLeft = i >= bpp ? prev[i - bpp] : 0;
      let value = row[i];
      if (type === 1) value += left;
      else if (type === 2) value += up;
      else if (type === 3) value += (left + up) >> 1;
      else if (type === 4) value += paeth(left, up, upLeft);
      cur[i] = value & 0xff;
    }
    prev = cur;
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** ASCII base-85 (ISO 32000-2 §7.4.3): groups of five characters, `z` for four zero bytes, `~>` ends. */
function ascii85(data: Buffer): Buffer {
  const text = data.toString('latin1').replace(/~>.*$/s, '').replace(/^<~/, '').replace(/\s+/g, '');
  const out: number[] = [];
  let group: number[] = [];
  const flush = (chars: number[]): void => {
    const padded = [...chars, 84, 84, 84, 84].slice(0, 5);
    const value = padded.reduce((acc, c) => acc * 85 + c, 0);
    const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    out.push(...bytes.slice(0, chars.length - 1));
  };
  for (const ch of text) {
    if (ch === 'z' && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const c = ch.charCodeAt(0) - 33;
    if (c < 0 || c > 84) throw new PdfInvalidError('The PDF contains a damaged ASCII85 stream.');
    group.push(c);
    if (group.length === 5) {
      flush(group);
      group = [];
    }
  }
  if (group.length > 1) flush(group);
  return Buffer.from(out);
}
