/**
 * Signature fields in the interactive form (ISO 32000-2 §12.7, §12.7.5.5): finding them by
 * their fully qualified name, adding new ones with their widget on a page, and keeping the
 * AcroForm's /Fields and /SigFlags right. Every change goes through an IncrementalUpdate.
 */
import { AppError } from '../errors.ts';
import type { IncrementalUpdate } from './incremental.ts';
import { PdfDict, PdfRef, PdfString, dict, name, type PdfValue } from './objects.ts';
import type { PdfReader } from './reader.ts';

export interface FormField {
  /** Fully qualified name (§12.7.4.2), parts joined with '.'. */
  name: string;
  ref: PdfRef;
  dict: PdfDict;
  type: string | undefined;
  /** Widget annotations of the field (the field itself when they are merged). */
  widgets: PdfRef[];
}

const MAX_FIELDS = 100_000;

/** Every terminal field of the document's form, in tree order. */
export function listFields(reader: PdfReader): FormField[] {
  const acroForm = reader.dict(reader.catalog().get('AcroForm'));
  const roots = reader.array(acroForm?.get('Fields')) ?? [];
  const fields: FormField[] = [];
  const seen = new Set<number>();
  const walk = (ref: PdfValue, parentName: string, parentType: string | undefined, depth: number): void => {
    if (!(ref instanceof PdfRef) || seen.has(ref.num) || depth > 64 || seen.size > MAX_FIELDS) return;
    seen.add(ref.num);
    const field = reader.dict(ref);
    if (!field) return;
    const partial = reader.resolve(field.get('T'));
    const fullName = partial instanceof PdfString ? (parentName ? `${parentName}.${partial.toText()}` : partial.toText()) : parentName;
    const type = field.name('FT') ?? parentType;
    const kids = reader.array(field.get('Kids')) ?? [];
    const childFields = kids.filter((k) => k instanceof PdfRef && reader.dict(k)?.has('T'));
    if (childFields.length > 0) {
      for (const kid of childFields) walk(kid, fullName, type, depth + 1);
      return;
    }
    const widgets = field.name('Subtype') === 'Widget' ? [ref] : (kids.filter((k) => k instanceof PdfRef) as PdfRef[]);
    fields.push({ name: fullName, ref, dict: field, type, widgets });
  };
  for (const root of roots) walk(root, '', undefined, 0);
  return fields;
}

export function findField(reader: PdfReader, fieldName: string): FormField | undefined {
  return listFields(reader).find((f) => f.name === fieldName);
}

/** A name not used by any field yet: `base`, else `base_2`, `base_3` … */
export function uniqueFieldName(reader: PdfReader, base: string, taken: Set<string> = new Set()): string {
  const names = new Set([...listFields(reader).map((f) => f.name), ...taken]);
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Partial field names may not contain periods (§12.7.4.2). */
export function safeFieldName(value: string): string {
  return value.replace(/[.\s]+/g, '_').replace(/[^\p{L}\p{N}_-]/gu, '').slice(0, 64) || 'Handtekening';
}

export interface NewSignatureField {
  name: string;
  /** The page the widget sits on; required by PDF/A and by readers that list fields per page. */
  page: PdfRef;
  /** [x1, y1, x2, y2]; [0 0 0 0] for an invisible signature. */
  rect: number[];
  /** Field value (the signature dictionary) when it is signed in the same update. */
  value?: PdfRef;
  appearance?: PdfRef;
}

/** Adds a merged field+widget, lists it on its page and in the AcroForm. */
export function addSignatureField(update: IncrementalUpdate, field: NewSignatureField): PdfRef {
  if (field.name.includes('.')) throw new AppError('field_name_invalid', 400, 'A signature field name may not contain a period.');
  const widget = dict({
    Type: name('Annot'),
    Subtype: name('Widget'),
    FT: name('Sig'),
    T: PdfString.text(field.name),
    Rect: field.rect,
    // Print (4) + Locked (128): shown when printed, not movable once placed (§12.5.3).
    F: 132,
    P: field.page,
    V: field.value,
    AP: field.appearance ? dict({ N: field.appearance }) : undefined,
  });
  const ref = update.add(widget);
  appendToArray(update, field.page, 'Annots', ref);
  appendToAcroForm(update, ref);
  return ref;
}

/** Appends `item` to the array at `holder[key]`, rewriting the array object when it is indirect. */
export function appendToArray(update: IncrementalUpdate, holder: PdfRef, key: string, item: PdfValue): void {
  const holderDict = asDict(update.get(holder)).clone();
  const current = holderDict.get(key);
  if (current instanceof PdfRef) {
    const array = update.get(current);
    update.set(current, [...(Array.isArray(array) ? array : []), item]);
    return;
  }
  holderDict.set(key, [...(Array.isArray(current) ? current : []), item]);
  update.set(holder, holderDict);
}

/** Lists a field in the AcroForm and sets SigFlags SignaturesExist|AppendOnly (§12.7.3, Table 225). */
function appendToAcroForm(update: IncrementalUpdate, fieldRef: PdfRef): void {
  const catalogRef = update.reader.catalogRef();
  const catalog = asDict(update.get(catalogRef));
  const current = catalog.get('AcroForm');
  let acroFormRef: PdfRef;
  if (current instanceof PdfRef && update.get(current) instanceof PdfDict) {
    acroFormRef = current;
  } else {
    // A direct or missing AcroForm becomes an indirect one, so later updates touch only it.
    const initial = current instanceof PdfDict ? current.clone() : dict({ Fields: [] });
    acroFormRef = update.add(initial);
    update.set(catalogRef, catalog.clone().set('AcroForm', acroFormRef));
  }
  const acroForm = asDict(update.get(acroFormRef)).clone();
  const flags = acroForm.get('SigFlags');
  acroForm.set('SigFlags', (typeof flags === 'number' ? flags : 0) | 3);
  update.set(acroFormRef, acroForm);
  appendToArray(update, acroFormRef, 'Fields', fieldRef);
}

/** Sets keys on an existing object (our copy of it), e.g. /V on a field or /AP on a widget. */
export function updateDict(update: IncrementalUpdate, ref: PdfRef, entries: Record<string, PdfValue>): void {
  const copy = asDict(update.get(ref)).clone();
  for (const [key, value] of Object.entries(entries)) copy.set(key, value);
  update.set(ref, copy);
}

/** Ensures the AcroForm has SigFlags 3 when an existing field gets signed. */
export function markSignaturesExist(update: IncrementalUpdate): void {
  const catalogRef = update.reader.catalogRef();
  const current = asDict(update.get(catalogRef)).get('AcroForm');
  if (current instanceof PdfRef) {
    const acroForm = asDict(update.get(current));
    if ((Number(acroForm.get('SigFlags') ?? 0) & 3) !== 3) updateDict(update, current, { SigFlags: Number(acroForm.get('SigFlags') ?? 0) | 3 });
  } else if (current instanceof PdfDict && (Number(current.get('SigFlags') ?? 0) & 3) !== 3) {
    const catalog = asDict(update.get(catalogRef)).clone();
    catalog.set('AcroForm', current.clone().set('SigFlags', Number(current.get('SigFlags') ?? 0) | 3));
    update.set(catalogRef, catalog);
  }
}

function asDict(value: PdfValue | undefined): PdfDict {
  if (value instanceof PdfDict) return value;
  throw new AppError('pdf_invalid', 422, 'The PDF could not be read.', { detail: 'expected a dictionary' });
}
