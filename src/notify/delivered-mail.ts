/**
 * What the outbox keeps of a mail once it is delivered (issue 10): the recipient, subject and
 * headers that staff pages and the audit trail show, and the text and html with the token of
 * every signing, reset and invite link masked, so the archive row holds no live link.
 */
import { maskSecretLinks } from '../logger.ts';
import type { MailMessage } from './mailer.ts';

export function deliveredMailPayload(message: MailMessage): MailMessage {
  return { ...message, text: maskSecretLinks(message.text), html: maskSecretLinks(message.html) };
}
