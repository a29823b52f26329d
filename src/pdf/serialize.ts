/** Writing PDF objects (ISO 32000-2 §7.3) as bytes for an incremental update. */
import { PdfDict, PdfName, PdfRaw, PdfRef, PdfStream, PdfString, type PdfValue } from './objects.ts';

const NAME_SAFE = /^[!-~]$/;
const NAME_ESCAPE = new Set('()<>[]{}/%#'.split(''));

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '0';
  if (Number.isInteger(value)) return String(value);
  // No exponent notation in PDF (§7.3.3); six decimals are finer than any device needs.
  const fixed = value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

export function formatName(name: string): string {
  let out = '/';
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    out += NAME_SAFE.test(ch) && !NAME_ESCAPE.has(ch) && code <= 0xff ? ch : '#' + (code & 0xff).toString(16).padStart(2, '0');
  }
  return out;
}

function formatString(value: PdfString): string {
  if (value.hex) return '<' + value.bytes.toString('hex') + '>';
  let out = '(';
  for (const byte of value.bytes) {
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += '\\' + String.fromCharCode(byte);
    else if (byte < 0x20 || byte > 0x7e) out += '\\' + byte.toString(8).padStart(3, '0');
    else out += String.fromCharCode(byte);
  }
  return out + ')';
}

/** Serializes a direct value into latin1 text (streams are handled by `serializeObject`). */
export function serializeValue(value: PdfValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof PdfName) return formatName(value.name);
  if (value instanceof PdfRef) return `${value.num} ${value.gen} R`;
  if (value instanceof PdfString) return formatString(value);
  if (value instanceof PdfRaw) return value.text;
  if (Array.isArray(value)) return '[' + value.map(serializeValue).join(' ') + ']';
  if (value instanceof PdfDict) {
    let out = '<<';
    for (const [key, v] of value.map) out += formatName(key) + ' ' + serializeValue(v);
    return out + '>>';
  }
  if (value instanceof PdfStream) throw new Error('a stream cannot be a direct object');
  return 'null';
}

/** `N G obj … endobj` with the stream data, when any, written as is. */
export function serializeObject(ref: PdfRef, value: PdfValue): Buffer {
  const head = `${ref.num} ${ref.gen} obj\n`;
  if (value instanceof PdfStream) {
    const dict = value.dict.clone().set('Length', value.raw.length);
    return Buffer.concat([Buffer.from(head + serializeValue(dict) + '\nstream\n', 'latin1'), value.raw, Buffer.from('\nendstream\nendobj\n', 'latin1')]);
  }
  return Buffer.from(head + serializeValue(value) + '\nendobj\n', 'latin1');
}
