/** The staff mails (issue 5): a password reset link and an invitation to set a password. */
import { renderBlocks, withLogo, type Language, type MailMessage } from '../../notify/index.ts';
import { staffTranslator } from './i18n.ts';

/** Where a reset or invite link leads: the page that sets the password (masked in logs, src/logger.ts). */
export function passwordLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/app/password/reset/${token}`;
}

export function passwordMail(options: {
  kind: 'reset' | 'invite';
  lang: Language;
  to: { name: string; email: string };
  organisationName: string;
  inviter?: string;
  url: string;
  /** The organisation's PNG logo, at the top of the mail as an inline image (issue 12). */
  logo?: { sha256: string; contentType: string } | null;
}): MailMessage {
  const t = staffTranslator(options.lang);
  const k = options.kind;
  const values = { organisation: options.organisationName, inviter: options.inviter ?? options.organisationName };
  const subject = t(`mail.${k}.subject`, values);
  const blocks = renderBlocks(subject, options.lang, [
    { kind: 'heading', text: t(`mail.${k}.heading`) },
    { kind: 'paragraph', text: t('mail.greeting', { name: options.to.name }) },
    { kind: 'paragraph', text: t(`mail.${k}.body`, values) },
    { kind: 'action', label: t(`mail.${k}.action`), url: options.url, fallback: t('mail.fallback') },
    { kind: 'paragraph', text: t(`mail.${k}.validity`) },
    { kind: 'footer', text: t('mail.footer') },
  ]);
  const rendered = options.logo ? withLogo(blocks, options.organisationName) : blocks;
  return {
    to: options.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: { 'X-Paraaf-Mail': `staff-${k}` },
    ...(options.logo ? { inlineLogo: options.logo } : {}),
  };
}
