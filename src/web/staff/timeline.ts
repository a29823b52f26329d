/**
 * The envelope page's timeline as a secretary would write it (issue 12): "Lies Vercruysse (algemeen directeur) heeft
 * ondertekend — 3 december 2026 om 14:02", one line per person and signing however many documents it covered. The
 * steps Paraaf takes around a signature (the code check, the certificates and revocation data added for later
 * validation, archive timestamps, a batch) are folded into a "details" under the line they belong to, not listed beside it.
 */
import { reportTexts } from '../../audit/report-i18n.ts';
import type { AuditEventRecord } from '../../store/audit-event-repository.ts';
import type { EnvelopeDto } from '../../workflow/index.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Language } from '../i18n/index.ts';
import { followDateTime, followNl, type FollowCatalogKey, type FollowTranslate } from './follow-i18n.ts';

/** Steps before a signature that belong under the signature's line (they are recorded just before it). */
const BEFORE_SIGNING: ReadonlySet<string> = new Set(['code.sent', 'code.verified', 'signing.prepared', 'signing.certificate_presented']);
/** Steps Paraaf takes after a signature or at completion: under the line before them. */
const AFTER: ReadonlySet<string> = new Set(['document.validation_data_added', 'document.timestamped', 'batch.signed']);
/** Steps Paraaf takes by itself, even when a signer's request set them off: never "by" that signer. */
const AUTOMATIC_ACTIONS: ReadonlySet<string> = new Set(['document.validation_data_added', 'document.timestamped', 'mail.queued']);

interface Entry {
  event: AuditEventRecord;
  /** Documents a folded signing covered. */
  documents: string[];
  details: string[];
}

export function timelineItems(t: FollowTranslate, language: Language, events: readonly AuditEventRecord[], envelope: EnvelopeDto): SafeHtml[] {
  const entries: Entry[] = [];
  let pending: string[] = [];
  for (const event of events) {
    const last = entries.at(-1);
    if (AFTER.has(event.action) && last) {
      last.details.push(label(t, language, event, envelope));
      continue;
    }
    if (BEFORE_SIGNING.has(event.action)) {
      pending.push(label(t, language, event, envelope));
      continue;
    }
    const document = documentName(event, envelope);
    if (event.action === 'recipient.signed' && last?.event.action === 'recipient.signed' && last.event.details.recipientId === event.details.recipientId) {
      last.documents.push(document);
      last.details.push(t('detail.signedDocument', { document }));
      continue;
    }
    const details = [...pending, ...(event.action === 'recipient.signed' ? [t('detail.signedDocument', { document })] : [])];
    entries.push({ event, documents: event.action === 'recipient.signed' ? [document] : [], details });
    pending = [];
  }
  if (pending.length > 0) {
    const last = entries.at(-1);
    if (last) last.details.push(...pending);
  }
  return entries.map((entry) => item(t, language, entry, envelope));
}

function item(t: FollowTranslate, language: Language, entry: Entry, envelope: EnvelopeDto): SafeHtml {
  const { event } = entry;
  const sentence = entry.documents.length > 1 ? t('event.recipient.signedMany', { ...values(t, language, event, envelope), count: entry.documents.length }) : label(t, language, event, envelope);
  const actor = actorText(t, event);
  const when = html`<time datetime="${event.occurredAt}">${followDateTime(event.occurredAt, language)}</time>`;
  const details = entry.details.length > 0 ? html`<details><summary>${t('timeline.details')}</summary><ul>${entry.details.map((d) => html`<li>${d}</li>`)}</ul></details>` : '';
  return html`<li><span class="what">${sentence}${actor ? ` ${t('timeline.by', { actor })}` : ''}</span> — ${when}${details}</li>`;
}

function documentName(event: AuditEventRecord, envelope: EnvelopeDto): string {
  return envelope.documents.find((d) => d.id === event.details.documentId)?.name ?? '';
}

/** "Lies Vercruysse (algemeen directeur)": the function as it reads inside a sentence, an acronym left as it is. */
function who(envelope: EnvelopeDto, recipientId: unknown, fallback: string): string {
  const recipient = envelope.recipients.find((r) => r.id === recipientId);
  if (!recipient) return fallback;
  const fn = inSentence(recipient.function);
  return fn ? `${recipient.name} (${fn})` : recipient.name;
}

function inSentence(fn: string | null | undefined): string {
  const text = fn?.trim() ?? '';
  return /^\p{Lu}\p{Ll}/u.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** A function step handed over (issue 12): "An Dewaele" and "Piet Claeys, wnd. algemeen directeur", as the event recorded them. */
function handOver(details: Record<string, unknown>): { from: string; to: string } {
  const side = (key: string) => (typeof details[key] === 'object' && details[key] !== null ? (details[key] as { name?: unknown; function?: unknown }) : {});
  const [from, to] = [side('from'), side('to')];
  const fn = inSentence(typeof to.function === 'string' ? to.function : null);
  const toName = String(to.name ?? '');
  return { from: String(from.name ?? ''), to: fn ? `${toName}, ${fn}` : toName };
}

function values(t: FollowTranslate, language: Language, event: AuditEventRecord, envelope: EnvelopeDto): Record<string, string> {
  const details = event.details;
  const str = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : '');
  const mail = `mail.${str('mail')}`;
  return {
    name: who(envelope, details.recipientId, str('email')),
    email: str('email'),
    mail: mail in followNl ? t(mail as FollowCatalogKey) : str('mail'),
    reason: str('reason'),
    previous: str('previousEmail'),
    document: documentName(event, envelope),
    action: event.action,
    format: `exportFormat.${str('format')}` in followNl ? t(`exportFormat.${str('format')}` as FollowCatalogKey) : str('format'),
    cause: failureCause(language, str('code')),
    ...(event.action === 'recipient.reassigned' ? handOver(details) : {}),
  };
}

function label(t: FollowTranslate, language: Language, event: AuditEventRecord, envelope: EnvelopeDto): string {
  // An archive timestamp renewed years later reads differently from the one taken at completion.
  // Likewise a step handed over when a draft meeting was sent, rather than because its signer fell absent.
  const action =
    event.action === 'document.timestamped' && event.details.purpose === 'renewal'
      ? 'document.timestamp_renewed'
      : event.action === 'recipient.reassigned' && event.details.reason === 'meeting_sent'
        ? 'recipient.reassigned_at_send'
        : event.action;
  const key = `event.${action}` as FollowCatalogKey;
  return key in followNl ? t(key, values(t, language, event, envelope)) : t('event.other', values(t, language, event, envelope));
}

/** Why a signing failed, in the audit report's words (a TSA that did not answer, a card's certificate refused …). */
function failureCause(language: Language, code: string): string {
  const texts = reportTexts(language);
  const cause = texts.label('failure', code);
  return cause === code ? texts.label('failure', 'other') : cause;
}

/**
 * Who did it, when the sentence does not say: a staff member or an integration by name, Paraaf for its own steps. A
 * recipient is never named twice ("X heeft ondertekend door X"); a recipient's own download says their name only.
 */
function actorText(t: FollowTranslate, event: AuditEventRecord): string | null {
  if (AUTOMATIC_ACTIONS.has(event.action)) return event.action === 'mail.queued' ? null : t('actor.system');
  if (event.actorKind === 'recipient') {
    const namesActor = followNl[`event.${event.action}` as FollowCatalogKey]?.includes('{name}') ?? false;
    return namesActor ? null : (event.actorLabel ?? '').replace(/\s*<[^>]*>\s*$/, '') || t('actor.recipient');
  }
  const kind = t(`actor.${event.actorKind}` as FollowCatalogKey);
  return event.actorLabel && event.actorKind !== 'system' ? `${event.actorLabel} (${kind})` : kind;
}
