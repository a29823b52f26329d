/** What other folders may use from src/notify (DESIGN §2: mail, webhooks, the outbox worker). */
export { createMailer, createSmtpMailer, createFileMailer, type Mailer, type MailMessage, type MailAddress, type SentMail } from './mailer.ts';
export { renderMail, formatBrusselsDateTime, formatMeetingDate, MAIL_KINDS, type MailKind, type MailParams, type RenderedMail } from './templates.ts';
export type { SignRequestParams, ReminderParams, DeclinedParams, CancelledParams, CompletedParams, ExpiredParams } from './templates.ts';
export { colonIn, resolveLanguage, LANGUAGES, type Language } from './i18n/index.ts';
export { signWebhook, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, type VerifyWebhookSignatureOptions } from './webhook-signature.ts';
export { createOutboxWorker, retryDelayMs, RETRY_DELAYS_MS, type OutboxWorker, type OutboxWorkerDeps } from './outbox-worker.ts';
export type { OutboxItem, OutboxStore, WebhookTarget } from './outbox.ts';
export { renderBlocks, withLogo, LOGO_CID, type MailBlock } from './mail-layout.ts';
