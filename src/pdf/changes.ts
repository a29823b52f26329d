/**
 * What the revisions after a signed one changed (ISO 32000-2 §12.8.2.2; the permitted
 * changes of DocMDP P=2): adding signatures, filling form fields and adding validation data
 * are allowed after a signature; anything that alters what a reader shows is not.
 */
import { createHash } from 'node:crypto';
import { PdfDict, PdfName, PdfStream, type PdfValue } from './objects.ts';
import { PdfReader } from './reader.ts';
import { serializeValue } from './serialize.ts';

export type ChangeKind = 'none' | 'signatures_and_forms' | 'other';

export interface ChangeReport {
  kind: ChangeKind;
  changes: string[];
}

const ALLOWED_KEYS: Record<string, Set<string>> = {
  catalog: new Set(['AcroForm', 'DSS', 'Extensions']),
  page: new Set(['Annots']),
  acroform: new Set(['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances']),
  signatureField: new Set(['V', 'AP', 'AS', 'F', 'Lock', 'SV', 'MK', 'Kids']),
  formField: new Set(['V', 'AP', 'AS', 'MK']),
  // The document security store (ISO 32000-2 §12.8.4.3) grows with validation data.
  dss: new Set(['Type', 'Certs', 'OCSPs', 'CRLs', 'VRI']),
};

/** Compares the file as it was at `signedEnd` with the whole file. */
export function changesAfter(reader: PdfReader, signedEnd: number): ChangeReport {
  if (signedEnd >= reader.bytes.length) return { kind: 'none', changes: [] };
  let before: PdfReader;
  try {
    before = PdfReader.open(reader.bytes.subarray(0, signedEnd), { allowEncrypted: true });
  } catch {
    return { kind: 'other', changes: ['the signed revision cannot be read on its own'] };
  }
  const changes: string[] = [];
  let other = false;
  for (const num of changedObjects(reader, signedEnd)) {
    const verdict = classify(num, before, reader);
    if (!verdict) continue;
    changes.push(verdict.description);
    if (!verdict.allowed) other = true;
  }
  return { kind: other ? 'other' : 'signatures_and_forms', changes };
}

/** Objects whose current definition lies after `signedEnd`, plus objects freed since. */
function changedObjects(reader: PdfReader, signedEnd: number): number[] {
  const nums: number[] = [];
  for (const [num, entry] of reader.xref.entries) {
    if (entry.type === 1 && entry.offset >= signedEnd) nums.push(num);
    else if (entry.type === 2) {
      const holder = reader.xref.entries.get(entry.stream);
      if (holder?.type === 1 && holder.offset >= signedEnd) nums.push(num);
    } else if (entry.type === 0 && num > 0) nums.push(num);
  }
  return nums;
}

interface Verdict {
  allowed: boolean;
  description: string;
}

function classify(num: number, before: PdfReader, after: PdfReader): Verdict | undefined {
  const old = safeGet(before, num);
  const now = safeGet(after, num);
  if (now === undefined) return old === undefined ? undefined : { allowed: false, description: `object ${num} was deleted` };
  const nowDict = now instanceof PdfStream ? now.dict : now instanceof PdfDict ? now : undefined;
  const type = nowDict?.name('Type');
  if (type === 'XRef' || type === 'ObjStm') return undefined;
  if (old === undefined) return classifyNew(num, nowDict, after);
  if (fingerprint(old) === fingerprint(now)) return undefined;
  return classifyChanged(num, old, now, after);
}

function classifyNew(num: number, dict: PdfDict | undefined, reader: PdfReader): Verdict {
  const type = dict?.name('Type');
  if (!dict) return { allowed: true, description: `object ${num} added` };
  if (type === 'Sig' || type === 'DocTimeStamp') return { allowed: true, description: `signature added (object ${num})` };
  if (type === 'DSS' || type === 'VRI') return { allowed: true, description: 'validation data added' };
  if (dict.name('Subtype') === 'Widget' || dict.has('FT')) {
    const isSignature = fieldType(dict, reader) === 'Sig';
    return { allowed: isSignature, description: isSignature ? 'signature field added' : `form field added (object ${num})` };
  }
  if (type === 'Page' || type === 'Pages') return { allowed: false, description: 'a page was added' };
  if (type === 'Annot' || (dict.has('Subtype') && dict.has('Rect'))) return { allowed: false, description: `annotation added (object ${num})` };
  if (dict.has('Fields')) return { allowed: true, description: 'form dictionary added' };
  return { allowed: true, description: `object ${num} added` };
}

function classifyChanged(num: number, old: PdfValue, now: PdfValue, reader: PdfReader): Verdict {
  if (Array.isArray(old) && Array.isArray(now)) {
    const prefix = old.every((item, i) => serializeValue(item) === serializeValue(now[i]));
    return { allowed: prefix, description: prefix ? `entries appended to array object ${num}` : `array object ${num} changed` };
  }
  if (!(old instanceof PdfDict) || !(now instanceof PdfDict)) return { allowed: false, description: `object ${num} changed` };
  const keys = changedKeys(old, now);
  const role = roleOf(now, reader);
  const allowed = role !== undefined && keys.every((k) => ALLOWED_KEYS[role].has(k));
  if (allowed && role === 'page') return pageAnnotsVerdict(num, old, now, reader);
  const label = role ?? now.name('Type') ?? 'object';
  return { allowed, description: `${label} ${num} changed: ${keys.map((k) => '/' + k).join(', ')}` };
}

function pageAnnotsVerdict(num: number, old: PdfDict, now: PdfDict, reader: PdfReader): Verdict {
  const before = new Set((reader.array(old.get('Annots')) ?? []).map((a) => serializeValue(a)));
  const added = (reader.array(now.get('Annots')) ?? []).filter((a) => !before.has(serializeValue(a)));
  const onlySignatures = added.every((a) => fieldType(reader.dict(a), reader) === 'Sig');
  return { allowed: onlySignatures, description: onlySignatures ? `signature widget added to page object ${num}` : `annotations added to page object ${num}` };
}

function roleOf(dict: PdfDict, reader: PdfReader): keyof typeof ALLOWED_KEYS | undefined {
  const type = dict.name('Type');
  if (type === 'Catalog') return 'catalog';
  if (type === 'DSS' || (!type && ['VRI', 'Certs', 'OCSPs', 'CRLs'].some((k) => dict.has(k)))) return 'dss';
  if (type === 'Page') return 'page';
  if (dict.has('Fields') && !dict.has('FT')) return 'acroform';
  if (dict.has('FT') || dict.name('Subtype') === 'Widget' || dict.has('T')) return fieldType(dict, reader) === 'Sig' ? 'signatureField' : 'formField';
  return undefined;
}

/** Field type, inherited through /Parent (§12.7.4.1). */
function fieldType(dict: PdfDict | undefined, reader: PdfReader): string | undefined {
  for (let node = dict, depth = 0; node && depth < 32; node = reader.dict(node.get('Parent')), depth++) {
    const ft = node.get('FT');
    if (ft instanceof PdfName) return ft.name;
  }
  return undefined;
}

function changedKeys(old: PdfDict, now: PdfDict): string[] {
  const keys = new Set([...old.map.keys(), ...now.map.keys()]);
  return [...keys].filter((k) => fingerprint(old.get(k)) !== fingerprint(now.get(k)));
}

/** Streams compare by dictionary and data; everything else by its serialization. */
function fingerprint(value: PdfValue | undefined): string {
  if (value instanceof PdfStream) return serializeValue(value.dict) + createHash('sha256').update(value.raw).digest('hex');
  return serializeValue(value);
}

function safeGet(reader: PdfReader, num: number): PdfValue | undefined {
  try {
    return reader.getObject(num);
  } catch {
    return undefined;
  }
}
