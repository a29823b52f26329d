/**
 * Text in the standard Helvetica faces with WinAnsiEncoding (ISO 32000-2 Annex D): every
 * reader has these fonts, nothing is embedded, and Dutch, French and English text fits in it.
 * Glyph widths come from the Adobe font metrics that pdf-lib ships.
 */
import { Encodings, Font, FontNames } from '@pdf-lib/standard-fonts';
import { name, dict, type PdfDict } from './objects.ts';
import { formatNumber } from './serialize.ts';

export type FontFace = 'regular' | 'bold';

const faces: Record<FontFace, { font: Font; resource: string; baseFont: string }> = {
  regular: { font: Font.load(FontNames.Helvetica), resource: 'Helv', baseFont: 'Helvetica' },
  bold: { font: Font.load(FontNames.HelveticaBold), resource: 'HeBo', baseFont: 'Helvetica-Bold' },
};

interface Encoded {
  codes: Buffer;
  glyphs: string[];
}

function encode(text: string): Encoded {
  const codes: number[] = [];
  const glyphs: string[] = [];
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!;
    const target = Encodings.WinAnsi.canEncodeUnicodeCodePoint(cp) ? cp : 0x3f; // '?' for what WinAnsi lacks
    const { code, name: glyph } = Encodings.WinAnsi.encodeUnicodeCodePoint(target);
    codes.push(code);
    glyphs.push(glyph);
  }
  return { codes: Buffer.from(codes), glyphs };
}

export function textWidth(text: string, face: FontFace, size: number): number {
  const { font } = faces[face];
  const units = encode(text).glyphs.reduce((sum, glyph) => sum + (font.getWidthOfGlyph(glyph) || 556), 0);
  return (units * size) / 1000;
}

/** One line of text as content-stream operators, at (x, y) baseline. */
export function textOperators(text: string, face: FontFace, size: number, x: number, y: number): string {
  const hex = encode(text).codes.toString('hex');
  return `BT /${faces[face].resource} ${formatNumber(size)} Tf ${formatNumber(x)} ${formatNumber(y)} Td <${hex}> Tj ET\n`;
}

/** The /Font resource dictionary entries for both faces (direct font dictionaries). */
export function fontResources(): PdfDict {
  const fonts = dict({});
  for (const face of Object.values(faces)) {
    fonts.set(face.resource, dict({ Type: name('Font'), Subtype: name('Type1'), BaseFont: name(face.baseFont), Encoding: name('WinAnsiEncoding') }));
  }
  return fonts;
}

/** Shrinks text to fit a width, with an ellipsis, for names longer than their box. */
export function fitText(text: string, face: FontFace, size: number, maxWidth: number): string {
  if (textWidth(text, face, size) <= maxWidth) return text;
  let cut = text;
  while (cut.length > 1 && textWidth(cut + '…', face, size) > maxWidth) cut = cut.slice(0, -1);
  return cut + '…';
}

/** Greedy word wrap at spaces; a word wider than the box stays on its own row. */
export function wrapText(text: string, face: FontFace, size: number, maxWidth: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = row ? `${row} ${word}` : word;
    if (row && textWidth(candidate, face, size) > maxWidth) {
      rows.push(row);
      row = word;
    } else row = candidate;
  }
  return row ? [...rows, row] : rows;
}
