/**
 * Reading before signing (issue 12) in tests: a signer must have opened every document before signing.
 * - `readDocuments` / `signAfterReading`: at the workflow level, the viewer's report that each document's
 *   last page was shown (the use case the route calls), then the signature.
 * - `downloadDocuments`: over HTTP as a browser without JavaScript does: the signer downloads each
 *   document linked on their page (a download counts as reading).
 */
import { expect } from 'chai';
import { documentsOf } from '../../src/store/document-repository.ts';
import { recordDocumentRead, signEnvelope, type WorkflowDeps } from '../../src/workflow/index.ts';
import { signingAccessByToken } from '../../src/workflow/signing-link-access.ts';

/** Records that the link's recipient viewed every document of its envelope to the last page. */
export async function readDocuments(deps: WorkflowDeps, token: string): Promise<void> {
  const { envelope } = await signingAccessByToken(deps.db, token);
  for (const document of await documentsOf(deps.db, envelope.organisationId, envelope.id)) {
    await recordDocumentRead(deps, { token, documentId: document.id, how: 'viewed' });
  }
}

/** signEnvelope after reading every document, as a signer in the viewer does. */
export async function signAfterReading(deps: WorkflowDeps, options: Parameters<typeof signEnvelope>[1]): ReturnType<typeof signEnvelope> {
  await readDocuments(deps, options.token);
  return signEnvelope(deps, options);
}

/**
 * Downloads every document linked on `pagePath` (the link page `/s/<token>` or its batch page), sending
 * `headers` (a cookie, the browser's User-Agent); answers how many.
 */
export async function downloadDocuments(baseUrl: string, pagePath: string, headers: Record<string, string> = {}): Promise<number> {
  const page = await fetch(new URL(pagePath, baseUrl), { headers });
  const html = await page.text();
  const links = [...new Set([...html.matchAll(/href="(\/s\/[^"]+\/documents\/[^"/?]+)" download/g)].map((m) => m[1]!.replace(/&amp;/g, '&')))];
  for (const link of links) {
    const res = await fetch(new URL(link, baseUrl), { headers });
    expect(res.status, `download ${link}`).to.equal(200);
    await res.arrayBuffer();
  }
  return links.length;
}
