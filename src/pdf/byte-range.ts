/**
 * The ByteRange of a signature or document timestamp dictionary (ISO 32000-2 §12.8.1): written first
 * as a fixed-width placeholder, then, once the update's bytes are laid out, filled with the two ranges
 * around the /Contents hex string, so that the hash covers the whole revision except that gap.
 */
import { PdfRaw } from './objects.ts';
import type { BuiltUpdate } from './incremental.ts';

export const BYTE_RANGE_PLACEHOLDER = '[0 9999999999 9999999999 9999999999]';

/** Placeholders for /ByteRange and for a /Contents of `contentsSize` bytes (hex: twice as many digits). */
export function signatureGapPlaceholders(contentsSize: number): { ByteRange: PdfRaw; Contents: PdfRaw } {
  return { ByteRange: new PdfRaw(BYTE_RANGE_PLACEHOLDER), Contents: new PdfRaw('<' + '0'.repeat(contentsSize * 2) + '>') };
}

export interface SignatureGap {
  /** Offset in the update's bytes of the '<' opening /Contents. */
  contentsAt: number;
  /** Offset in the update's bytes just past the '>' closing /Contents. */
  contentsEnd: number;
}

/**
 * Fills the ByteRange of the dictionary written as object `num` of `built`, appended to a file of
 * `base` bytes, and returns where its /Contents gap lies in `built.bytes`.
 */
export function fillByteRange(built: BuiltUpdate, num: number, base: number, contentsSize: number): SignatureGap {
  const { bytes } = built;
  const objectAt = built.offsets.get(num)!;
  const rangeAt = bytes.indexOf('/ByteRange ' + BYTE_RANGE_PLACEHOLDER, objectAt, 'latin1') + '/ByteRange '.length;
  const contentsAt = bytes.indexOf('/Contents <', objectAt, 'latin1') + '/Contents '.length;
  const contentsEnd = contentsAt + 2 + contentsSize * 2;
  const byteRange = [0, base + contentsAt, base + contentsEnd, bytes.length - contentsEnd];
  const rangeText = `[${byteRange.join(' ')}]`;
  bytes.write(rangeText.slice(0, -1).padEnd(BYTE_RANGE_PLACEHOLDER.length - 1, ' ') + ']', rangeAt, 'latin1');
  return { contentsAt, contentsEnd };
}
