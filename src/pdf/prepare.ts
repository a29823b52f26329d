/**
 * Preparation before the first signature (DESIGN §5): one empty, named signature field per
 * signer, at the staff's placements or in a labelled block on appended signature pages.
 * Always written as an incremental update, so a file that is already signed keeps its
 * signatures valid and a plain file keeps every byte its producer wrote (PDF/A, tags).
 */
import { AppError } from '../errors.ts';
import { addSignatureField, appendToArray, safeFieldName, uniqueFieldName, updateDict } from './fields.ts';
import { IncrementalUpdate } from './incremental.ts';
import { PdfRef, PdfStream, dict, name } from './objects.ts';
import { pageInfo, pageRefs } from './pages.ts';
import { PdfReader } from './reader.ts';
import { findSignatures } from './signatures.ts';
import { formatNumber as n } from './serialize.ts';
import { fitText, fontResources, textOperators, wrapText } from './text.ts';

export interface FieldPlacement {
  /** 1-based page number. */
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SignerSlot {
  /** Label above the block on the signature page, e.g. "De algemeen directeur". */
  label: string;
  name: string;
  function?: string;
  fieldName?: string;
  /** Where the field goes; without it the signer gets a block on the signature page. */
  placement?: FieldPlacement;
}

export interface PrepareOptions {
  signers: SignerSlot[];
  /** The line above the blocks, e.g. "Namens de gemeenteraad". */
  heading?: string;
  /** Title of the signature page: the decision body and the sitting, e.g. "Gemeenteraad — zitting van 3 december 2026". */
  title?: string;
  /** Under the title: the decision it closes, e.g. "Goedkeuring van de notulen". */
  subtitle?: string;
}

export interface PreparedField {
  fieldName: string;
  placement: FieldPlacement;
}

export interface PreparedPdf {
  pdf: Buffer;
  fields: PreparedField[];
  /** Page count after preparation. */
  pageCount: number;
}

const BLOCK = { width: 210, height: 70, gap: 30, labelGap: 48 };

export function prepareForSigning(pdf: Buffer, options: PrepareOptions): PreparedPdf {
  if (options.signers.length === 0) throw new AppError('invalid_request', 400, 'At least one signer is needed.');
  const reader = PdfReader.open(pdf);
  const update = new IncrementalUpdate(reader);
  const pages = pageRefs(reader);
  const taken = new Set<string>();
  const fieldName = (slot: SignerSlot): string => {
    const unique = uniqueFieldName(reader, safeFieldName(slot.fieldName ?? `Handtekening_${slot.name}`), taken);
    taken.add(unique);
    return unique;
  };
  // A page added after a signature is a change that signature does not allow (§12.8.2.2):
  // on a signed upload, signers without a placement get invisible fields instead.
  const alreadySigned = findSignatures(reader).length > 0;
  const unplaced = options.signers.filter((s) => !s.placement);
  const signaturePages = unplaced.length > 0 && !alreadySigned ? appendSignaturePages(update, reader, pages, unplaced, options) : undefined;
  const addedPages = signaturePages?.refs.length ?? 0;
  const fields: PreparedField[] = [];
  for (const slot of options.signers) {
    const placement = slot.placement ?? signaturePages?.placements.get(slot) ?? { page: 1, x: 0, y: 0, width: 0, height: 0 };
    if (placement.page < 1 || placement.page > pages.length + addedPages) {
      throw new AppError('placement_invalid', 400, `Page ${placement.page} does not exist; the document has ${pages.length} pages.`);
    }
    const page = placement.page > pages.length ? signaturePages!.refs[placement.page - pages.length - 1] : pages[placement.page - 1];
    const name = fieldName(slot);
    const rect = [placement.x, placement.y, placement.x + placement.width, placement.y + placement.height];
    addSignatureField(update, { name, page, rect });
    fields.push({ fieldName: name, placement });
  }
  const built = update.build();
  return { pdf: Buffer.concat([pdf, built.bytes]), fields, pageCount: pages.length + addedPages };
}

/**
 * The label above a block, at 11 pt bold on one line or, when it is longer than the block (a delegate's "Bij opdracht
 * van de voorzitter van het bijzonder comité voor de sociale dienst"), over two lines, at 10 pt if 11 pt needs three;
 * only what still overflows is cut.
 */
function blockLabel(label: string, x: number, blockTop: number): string {
  const size = wrapText(label, 'bold', 11, BLOCK.width).length <= 2 ? 11 : 10;
  const [first = '', ...rest] = wrapText(label, 'bold', size, BLOCK.width);
  const lines = rest.length > 0 ? [first, rest.join(' ')] : [first];
  return lines.map((line, i) => textOperators(fitText(line, 'bold', size, BLOCK.width), 'bold', size, x, blockTop - 11 - i * (size + 2))).join('');
}

/**
 * Adds signature pages at the end of the document, each with the title and heading, holding a labelled
 * block per signer in rows of one or two; as many pages as the signers need (an envelope may have 50).
 */
function appendSignaturePages(update: IncrementalUpdate, reader: PdfReader, pages: PdfRef[], slots: SignerSlot[], options: PrepareOptions) {
  const last = pageInfo(reader, pages[pages.length - 1]);
  const sideways = last.rotate === 90 || last.rotate === 270;
  const [x1, y1, x2, y2] = last.mediaBox;
  // Same size as the last page, upright, A4 when the last page is landscape or odd.
  const portrait = !sideways && y2 - y1 >= x2 - x1 && x2 - x1 >= 400;
  const width = portrait ? x2 - x1 : 595.28;
  const height = portrait ? y2 - y1 : 841.89;
  const margin = 72;
  let header = '0.1 0.1 0.1 rg\n';
  let top = height - margin;
  header += textOperators(fitText(options.title ?? 'Ondertekening', 'bold', 16, width - 2 * margin), 'bold', 16, margin, top);
  top -= 28;
  if (options.subtitle) {
    header += textOperators(fitText(options.subtitle, 'bold', 12, width - 2 * margin), 'bold', 12, margin, top);
    top -= 24;
  }
  if (options.heading) {
    header += textOperators(fitText(options.heading, 'regular', 12, width - 2 * margin), 'regular', 12, margin, top);
    top -= 24;
  }
  const columns = width - 2 * margin >= 2 * BLOCK.width + BLOCK.gap ? 2 : 1;
  const rowHeight = BLOCK.height + BLOCK.labelGap + BLOCK.gap;
  const rowsPerPage = Math.floor((top - margin / 2) / rowHeight);
  if (rowsPerPage < 1) {
    throw new AppError('too_many_signers', 400, 'The signature page has no room for a signature block; place the fields on the pages instead.');
  }
  const perPage = rowsPerPage * columns;
  const placements = new Map<SignerSlot, FieldPlacement>();
  const refs: PdfRef[] = [];
  const root = reader.catalog().get('Pages') as PdfRef;
  for (let first = 0; first < slots.length; first += perPage) {
    const pageNumber = pages.length + refs.length + 1;
    let content = header;
    slots.slice(first, first + perPage).forEach((slot, i) => {
      const column = i % columns;
      const row = Math.floor(i / columns);
      const bx = margin + column * (BLOCK.width + BLOCK.gap);
      const blockTop = top - row * rowHeight;
      // Only the role above the block: the signature's appearance prints the name and function inside it (issue 12: once, not twice).
      content += blockLabel(slot.label, bx, blockTop);
      const by = blockTop - BLOCK.labelGap + 10 - BLOCK.height;
      content += `0.55 0.6 0.7 RG 0.75 w ${n(bx)} ${n(by)} ${n(BLOCK.width)} ${n(BLOCK.height)} re S\n`;
      placements.set(slot, { page: pageNumber, x: bx, y: by, width: BLOCK.width, height: BLOCK.height });
    });
    const contents = update.add(new PdfStream(dict({}), Buffer.from(content, 'latin1')));
    const ref = update.add(
      dict({
        Type: name('Page'),
        Parent: root,
        MediaBox: [0, 0, width, height],
        Rotate: 0,
        Resources: dict({ Font: fontResources() }),
        Contents: contents,
      }),
    );
    appendToArray(update, root, 'Kids', ref);
    const rootDict = reader.dict(update.get(root))!;
    updateDict(update, root, { Count: Number(rootDict.get('Count') ?? pages.length) + 1 });
    refs.push(ref);
  }
  return { refs, placements };
}
