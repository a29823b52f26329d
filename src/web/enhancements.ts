/**
 * The hooks of the progressive enhancement (issue 4), rendered `hidden` so that without
 * JavaScript nothing of them shows: src/web/static/signer.js unhides them. Every text the script
 * shows comes from here (the page's catalog), as attributes or elements, so the script carries
 * no words of its own.
 *
 * The viewer container carries this signer's field placements as `data-fields`: a JSON array of
 * `{ page, x, y, width, height }` in PDF points (origin bottom-left, page 1-based), which the
 * script turns into viewport pixels with pdf.js's viewport transform.
 */
import type { FieldDto, RecipientDto } from '../workflow/index.ts';
import { PDFJS_PATHS, VIEWER_STYLESHEET_PATH } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import type { PageContext } from './layout.ts';

export interface Placement {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The visible fields of `recipient` on one document (an invisible field has no area to show). */
export function signaturePlacements(recipient: Pick<RecipientDto, 'fields' | 'role'> | undefined, documentId: string): Placement[] {
  if (!recipient || recipient.role !== 'signer') return [];
  return recipient.fields
    .filter((f: FieldDto) => f.documentId === documentId && f.width > 0 && f.height > 0)
    .map((f) => ({ page: f.page, x: f.x, y: f.y, width: f.width, height: f.height }));
}

export interface ViewerOptions {
  /** Unique on the page: the ids of the viewer's parts derive from it. */
  id: string;
  /** The same-origin download route of the document. */
  url: string;
  name: string;
  placements: readonly Placement[];
  /** Shown as soon as the script runs (the link page); otherwise behind a "view" button (the batch page). */
  open: boolean;
}

/** A pdf.js viewer for one document: toolbar, page indicator, canvas, the place of the signature. */
export function documentViewer(ctx: PageContext, o: ViewerOptions): SafeHtml {
  const pages = [...new Set(o.placements.map((p) => p.page))].sort((a, b) => a - b);
  return html`<div class="pdf-viewer" id="${o.id}" hidden data-pdf-url="${o.url}" data-fields="${JSON.stringify(o.placements)}" data-open="${o.open ? 'true' : 'false'}"
 data-pdfjs="${PDFJS_PATHS.library}" data-pdfjs-worker="${PDFJS_PATHS.worker}" data-pdfjs-fonts="${PDFJS_PATHS.standardFonts}" data-stylesheet="${VIEWER_STYLESHEET_PATH}"
 data-text-page="${ctx.t('viewer.page')}" data-text-canvas="${ctx.t('viewer.canvas', { name: o.name })}" data-text-open="${ctx.t('viewer.open', { name: o.name })}" data-text-close="${ctx.t('viewer.close', { name: o.name })}">
<button type="button" class="tertiary viewer-toggle" aria-expanded="false" aria-controls="${o.id}-body">${ctx.t('viewer.open', { name: o.name })}</button>
<div class="viewer-body" id="${o.id}-body" role="region" aria-label="${ctx.t('viewer.region', { name: o.name })}" hidden>
${pages.length ? html`<p class="viewer-place">${ctx.t('viewer.yourPlace', { pages: pages.join(', ') })} <button type="button" class="tertiary viewer-to-signature" data-page="${pages[0]}">${ctx.t('viewer.toSignature')}</button></p>` : ''}
<div class="viewer-toolbar" role="group" aria-label="${ctx.t('viewer.controls', { name: o.name })}">
<button type="button" class="secondary" data-action="previous">${ctx.t('viewer.previous')}</button>
<span class="viewer-page" role="status" aria-live="polite" aria-atomic="true"></span>
<button type="button" class="secondary" data-action="next">${ctx.t('viewer.next')}</button>
<button type="button" class="secondary" data-action="zoom-out">${ctx.t('viewer.zoomOut')}</button>
<button type="button" class="secondary" data-action="zoom-in">${ctx.t('viewer.zoomIn')}</button>
<button type="button" class="secondary" data-action="fit-width">${ctx.t('viewer.fitWidth')}</button>
</div>
<p class="viewer-message" role="status" data-text-loading="${ctx.t('viewer.loading')}" data-text-failed="${ctx.t('viewer.failed')}"></p>
<div class="viewer-canvas" tabindex="0" aria-label="${ctx.t('viewer.region', { name: o.name })}" role="group"><canvas role="img" aria-label="${ctx.t('viewer.region', { name: o.name })}"></canvas></div>
</div>
</div>`;
}

/** The progress of a batch signed envelope by envelope, and the texts of the summary the script draws. */
export function batchProgress(ctx: PageContext, total: number): SafeHtml {
  return html`<div class="batch-progress" id="batch-progress" hidden
 data-text-status="${ctx.t('batch.progress.status')}" data-text-title="${ctx.t('batch.summary.title')}" data-text-signed="${ctx.t('batch.summary.signed')}"
 data-text-failed="${ctx.t('batch.summary.failed')}" data-text-none="${ctx.t('batch.summary.none')}" data-text-note="${ctx.t('done.downloadNote')}" data-text-back="${ctx.t('batch.back')}" data-text-lost="${ctx.t('batch.progress.lost')}">
<p>${ctx.t('batch.progress.busy')}</p>
<label for="batch-progress-bar">${ctx.t('batch.progress.label')}</label>
<progress id="batch-progress-bar" max="${total}" value="0"></progress>
<p id="batch-progress-status" role="status" aria-live="polite"></p>
</div>`;
}
