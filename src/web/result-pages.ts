/**
 * The result page (issue 12): what the completion mail's link opens — each signed PDF to download and the
 * audit report, per envelope (a meeting's items in agenda order), and until when the link works.
 */
import { html } from './html.ts';
import { formatBrussels } from './i18n/index.ts';
import { layout, messagePage, type PageContext } from './layout.ts';

export interface ResultPageView {
  organisationName: string;
  logoPath: string | null;
  basePath: string;
  expiresAt: string;
  meeting: boolean;
  envelopes: ReadonlyArray<{ id: string; title: string; agendaItem: string | null; documents: ReadonlyArray<{ id: string; name: string; size: number }> }>;
}

function readableSize(bytes: number, language: string): string {
  const locale = language === 'en' ? 'en-GB' : `${language}-BE`;
  if (bytes < 1024 * 1024) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.max(1, bytes / 1024))} kB`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(bytes / (1024 * 1024))} MB`;
}

export function resultPage(ctx: PageContext, view: ResultPageView): string {
  const { t } = ctx;
  const title = t('result.title');
  const sections = view.envelopes.map(
    (envelope) => html`<section class="result-envelope" aria-labelledby="env-${envelope.id}">
<h2 id="env-${envelope.id}">${envelope.agendaItem ? `${envelope.agendaItem}. ` : ''}${envelope.title}</h2>
<ul class="result-documents">
${envelope.documents.map(
  (d) => html`<li><a class="button-link" href="${view.basePath}/documents/${envelope.id}/${d.id}" download>${t('result.download', { name: d.name })}</a> <span class="hint">${t('result.size', { size: readableSize(d.size, ctx.language) })}</span></li>`,
)}
<li><a href="${view.basePath}/audit-report/${envelope.id}?lang=${ctx.language}" download>${t('result.auditReport')}</a> <span class="hint">${t('result.auditReportNote')}</span></li>
</ul>
</section>`,
  );
  const body = html`<h1>${title}</h1>
<p>${view.meeting ? t('result.meetingIntro') : t('result.intro', { organisation: view.organisationName })}</p>
${view.envelopes.length === 0 ? html`<p>${t('result.none')}</p>` : sections}
<p>${t('result.validUntil', { date: formatBrussels(view.expiresAt, ctx.language) })}</p>`;
  return layout(ctx, { title, organisationName: view.organisationName, logoPath: view.logoPath, body });
}

export function resultExpiredPage(ctx: PageContext, view: { organisationName: string | null; logoPath: string | null; expiresAt: string | null }): string {
  const { t } = ctx;
  const paragraphs = [
    ...(view.expiresAt ? [t('result.expired.body', { date: formatBrussels(view.expiresAt, ctx.language) })] : []),
    view.organisationName ? t('result.expired.contact', { organisation: view.organisationName }) : t('gone.contactUnknown'),
  ];
  return messagePage(ctx, { title: t('result.expired.title'), paragraphs, organisationName: view.organisationName, logoPath: view.logoPath });
}
