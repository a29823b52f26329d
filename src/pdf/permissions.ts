/** Document modification detection permissions (ISO 32000-2 §12.8.2.2, DocMDP). */
import type { PdfReader } from './reader.ts';

/**
 * The /P of the certification signature: 1 = no changes, 2 = form filling and signing,
 * 3 = also annotations; undefined when the document is not certified.
 */
export function docMdpPermission(reader: PdfReader): number | undefined {
  const perms = reader.dict(reader.catalog().get('Perms'));
  const signature = reader.dict(perms?.get('DocMDP'));
  if (!signature) return undefined;
  for (const item of reader.array(signature.get('Reference')) ?? []) {
    const reference = reader.dict(item);
    if (reference?.name('TransformMethod') !== 'DocMDP') continue;
    const params = reader.dict(reference.get('TransformParams'));
    const p = reader.resolve(params?.get('P'));
    return typeof p === 'number' && [1, 2, 3].includes(p) ? p : 2;
  }
  return 2;
}
