/**
 * One mail body, two renderings: a list of blocks becomes the plain-text part and the HTML
 * part, so both always say the same. Every string reaching the HTML is escaped here, in one
 * place; the catalogs hold no markup. The HTML is deliberately plain (WCAG 2.1: `lang`,
 * a heading, real links with descriptive text, no images, no layout tables).
 */
import { colonIn, resolveLanguage, type Language } from './i18n/index.ts';

export type MailBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  /** A user-written message, quoted; newlines are kept. */
  | { kind: 'quote'; label: string; text: string }
  /** The call to action: a button-like link, followed by the raw URL for clients that hide it. */
  | { kind: 'action'; label: string; url: string; fallback: string }
  | { kind: 'footer'; text: string };

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** Links in mails must be absolute http(s) URLs; anything else (`javascript:`) is a bug upstream. */
export function assertHttpUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new TypeError(`not an absolute http(s) URL: ${JSON.stringify(url)}`);
  }
  return url;
}

function blockToText(block: MailBlock, language: Language): string {
  switch (block.kind) {
    case 'heading':
      return `${block.text}\n${'='.repeat(Math.min(block.text.length, 72))}`;
    case 'paragraph':
      return block.text;
    case 'quote':
      return `${block.label}\n${block.text.split('\n').map((line) => `> ${line}`).join('\n')}`;
    case 'action':
      return `${block.label}${colonIn(language)}\n${block.url}`;
    case 'footer':
      return `--\n${block.text}`;
  }
}

const STYLE = {
  body: 'margin:0;padding:0;background:#ffffff;color:#1a1a1a;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5',
  main: 'max-width:40em;margin:0 auto;padding:24px 16px',
  h1: 'font-size:22px;line-height:1.3;margin:0 0 16px',
  quote: 'margin:0 0 16px;padding:8px 16px;border-left:4px solid #5c6b7a;background:#f3f5f7',
  button: 'display:inline-block;padding:12px 20px;background:#0b4f8a;color:#ffffff;text-decoration:underline;font-weight:bold;border-radius:4px',
  fallback: 'font-size:14px;color:#3d3d3d;word-break:break-all',
  footer: 'margin-top:32px;padding-top:16px;border-top:1px solid #c8ccd0;font-size:14px;color:#3d3d3d',
};

/** Newlines in a user's text become `<br>`; the text itself is escaped. */
function multiline(text: string): string {
  return text.split('\n').map(escapeHtml).join('<br>\n');
}

function blockToHtml(block: MailBlock): string {
  switch (block.kind) {
    case 'heading':
      return `<h1 style="${STYLE.h1}">${escapeHtml(block.text)}</h1>`;
    case 'paragraph':
      return `<p>${multiline(block.text)}</p>`;
    case 'quote':
      return `<p>${escapeHtml(block.label)}</p>\n<blockquote style="${STYLE.quote}"><p>${multiline(block.text)}</p></blockquote>`;
    case 'action': {
      const href = escapeHtml(assertHttpUrl(block.url));
      return (
        `<p><a href="${href}" style="${STYLE.button}">${escapeHtml(block.label)}</a></p>\n` +
        `<p style="${STYLE.fallback}">${escapeHtml(block.fallback)}<br>\n<a href="${href}">${href}</a></p>`
      );
    }
    case 'footer':
      return `<footer style="${STYLE.footer}"><p>${multiline(block.text)}</p></footer>`;
  }
}

/** Renders blocks into the text and HTML parts; `lang` is a BCP 47 tag such as `nl-BE`. */
/** The Content-ID of the organisation's logo, attached inline to the mail that shows it (RFC 2392). */
export const LOGO_CID = 'logo@paraaf';

/**
 * The organisation's logo above the mail's heading (issue 12), as an inline attachment (`cid:`) rather than a link to
 * the service: mail clients show attached images at once, where most block remote ones until the reader allows them.
 * The text part stays as it is; `alt` names the organisation.
 */
export function withLogo(mail: RenderedMail, alt: string): RenderedMail {
  const img = `<p style="margin:0 0 16px"><img src="cid:${LOGO_CID}" alt="${escapeHtml(alt)}" style="display:block;max-height:56px;max-width:220px;height:auto;border:0"></p>`;
  return { ...mail, html: mail.html.replace(`<main style="${STYLE.main}">\n`, `<main style="${STYLE.main}">\n${img}\n`) };
}

export function renderBlocks(subject: string, lang: string, blocks: readonly MailBlock[]): RenderedMail {
  const language = resolveLanguage(lang);
  const text = `${blocks.map((block) => blockToText(block, language)).join('\n\n')}\n`;
  const body = blocks.filter((block) => block.kind !== 'footer').map(blockToHtml).join('\n');
  const footer = blocks.filter((block) => block.kind === 'footer').map(blockToHtml).join('\n');
  const html = `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="${STYLE.body}">
<main style="${STYLE.main}">
${body}
</main>
${footer ? `<div style="${STYLE.main}">\n${footer}\n</div>\n` : ''}</body>
</html>
`;
  return { subject, text, html };
}
