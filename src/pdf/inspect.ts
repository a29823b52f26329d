/**
 * The gate for untrusted uploads (DESIGN §8): before a PDF is stored, read all of it once
 * within fixed bounds — every object parses, the page tree is sound, no stream inflates past
 * a limit, it is not encrypted and not certified against changes. Signing itself stays lazy;
 * this is where a hostile file is turned away with a precise code.
 */
import { createInflate } from 'node:zlib';
import { PdfLockedError, PdfTooComplexError } from '../errors.ts';
import { decodeStream } from './filters.ts';
import { PdfName, PdfStream, type PdfValue } from './objects.ts';
import { pageRefs } from './pages.ts';
import { docMdpPermission } from './permissions.ts';
import { PdfReader } from './reader.ts';
import { findSignatures } from './signatures.ts';

export interface InspectLimits {
  /** Largest inflated size of one stream. */
  maxStreamBytes: number;
  /** Largest inflated size of all streams together. */
  maxTotalBytes: number;
  maxObjects: number;
}

export const DEFAULT_LIMITS: InspectLimits = {
  maxStreamBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxObjects: 1_000_000,
};

export interface PdfInspection {
  pdfVersion: string;
  pageCount: number;
  signatureCount: number;
  /** The DocMDP permission of a certification signature, when there is one. */
  certification: number | null;
  xref: 'table' | 'stream';
  repaired: boolean;
  objectCount: number;
}

export async function inspectPdf(pdf: Buffer, limits: InspectLimits = DEFAULT_LIMITS): Promise<PdfInspection> {
  const reader = PdfReader.open(pdf);
  const certification = docMdpPermission(reader) ?? null;
  if (certification === 1) throw new PdfLockedError();
  const pageCount = pageRefs(reader).length;
  const objectCount = reader.xref.entries.size;
  if (objectCount > limits.maxObjects) throw new PdfTooComplexError('The PDF has too many objects.', { detail: `${objectCount} objects` });
  let total = 0;
  for (const [num, entry] of reader.xref.entries) {
    if (entry.type === 0) continue;
    const value = reader.getObject(num);
    if (value instanceof PdfStream && isFlate(value, reader)) {
      total += await inflatedSize(value, reader, Math.min(limits.maxStreamBytes, limits.maxTotalBytes - total));
    }
  }
  const version = /%PDF-(\d\.\d)/.exec(pdf.subarray(0, 1024).toString('latin1'))?.[1] ?? 'unknown';
  const catalogVersion = reader.catalog().name('Version');
  return {
    pdfVersion: catalogVersion && catalogVersion > version ? catalogVersion : version,
    pageCount,
    signatureCount: findSignatures(reader).length,
    certification,
    xref: reader.xref.kind,
    repaired: reader.repaired,
    objectCount,
  };
}

function filtersOf(stream: PdfStream, reader: PdfReader): PdfValue[] {
  const filter = reader.resolve(stream.dict.get('Filter'));
  return Array.isArray(filter) ? filter.map((f) => reader.resolve(f) ?? null) : filter ? [filter] : [];
}

function isFlate(stream: PdfStream, reader: PdfReader): boolean {
  return filtersOf(stream, reader).some((f) => f instanceof PdfName && (f.name === 'FlateDecode' || f.name === 'Fl'));
}

/**
 * The inflated size of a stream, counted without keeping the output. Filters before the
 * last are decoded in memory (bounded); the last Flate stage is streamed and stopped at `budget`.
 */
async function inflatedSize(stream: PdfStream, reader: PdfReader, budget: number): Promise<number> {
  const filters = filtersOf(stream, reader);
  let data = stream.raw;
  if (filters.length > 1) {
    const inner = new PdfStream(stream.dict.clone().set('Filter', filters.slice(0, -1)).set('DecodeParms', null), stream.raw);
    try {
      data = decodeStream(inner, (v) => reader.resolve(v), budget);
    } catch (error) {
      // An encoding we do not decode ourselves (LZW, image codecs) cannot be a Flate bomb we must stop.
      if (error instanceof PdfTooComplexError) throw error;
      return 0;
    }
  }
  const last = filters[filters.length - 1];
  if (!(last instanceof PdfName) || (last.name !== 'FlateDecode' && last.name !== 'Fl')) return data.length;
  return new Promise((resolve, reject) => {
    let size = 0;
    const inflate = createInflate({ finishFlush: 2 /* Z_SYNC_FLUSH: tolerate truncated streams */ });
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > budget) {
        inflate.destroy();
        reject(new PdfTooComplexError('The PDF contains a stream that inflates beyond the allowed size.', { detail: `more than ${budget} bytes` }));
      }
    });
    // A damaged stream is the viewer's problem, not a reason to refuse the document.
    inflate.on('error', () => resolve(size));
    inflate.on('end', () => resolve(size));
    inflate.end(data);
  });
}
