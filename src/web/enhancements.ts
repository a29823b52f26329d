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
import { colonIn } from '../notify/index.ts';
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
  /**
   * Reading before signing (issue 12): where the script posts, with the form's CSRF token, once the last
   * page has been shown; `done` when the signer read it already. Absent for who has nothing to sign.
   */
  read?: { url: string; csrf: string; done: boolean };
}

/** The PDF as the viewer fetches it: `?view` tells the download route that this is not a download (which counts as reading). */
export function viewerUrl(url: string): string {
  return `${url}?view=1`;
}

/** "gelezen" / "nog niet gelezen" beside a document; the script updates it when the viewer reaches the last page. */
export function readState(ctx: PageContext, id: string, done: boolean): SafeHtml {
  return html`<span class="read-state" id="${id}" data-read="${done ? 'true' : 'false'}" data-text-done="${ctx.t('read.done')}">${ctx.t(done ? 'read.done' : 'read.notYet')}</span>`;
}

/** A pdf.js viewer for one document: toolbar, page indicator, canvas, the place of the signature. */
export function documentViewer(ctx: PageContext, o: ViewerOptions): SafeHtml {
  const pages = [...new Set(o.placements.map((p) => p.page))].sort((a, b) => a - b);
  const read = o.read ? html` data-read-url="${o.read.url}" data-read-csrf="${o.read.csrf}" data-read="${o.read.done ? 'true' : 'false'}" data-text-read="${ctx.t('read.viewed')}"` : '';
  // Phone first (issue 12): one compact row of symbol buttons, each named in full for screen readers and as a tooltip.
  const tool = (action: string, symbol: string, label: string) =>
    html`<button type="button" class="secondary viewer-tool" data-action="${action}" aria-label="${label}" title="${label}"><span aria-hidden="true">${symbol}</span></button>`;
  return html`<div class="pdf-viewer" id="${o.id}" hidden data-pdf-url="${viewerUrl(o.url)}" data-fields="${JSON.stringify(o.placements)}" data-open="${o.open ? 'true' : 'false'}"${read}
 data-pdfjs="${PDFJS_PATHS.library}" data-pdfjs-worker="${PDFJS_PATHS.worker}" data-pdfjs-fonts="${PDFJS_PATHS.standardFonts}" data-stylesheet="${VIEWER_STYLESHEET_PATH}"
 data-text-page="${ctx.t('viewer.page')}" data-text-canvas="${ctx.t('viewer.canvas', { name: o.name })}" data-text-open="${ctx.t('viewer.open', { name: o.name })}" data-text-close="${ctx.t('viewer.close', { name: o.name })}">
<button type="button" class="tertiary viewer-toggle" aria-expanded="false" aria-controls="${o.id}-body">${ctx.t('viewer.open', { name: o.name })}</button>
<div class="viewer-body" id="${o.id}-body" role="region" aria-label="${ctx.t('viewer.region', { name: o.name })}" hidden>
${pages.length ? html`<p class="viewer-place">${ctx.t('viewer.yourPlace', { pages: pages.join(', ') })} <button type="button" class="tertiary viewer-to-signature" data-page="${pages[0]}" title="${ctx.t('viewer.toSignature')}">${ctx.t('viewer.toSignature.short')}</button></p>` : ''}
<div class="viewer-toolbar" role="group" aria-label="${ctx.t('viewer.controls', { name: o.name })}">
${tool('previous', '‹', ctx.t('viewer.previous'))}
<span class="viewer-page" role="status" aria-live="polite" aria-atomic="true"></span><span class="viewer-page-short" aria-hidden="true"></span>
${tool('next', '›', ctx.t('viewer.next'))}
<span class="viewer-zoom">${tool('zoom-out', '−', ctx.t('viewer.zoomOut'))}${tool('zoom-in', '+', ctx.t('viewer.zoomIn'))}${tool('fit-width', '↔', ctx.t('viewer.fitWidth'))}</span>
</div>
<p class="viewer-message" role="status" data-text-loading="${ctx.t('viewer.loading')}" data-text-failed="${ctx.t('viewer.failed')}"></p>
<div class="viewer-canvas" tabindex="0" aria-label="${ctx.t('viewer.region', { name: o.name })}" aria-describedby="${o.id}-swipe" role="group"><canvas role="img" aria-label="${ctx.t('viewer.region', { name: o.name })}"></canvas></div>
<p class="hint viewer-swipe" id="${o.id}-swipe">${ctx.t('viewer.swipe')}</p>
<p class="viewer-read" role="status" aria-live="polite"></p>
</div>
</div>`;
}

/** The progress of a batch signed envelope by envelope, and the texts of the summary the script draws. */
export function batchProgress(ctx: PageContext, total: number): SafeHtml {
  return html`<div class="batch-progress" id="batch-progress" hidden
 data-text-status="${ctx.t('batch.progress.status')}" data-text-title="${ctx.t('batch.summary.title')}" data-text-signed="${ctx.t('batch.summary.signed')}"
 data-text-failed="${ctx.t('batch.summary.failed')}" data-text-none="${ctx.t('batch.summary.none')}" data-text-note="${ctx.t('done.downloadNote')}" data-text-back="${ctx.t('batch.back')}" data-text-lost="${ctx.t('batch.progress.lost')}" data-text-colon="${colonIn(ctx.language)}">
<p>${ctx.t('batch.progress.busy')}</p>
<label for="batch-progress-bar">${ctx.t('batch.progress.label')}</label>
<progress id="batch-progress-bar" max="${total}" value="0"></progress>
<p id="batch-progress-status" role="status" aria-live="polite"></p>
</div>`;
}
