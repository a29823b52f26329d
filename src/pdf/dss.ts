/**
 * The Document Security Store (ETSI EN 319 142-1 §5.4.2, ISO 32000-2 §12.8.4.3): the certificates,
 * OCSP responses and CRLs a validator needs to check every signature of the file offline.
 *
 * `readDss` returns what the newest /DSS holds (stream data decoded). `appendDss` adds validation data
 * as an incremental update in the file's own xref style: the new /DSS keeps referring to the streams
 * of the existing one (nothing earlier is rewritten), only data not yet present (compared byte for
 * byte) gets a new stream, and the catalog gets /DSS and the ESIC extension (§5.4.1). VRI
 * dictionaries are optional (§5.4.2.2) and not written; existing ones are carried over unchanged.
 */
import { PdfInvalidError } from '../errors.ts';
import { IncrementalUpdate } from './incremental.ts';
import { PdfDict, PdfName, PdfRef, PdfStream, dict, name, type PdfValue } from './objects.ts';
import { PdfReader } from './reader.ts';

export interface DssContent {
  /** DER certificates (/Certs). */
  certs: Buffer[];
  /** DER OCSPResponse structures (/OCSPs). */
  ocsps: Buffer[];
  /** DER CertificateList structures (/CRLs). */
  crls: Buffer[];
}

/** Bound per DSS array and per stream: a hostile file must not make us decode gigabytes. */
const MAX_ITEMS = 10_000;
const MAX_ITEM_BYTES = 16 * 1024 * 1024;
const KEYS = { certs: 'Certs', ocsps: 'OCSPs', crls: 'CRLs' } as const;

/** The content of the document's /DSS; empty arrays when it has none. Unreadable entries are skipped. */
export function readDss(reader: PdfReader): DssContent {
  const dss = reader.dict(reader.catalog().get('DSS'));
  const content: DssContent = { certs: [], ocsps: [], crls: [] };
  if (!dss) return content;
  for (const [field, key] of Object.entries(KEYS) as [keyof DssContent, string][]) {
    for (const item of (reader.array(dss.get(key)) ?? []).slice(0, MAX_ITEMS)) {
      const data = streamData(reader, item);
      if (data) content[field].push(data);
    }
  }
  return content;
}

function streamData(reader: PdfReader, item: PdfValue): Buffer | undefined {
  try {
    const stream = reader.resolve(item);
    return stream instanceof PdfStream ? reader.decode(stream, MAX_ITEM_BYTES) : undefined;
  } catch (error) {
    if (error instanceof PdfInvalidError) return undefined;
    throw error;
  }
}

export interface AppendDssResult {
  pdf: Buffer;
  /** How many certificates, OCSP responses and CRLs were new. */
  added: { certs: number; ocsps: number; crls: number };
}

/**
 * Returns `pdf` with one incremental update that makes /DSS hold everything it held plus `add`.
 * When every item of `add` is already there, the file is returned unchanged (no empty revision).
 * `reader` reads `pdf` (a caller that has read it already passes its reader; it is not changed).
 */
export function appendDss(pdf: Buffer, add: Partial<DssContent>, reader = PdfReader.open(pdf, { allowEncrypted: false })): AppendDssResult {
  const catalogRef = reader.catalogRef();
  const catalog = reader.catalog();
  const existing = reader.dict(catalog.get('DSS'));
  const update = new IncrementalUpdate(reader);
  const next = existing ? existing.clone() : dict({ Type: name('DSS') });
  const added = { certs: 0, ocsps: 0, crls: 0 };
  for (const [field, key] of Object.entries(KEYS) as [keyof DssContent, string][]) {
    const refs = [...(reader.array(existing?.get(key)) ?? [])];
    const present = new Set(refs.map((ref) => streamData(reader, ref)?.toString('base64')).filter(Boolean));
    for (const item of add[field] ?? []) {
      const id = item.toString('base64');
      if (present.has(id)) continue;
      present.add(id);
      // Stored as is: DER certificates and OCSP responses deflate by under a tenth, for ~50 µs each per signature (issue 11).
      refs.push(update.add(new PdfStream(dict({}), item)));
      added[field]++;
    }
    if (refs.length > 0) next.set(key, refs);
  }
  if (added.certs + added.ocsps + added.crls === 0) return { pdf, added };
  const dssValue = catalog.get('DSS');
  // An indirect /DSS is rewritten in place (same object number); a direct or missing one becomes indirect.
  const dssRef = dssValue instanceof PdfRef ? dssValue : update.add(next);
  if (dssValue instanceof PdfRef) update.set(dssRef, next);
  const nextCatalog = catalog.clone();
  nextCatalog.set('DSS', dssRef);
  nextCatalog.set('Extensions', withEsic(reader, catalog.get('Extensions')));
  update.set(catalogRef, nextCatalog);
  const built = update.build();
  return { pdf: Buffer.concat([pdf, built.bytes]), added };
}

/**
 * /Extensions with the ESIC developer extension, level 1 over PDF 1.7 (ETSI EN 319 142-1 §5.4.1),
 * keeping any other developer's entries (ISO 32000-2 §7.12).
 */
function withEsic(reader: PdfReader, current: PdfValue | undefined): PdfDict {
  const extensions = reader.dict(current)?.clone() ?? new PdfDict();
  const esic = reader.resolve(extensions.get('ESIC'));
  const level = esic instanceof PdfDict ? Number(esic.get('ExtensionLevel') ?? 0) : 0;
  if (level < 1) extensions.set('ESIC', dict({ BaseVersion: PdfName.of('1.7'), ExtensionLevel: 1 }));
  return extensions;
}
