/** The page tree (ISO 32000-2 §7.7.3): leaf pages in order, with inherited geometry. */
import { PdfInvalidError, PdfTooComplexError } from '../errors.ts';
import { PdfDict, PdfRef } from './objects.ts';
import type { PdfReader } from './reader.ts';

/** Far above any council decision; a tree claiming more is hostile or broken. */
export const MAX_PAGES = 50_000;

export interface PageInfo {
  ref: PdfRef;
  dict: PdfDict;
  /** [x1, y1, x2, y2] in default user space. */
  mediaBox: number[];
  cropBox: number[];
  rotate: number;
}

/** Leaf page references in document order; refuses cycles and absurd trees. */
export function pageRefs(reader: PdfReader): PdfRef[] {
  const root = reader.catalog().get('Pages');
  if (!(root instanceof PdfRef)) throw new PdfInvalidError('The PDF has no page tree.');
  const pages: PdfRef[] = [];
  const seen = new Set<number>();
  const stack: PdfRef[] = [root];
  while (stack.length) {
    const ref = stack.pop()!;
    if (seen.has(ref.num)) throw new PdfInvalidError('The PDF page tree is damaged.', { detail: `cycle at object ${ref.num}` });
    seen.add(ref.num);
    if (seen.size > MAX_PAGES * 2) throw new PdfTooComplexError('The PDF has too many pages.', { detail: `more than ${MAX_PAGES}` });
    const node = reader.dict(ref);
    if (!node) continue;
    const kids = reader.array(node.get('Kids'));
    if (node.name('Type') === 'Pages' || (kids && node.name('Type') !== 'Page')) {
      for (let i = (kids?.length ?? 0) - 1; i >= 0; i--) if (kids![i] instanceof PdfRef) stack.push(kids![i] as PdfRef);
    } else {
      pages.push(ref);
      if (pages.length > MAX_PAGES) throw new PdfTooComplexError('The PDF has too many pages.', { detail: `more than ${MAX_PAGES}` });
    }
  }
  if (pages.length === 0) throw new PdfInvalidError('The PDF has no pages.');
  return pages;
}

export function pageInfo(reader: PdfReader, ref: PdfRef): PageInfo {
  const page = reader.dict(ref);
  if (!page) throw new PdfInvalidError('The PDF has a missing page.', { detail: `page object ${ref.num}` });
  const inherited = (key: string): unknown => {
    let node: PdfDict | undefined = page;
    for (let depth = 0; node && depth < 64; depth++) {
      const value = reader.resolve(node.get(key));
      if (value !== undefined && value !== null) return value;
      node = reader.dict(node.get('Parent'));
    }
    return undefined;
  };
  const mediaBox = asBox(inherited('MediaBox')) ?? [0, 0, 595.28, 841.89];
  const cropBox = asBox(inherited('CropBox')) ?? mediaBox;
  const rotate = Number(inherited('Rotate') ?? 0);
  return { ref, dict: page, mediaBox, cropBox, rotate: Number.isFinite(rotate) ? (((rotate % 360) + 360) % 360) : 0 };
}

function asBox(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'number')) return undefined;
  const [a, b, c, d] = value as number[];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/**
 * The page at a 0-based index, found by descending the tree with each node's /Count, so the
 * cost follows the tree's depth rather than the number of pages. Falls back to a full walk
 * when the counts cannot be trusted.
 */
export function pageAt(reader: PdfReader, index: number): { ref: PdfRef; count: number } {
  const root = reader.catalog().get('Pages');
  const rootDict = reader.dict(root);
  const count = rootDict?.get('Count');
  if (root instanceof PdfRef && typeof count === 'number' && Number.isInteger(count) && count > 0 && count <= MAX_PAGES) {
    const found = descend(reader, root, index);
    if (found) return { ref: found, count };
  }
  const all = pageRefs(reader);
  if (index < 0 || index >= all.length) throw new PdfInvalidError('The PDF has no such page.', { detail: `page index ${index} of ${all.length}` });
  return { ref: all[index], count: all.length };
}

function descend(reader: PdfReader, root: PdfRef, index: number): PdfRef | undefined {
  let node = root;
  let remaining = index;
  for (let depth = 0; depth < 64; depth++) {
    const kids = reader.array(reader.dict(node)?.get('Kids'));
    if (!kids) return undefined;
    let next: PdfRef | undefined;
    for (const kid of kids) {
      if (!(kid instanceof PdfRef)) return undefined;
      const kidDict = reader.dict(kid);
      if (!kidDict) return undefined;
      if (kidDict.name('Type') === 'Pages' || kidDict.has('Kids')) {
        const kidCount = kidDict.get('Count');
        if (typeof kidCount !== 'number') return undefined;
        if (remaining < kidCount) {
          next = kid;
          break;
        }
        remaining -= kidCount;
      } else if (remaining === 0) {
        return kid;
      } else remaining--;
    }
    if (!next) return undefined;
    node = next;
  }
  return undefined;
}
