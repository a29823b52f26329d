/**
 * Visible signature appearances (ISO 32000-2 §12.7.4.5, §12.5.5): a form XObject with the
 * signer's name, function, date and time and the words "Digitaal ondertekend", sized to the
 * widget. Drawn with plain operators and the standard Helvetica faces.
 */
import { PdfStream, dict, name } from './objects.ts';
import { formatNumber as n } from './serialize.ts';
import { fitText, fontResources, textOperators, textWidth, wrapText, type FontFace } from './text.ts';

export interface AppearanceLine {
  text: string;
  face?: FontFace;
  /**
   * Break at spaces onto further rows rather than shrink the block or cut the text with an ellipsis: for words that
   * must be read whole, such as a delegation statement ("Bij opdracht van de algemeen directeur,") or a long function.
   */
  wrap?: boolean;
}

/** What is drawn: the font size and the rows, top to bottom, after wrapping. */
export interface AppearanceLayout {
  size: number;
  rows: Array<{ text: string; face: FontFace }>;
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

const LINE_FACTOR = 1.25;
const MAX_SIZE = 10;
const MIN_SIZE = 5;
/** How much smaller each try is when wrapped rows do not fit yet. */
const SIZE_STEP = 0.25;

function padOf(width: number, height: number): number {
  return Math.min(6, width * 0.04, height * 0.08);
}

/**
 * The largest size (≤ 10 pt) at which every row fits the box: lines marked `wrap` are broken over rows, the others
 * shrink the size down to 5 pt. When nothing fits at 5 pt, lines are not wrapped and what overflows is cut with an ellipsis.
 */
export function layoutAppearance(width: number, height: number, lines: readonly AppearanceLine[]): AppearanceLayout {
  const pad = padOf(width, height);
  const innerWidth = Math.max(1, width - 2 * pad);
  const innerHeight = height - 2 * pad;
  const fits = (text: string, face: FontFace, size: number) => textWidth(text, face, size) <= innerWidth * (1 + 1e-9);
  let size = Math.min(MAX_SIZE, innerHeight / (lines.length * LINE_FACTOR));
  for (const line of lines) {
    const w = textWidth(line.text, line.face ?? 'regular', size);
    if (!line.wrap && w > innerWidth) size = Math.max(MIN_SIZE, (size * innerWidth) / w);
  }
  for (let tried = size; tried >= MIN_SIZE; tried -= SIZE_STEP) {
    const rows = lines.flatMap((line) => {
      const face = line.face ?? 'regular';
      return (line.wrap ? wrapText(line.text, face, tried, innerWidth) : [line.text]).map((text) => ({ text, face }));
    });
    if (rows.length * tried * LINE_FACTOR <= innerHeight * (1 + 1e-9) && rows.every((row) => fits(row.text, row.face, tried))) return { size: tried, rows };
  }
  size = Math.max(1, size);
  return { size, rows: lines.map((line) => ({ text: fitText(line.text, line.face ?? 'regular', size, innerWidth), face: line.face ?? 'regular' })) };
}

function drawBlock(width: number, height: number, lines: AppearanceLine[]): string {
  const pad = padOf(width, height);
  const { size, rows } = layoutAppearance(width, height, lines);
  let out = 'q\n';
  // A light blue panel with a darker left rule: recognisable as a signature, good contrast for the text.
  out += `0.94 0.96 1 rg 0 0 ${n(width)} ${n(height)} re f\n`;
  out += `0.05 0.27 0.55 rg 0 0 ${n(Math.min(3, width * 0.02))} ${n(height)} re f\n`;
  out += '0.1 0.1 0.1 rg\n';
  const blockHeight = rows.length * size * LINE_FACTOR;
  let y = (height + blockHeight) / 2 - size;
  for (const row of rows) {
    out += textOperators(row.text, row.face, size, pad + Math.min(3, width * 0.02), y);
    y -= size * LINE_FACTOR;
  }
  return out + 'Q\n';
}

/** An empty appearance for invisible signatures (§12.7.4.5: a widget still needs /AP in PDF 2.0). */
export function emptyAppearance(): PdfStream {
  return new PdfStream(dict({ Type: name('XObject'), Subtype: name('Form'), BBox: [0, 0, 0, 0] }), Buffer.alloc(0));
}
