/**
 * Page layout for the audit report with pdf-lib: A4, Helvetica with WinAnsiEncoding (a standard
 * font every reader has, so nothing is embedded and `pdftotext` gets the text back), headings,
 * label–value rows, wrapped paragraphs, a running header and "page X of Y" footers.
 */
import { Encodings } from '@pdf-lib/standard-fonts';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { left: 56, right: 56, top: 64, bottom: 64 };
/** The widest a label may push its value; the indent of a value's continuation lines. */
const LABEL_WIDTH = 220;
const INDENT = 16;
const GREY = rgb(0.35, 0.35, 0.35);

/** Replacements for common characters outside WinAnsi, before falling back to dropping accents. */
const SUBSTITUTES: Record<string, string> = { '\u2212': '-', '\u2010': '-', '\u2011': '-', '\u00a0': ' ', '\u202f': ' ', '\u2009': ' ', '\u2007': ' ', '\u2032': "'", '\u2033': '"' };

/**
 * `text` with only characters WinAnsiEncoding can show: white space becomes a plain space,
 * control characters go, letters outside the set lose their accents (ő → o) where that helps,
 * and anything else becomes '?'. pdf-lib's standard fonts throw on such characters otherwise.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!;
    if (/\s/u.test(ch)) out += ' ';
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else if (Encodings.WinAnsi.canEncodeUnicodeCodePoint(cp)) out += ch;
    else if (SUBSTITUTES[ch]) out += SUBSTITUTES[ch];
    else {
      const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      out += [...base].every((c) => Encodings.WinAnsi.canEncodeUnicodeCodePoint(c.codePointAt(0)!)) && base ? base : '?';
    }
  }
  return out;
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

export interface ReportLayoutOptions {
  /** Document information (title, author) and the running header on every page. */
  title: string;
  author: string;
  header: string;
  language: string;
  createdAt: Date;
}

export class ReportLayout {
  private page!: PDFPage;
  private y = 0;

  private constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
    private readonly options: ReportLayoutOptions,
  ) {
    this.newPage();
  }

  static async create(options: ReportLayoutOptions): Promise<ReportLayout> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.setTitle(toWinAnsi(options.title), { showInWindowTitleBar: true });
    doc.setAuthor(toWinAnsi(options.author));
    doc.setCreator('Paraaf');
    doc.setProducer('Paraaf (pdf-lib)');
    doc.setLanguage(options.language);
    doc.setCreationDate(options.createdAt);
    doc.setModificationDate(options.createdAt);
    const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
    return new ReportLayout(doc, fonts, options);
  }

  private get width(): number {
    return PAGE.width - MARGIN.left - MARGIN.right;
  }

  private newPage(): void {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    const header = toWinAnsi(this.options.header);
    this.page.drawText(this.fit(header, this.fonts.regular, 8, this.width), { x: MARGIN.left, y: PAGE.height - 36, size: 8, font: this.fonts.regular, color: GREY });
    this.page.drawLine({ start: { x: MARGIN.left, y: PAGE.height - 42 }, end: { x: PAGE.width - MARGIN.right, y: PAGE.height - 42 }, thickness: 0.5, color: GREY });
    this.y = PAGE.height - MARGIN.top;
  }

  /** Starts a new page unless `height` points are still free on this one. */
  keep(height: number): void {
    if (this.y - height < MARGIN.bottom) this.newPage();
  }

  gap(points: number): void {
    this.y -= points;
  }

  title(text: string): void {
    this.block(text, { font: this.fonts.bold, size: 18, x: MARGIN.left, width: this.width });
    this.gap(6);
  }

  heading(text: string): void {
    this.keep(48);
    this.gap(10);
    this.block(text, { font: this.fonts.bold, size: 13, x: MARGIN.left, width: this.width });
    this.page.drawLine({ start: { x: MARGIN.left, y: this.y + 3 }, end: { x: PAGE.width - MARGIN.right, y: this.y + 3 }, thickness: 0.5, color: GREY });
    this.gap(4);
  }

  subheading(text: string): void {
    this.keep(36);
    this.gap(6);
    this.block(text, { font: this.fonts.bold, size: 10, x: MARGIN.left, width: this.width });
  }

  paragraph(text: string, size = 9): void {
    this.block(text, { font: this.fonts.regular, size, x: MARGIN.left, width: this.width });
  }

  /**
   * `Label: value` on one line, the value wrapping under itself with a hanging indent. Label and
   * value share a baseline, so text extraction keeps each pair together.
   */
  field(label: string, value: string, size = 9): void {
    const leading = size * 1.35;
    const prefix = `${toWinAnsi(label)}: `;
    const prefixWidth = Math.min(this.fonts.bold.widthOfTextAtSize(prefix, size), LABEL_WIDTH);
    const lines = this.wrap(toWinAnsi(value), this.fonts.regular, size, this.width - prefixWidth, this.width - INDENT);
    this.keep(Math.min(lines.length, 3) * leading);
    this.page.drawText(prefix, { x: MARGIN.left, y: this.y - size, size, font: this.fonts.bold });
    for (const [index, line] of lines.entries()) {
      if (index > 0) this.keep(leading);
      this.page.drawText(line, { x: MARGIN.left + (index === 0 ? prefixWidth : INDENT), y: this.y - size, size, font: this.fonts.regular });
      this.y -= leading;
    }
  }

  private block(text: string, style: { font: PDFFont; size: number; x: number; width: number }): void {
    const leading = style.size * 1.35;
    for (const line of this.wrap(toWinAnsi(text), style.font, style.size, style.width)) {
      this.keep(leading);
      this.page.drawText(line, { x: style.x, y: this.y - style.size, size: style.size, font: style.font });
      this.y -= leading;
    }
  }

  /** Greedy word wrap; a word wider than the line (a user agent, a long id) is cut where it must be. */
  private wrap(text: string, font: PDFFont, size: number, firstWidth: number, restWidth = firstWidth): string[] {
    const lines: string[] = [];
    const width = () => (lines.length === 0 ? firstWidth : restWidth);
    let line = '';
    for (const word of text.split(' ').filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) <= width()) {
        line = candidate;
        continue;
      }
      // A hash or id should not be cut when the next line has room for it whole.
      if (line || font.widthOfTextAtSize(word, size) <= restWidth) lines.push(line);
      line = word;
      while (font.widthOfTextAtSize(line, size) > width()) {
        let cut = line.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width()) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    if (line || lines.length === 0) lines.push(line);
    return lines;
  }

  private fit(text: string, font: PDFFont, size: number, width: number): string {
    let out = text;
    while (out.length > 1 && font.widthOfTextAtSize(out, size) > width) out = out.slice(0, -2) + '…';
    return out;
  }

  /** Draws `footer(page, pages)` on every page and serialises with a classic xref table. */
  async finish(footer: (page: number, pages: number) => string): Promise<Buffer> {
    const pages = this.doc.getPages();
    for (const [index, page] of pages.entries()) {
      const text = toWinAnsi(footer(index + 1, pages.length));
      const width = this.fonts.regular.widthOfTextAtSize(text, 8);
      page.drawText(text, { x: PAGE.width - MARGIN.right - width, y: 36, size: 8, font: this.fonts.regular, color: GREY });
    }
    // No object streams: the seal is appended as an incremental update in the same (table) style.
    return Buffer.from(await this.doc.save({ useObjectStreams: false }));
  }
}
