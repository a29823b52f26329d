/**
 * Visible signature appearances (ISO 32000-2 §12.7.4.5, §12.5.5): a form XObject with the
 * signer's name, function, date and time and the words "Digitaal ondertekend", sized to the
 * widget. Drawn with plain operators and the standard Helvetica faces.
 */
import { PdfStream, dict, name } from './objects.ts';
import { formatNumber as n } from './serialize.ts';
import { fitText, fontResources, textOperators, textWidth, type FontFace } from './text.ts';

export interface AppearanceLine {
  text: string;
  face?: FontFace;
}

export interface SignatureAppearanceOptions {
  width: number;
  height: number;
  lines: AppearanceLine[];
  /** Page rotation (0, 90, 180, 270): the appearance is counter-rotated so it reads upright. */
  rotate?: number;
}

/** The form XObject for a visible signature widget. */
export function signatureAppearance(options: SignatureAppearanceOptions): PdfStream {
  const rotate = (((options.rotate ?? 0) % 360) + 360) % 360;
  const sideways = rotate === 90 || rotate === 270;
  // Draw in the reader's upright frame; /Matrix maps it onto the rotated page (§12.5.5).
  const width = sideways ? options.height : options.width;
  const height = sideways ? options.width : options.height;
  const content = drawBlock(width, height, options.lines);
  const matrix = rotationMatrix(rotate, width, height);
  const streamDict = dict({
    Type: name('XObject'),
    Subtype: name('Form'),
    BBox: [0, 0, width, height],
    Resources: dict({ Font: fontResources() }),
    Matrix: matrix,
  });
  return new PdfStream(streamDict, Buffer.from(content, 'latin1'));
}

function rotationMatrix(rotate: number, width: number, height: number): number[] | undefined {
  if (rotate === 90) return [0, 1, -1, 0, height, 0];
  if (rotate === 180) return [-1, 0, 0, -1, width, height];
  if (rotate === 270) return [0, -1, 1, 0, 0, width];
  return undefined;
}

function drawBlock(width: number, height: number, lines: AppearanceLine[]): string {
  const pad = Math.min(6, width * 0.04, height * 0.08);
  const innerWidth = Math.max(1, width - 2 * pad);
  const lineFactor = 1.25;
  // The largest size (≤ 10 pt) at which every line fits the box's height and, mostly, its width.
  let size = Math.min(10, (height - 2 * pad) / (lines.length * lineFactor));
  for (const line of lines) {
    const w = textWidth(line.text, line.face ?? 'regular', size);
    if (w > innerWidth) size = Math.max(5, (size * innerWidth) / w);
  }
  size = Math.max(1, size);
  let out = 'q\n';
  // A light blue panel with a darker left rule: recognisable as a signature, good contrast for the text.
  out += `0.94 0.96 1 rg 0 0 ${n(width)} ${n(height)} re f\n`;
  out += `0.05 0.27 0.55 rg 0 0 ${n(Math.min(3, width * 0.02))} ${n(height)} re f\n`;
  out += '0.1 0.1 0.1 rg\n';
  const blockHeight = lines.length * size * lineFactor;
  let y = (height + blockHeight) / 2 - size;
  for (const line of lines) {
    const face = line.face ?? 'regular';
    out += textOperators(fitText(line.text, face, size, innerWidth), face, size, pad + Math.min(3, width * 0.02), y);
    y -= size * lineFactor;
  }
  return out + 'Q\n';
}

/** An empty appearance for invisible signatures (§12.7.4.5: a widget still needs /AP in PDF 2.0). */
export function emptyAppearance(): PdfStream {
  return new PdfStream(dict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 0, 0] }), Buffer.alloc(0));
}
