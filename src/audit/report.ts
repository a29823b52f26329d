/**
 * The audit report (DESIGN §6): who did what, when and from where with an envelope, with the
 * documents' hashes and the chain's final hash, as a PDF. It is unsigned here; the use case
 * (src/workflow/get-audit-report.ts) seals it with the organisation's seal.
 */
import type { AuditEventRecord } from '../store/audit-event-repository.ts';
import { GENESIS_HASH, verifyChain } from './chain.ts';
import { reportTexts, type ReportLanguage, type ReportTexts } from './report-i18n.ts';
import { ReportLayout } from './report-layout.ts';

export interface AuditReportData {
  organisation: { name: string };
  envelope: {
    id: string;
    title: string;
    status: string;
    createdAt: string;
    sentAt: string | null;
    completedAt: string | null;
    declinedAt: string | null;
    cancelledAt: string | null;
    expiredAt: string | null;
  };
  documents: ReadonlyArray<{ id: string; name: string; pageCount: number | null; originalSha256: string | null; finalSha256: string | null }>;
  recipients: ReadonlyArray<{
    id: string;
    name: string;
    email: string;
    function: string | null;
    role: string;
    routingOrder: number;
    status: string;
    /** How a function step resolved (issue 12): 'holder', 'substitute' or 'delegate'; null for a recipient named directly. */
    capacity?: string | null;
    /** A delegate's "Bij opdracht van de algemeen directeur". */
    actingStatement?: string | null;
  }>;
  /** The envelope's chain in seq order. */
  events: readonly AuditEventRecord[];
  generatedAt: Date;
}

type Row = [label: string, value: string];

const LOCALE_TAGS: Record<ReportLanguage, string> = { nl: 'nl-BE', en: 'en-GB', fr: 'fr-BE' };

/** The chain's last hash: what a reader compares with a recomputation. */
export function finalChainHash(events: readonly AuditEventRecord[]): string {
  return events.at(-1)?.hash ?? GENESIS_HASH;
}

export async function renderAuditReport(data: AuditReportData, language: ReportLanguage): Promise<Buffer> {
  const text = reportTexts(language);
  const { t } = text;
  const layout = await ReportLayout.create({
    title: t('report.titleOf', { title: data.envelope.title }),
    author: data.organisation.name,
    header: `${data.organisation.name} - ${t('report.title')} - ${data.envelope.title}`,
    language: LOCALE_TAGS[language],
    createdAt: data.generatedAt,
  });
  layout.title(t('report.title'));
  layout.paragraph(t('report.intro'));
  layout.paragraph(t('report.generated', { time: text.time(data.generatedAt.toISOString()) }));

  layout.heading(t('section.envelope'));
  for (const [label, value] of envelopeRows(data, text)) layout.field(label, value);

  layout.heading(t('section.documents'));
  for (const document of data.documents) {
    layout.subheading(document.name);
    layout.field(t('document.pages'), document.pageCount === null ? t('report.none') : String(document.pageCount));
    layout.field(t('document.originalSha256'), document.originalSha256 ?? t('report.none'));
    layout.field(t('document.finalSha256'), document.finalSha256 ?? t('report.none'));
  }

  layout.heading(t('section.recipients'));
  for (const recipient of data.recipients) {
    layout.subheading(recipient.name);
    layout.field(t('recipient.function'), recipient.function ?? t('report.none'));
    // A substitute or a delegate signs in a capacity of their own (issue 12); a delegate's statement is Dutch legal text, kept as it is.
    if (recipient.capacity === 'substitute') layout.field(t('recipient.capacity'), t('capacity.substitute'));
    if (recipient.capacity === 'delegate') layout.field(t('recipient.capacity'), recipient.actingStatement ? `${t('capacity.delegate')} (${recipient.actingStatement})` : t('capacity.delegate'));
    layout.field(t('recipient.email'), recipient.email);
    layout.field(t('recipient.role'), text.label('role', recipient.role));
    layout.field(t('recipient.order'), String(recipient.routingOrder));
    layout.field(t('recipient.status'), text.label('recipientStatus', recipient.status));
  }

  layout.heading(t('section.events'));
  for (const event of data.events) {
    layout.subheading(`${event.seq}. ${text.time(event.occurredAt)} - ${text.label('action', event.action)} (${event.action})`);
    for (const [label, value] of eventRows(event, data, text)) layout.field(label, value, 8);
  }

  layout.heading(t('section.chain'));
  const verification = verifyChain(data.events);
  layout.field(t('chain.length'), String(data.events.length));
  layout.field(t('chain.valid'), verification.valid ? t('chain.validYes') : t('chain.validNo', { seq: verification.brokenAt }));
  layout.field(t('chain.finalHash'), finalChainHash(data.events));
  layout.paragraph(t('chain.rule'));
  layout.gap(8);
  layout.paragraph(t('report.sealed', { organisation: data.organisation.name }));

  return layout.finish((page, pages) => `${data.envelope.id} - ${t('report.page', { page, pages })}`);
}

function envelopeRows(data: AuditReportData, text: ReportTexts): Row[] {
  const { t } = text;
  const { envelope } = data;
  const rows: Row[] = [
    [t('envelope.title'), envelope.title],
    [t('envelope.organisation'), data.organisation.name],
    [t('envelope.id'), envelope.id],
    [t('envelope.status'), text.label('status', envelope.status)],
    [t('envelope.created'), text.time(envelope.createdAt)],
    [t('envelope.sent'), envelope.sentAt ? text.time(envelope.sentAt) : t('report.none')],
  ];
  const closings = [
    ['envelope.completed', envelope.completedAt],
    ['envelope.declined', envelope.declinedAt],
    ['envelope.cancelled', envelope.cancelledAt],
    ['envelope.expired', envelope.expiredAt],
  ] as const;
  for (const [key, at] of closings) if (at || key === 'envelope.completed') rows.push([t(key), at ? text.time(at) : t('report.none')]);
  return rows;
}

/** What an event adds to "when, who, from where": its details, named for a reader. */
function eventRows(event: AuditEventRecord, data: AuditReportData, text: ReportTexts): Row[] {
  const { t } = text;
  // A system actor's label names the job in English for the logs ("long-term validation"); the reader gets "Systeem".
  const actor = [text.label('actor', event.actorKind), event.actorKind === 'system' ? null : event.actorLabel].filter(Boolean).join(': ');
  const rows: Row[] = [[t('event.actor'), actor]];
  if (event.ip) rows.push([t('event.ip'), event.ip]);
  if (event.userAgent) rows.push([t('event.userAgent'), event.userAgent]);
  rows.push(...detailRows(event, data, text));
  rows.push([t('event.hash'), event.hash]);
  return rows;
}

function detailRows(event: AuditEventRecord, data: AuditReportData, text: ReportTexts): Row[] {
  const { t } = text;
  const details = event.details as Record<string, unknown>;
  const str = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : '');
  const recipient = (id: unknown) => {
    const found = data.recipients.find((r) => r.id === id);
    return found ? `${found.name} <${found.email}>` : String(id);
  };
  const document = (id: unknown) => data.documents.find((d) => d.id === id)?.name ?? String(id);
  const documentHashes = (key: 'sha256' | 'preparedSha256'): Row[] =>
    (Array.isArray(details.documents) ? (details.documents as Array<Record<string, unknown>>) : []).map((d) => [t('event.documentOf', { name: document(d.documentId) }), String(d[key] ?? '')]);

  switch (event.action) {
    case 'envelope.created':
      return [[t('envelope.title'), str('title')], [t('event.expiresAt'), str('expiresAt') ? text.time(str('expiresAt')) : t('report.none')], ...documentHashes('sha256')];
    case 'envelope.sent':
      return documentHashes('preparedSha256');
    case 'envelope.completed':
      return documentHashes('sha256');
    case 'mail.queued':
      return [[t('event.recipient'), recipient(details.recipientId)], [t('event.mailTo'), `${str('email')} (${str('mail')})`]];
    case 'link.opened':
    case 'recipient.approved':
    case 'code.sent':
    case 'code.verified':
    case 'batch.signed':
      return [[t('event.recipient'), recipient(details.recipientId)]];
    case 'recipient.signed': {
      const certificate = (details.certificate ?? {}) as Record<string, unknown>;
      return [
        [t('event.recipient'), recipient(details.recipientId)],
        [t('event.document'), document(details.documentId)],
        [t('event.certificateSubject'), String(certificate.subject ?? '')],
        [t('event.certificateFingerprint'), String(certificate.fingerprintSha256 ?? '')],
        [t('event.certificateSerial'), String(certificate.serialNumber ?? '')],
        [t('event.revisionSha256'), str('revisionSha256')],
      ];
    }
    case 'document.opened':
      return [[t('event.recipient'), recipient(details.recipientId)], [t('event.document'), `${document(details.documentId)} (${str('how')})`]];
    case 'recipient.declined':
      return [[t('event.recipient'), recipient(details.recipientId)], [t('event.reason'), str('reason')]];
    case 'document.replaced': {
      // Both versions by their hashes (issue 12): what was replaced, as far as it was signed, and what replaced it.
      const side = (key: string) => (details[key] ?? {}) as Record<string, unknown>;
      const [previous, corrected] = [side('previous'), side('corrected')];
      return [
        [t('event.document'), document(details.documentId)],
        [t('event.reason'), str('reason') || t('report.none')],
        [t('event.replacedOriginal'), String(previous.originalSha256 ?? '')],
        [t('event.replacedVersion'), String(previous.sha256 ?? '')],
        [t('event.replacedPages'), `${String(previous.pageCount ?? '')} > ${String(corrected.pageCount ?? '')}`],
        [t('event.correctedOriginal'), String(corrected.sha256 ?? '')],
        [t('event.correctedPrepared'), String(corrected.preparedSha256 ?? '')],
        [t('event.actAgain'), (Array.isArray(details.recipientsToActAgain) ? details.recipientsToActAgain : []).map(recipient).join(', ') || t('report.none')],
      ];
    }
    case 'envelope.cancelled':
      return [[t('event.reason'), str('reason')]];
    case 'envelope.reminded':
      return [[t('event.reminded'), (Array.isArray(details.recipientIds) ? details.recipientIds : []).map(recipient).join(', ')]];
    case 'envelope.expired':
      return [[t('event.expiresAt'), str('expiresAt') ? text.time(str('expiresAt')) : t('report.none')]];
    case 'recipient.email_corrected':
      return [[t('event.recipient'), recipient(details.recipientId)], [t('event.mailTo'), `${str('previousEmail')} > ${str('email')}`]];
    case 'recipient.reassigned': {
      // A function step handed to whoever signs instead (issue 12): who it was, who it is, for which day.
      const side = (key: string) => (details[key] ?? {}) as Record<string, unknown>;
      const person = (p: Record<string, unknown>) => `${String(p.name ?? '')} <${String(p.email ?? '')}>${p.function ? ` (${String(p.function)})` : ''}`;
      return [[t('event.reassignedFrom'), person(side('from'))], [t('event.reassignedTo'), person(side('to'))], [t('event.reassignedDay'), str('day')]];
    }
    case 'mail.retried':
      return [[t('event.recipient'), details.recipientId ? recipient(details.recipientId) : t('report.none')]];
    case 'document.downloaded':
      return [[t('event.document'), document(details.documentId)], [t('event.variant'), text.label('variant', str('variant'))]];
    case 'audit.exported':
      return [[t('event.exportFormat'), str('language') ? `${text.label('exportFormat', str('format'))} (${str('language')})` : text.label('exportFormat', str('format'))]];
    case 'document.validation_data_added': {
      const count = (key: string) => Number(details[key] ?? 0);
      const rows: Row[] = [
        [t('event.document'), document(details.documentId)],
        [t('event.validationData'), t('event.validationDataCounts', { certificates: count('certificates'), ocsp: count('ocspResponses'), crls: count('crls') })],
      ];
      if (count('withoutRevocation') > 0) rows.push([t('event.withoutRevocation'), String(count('withoutRevocation'))]);
      return [...rows, [t('event.documentSha256After'), str('revisionSha256')]];
    }
    case 'document.timestamped': {
      const tsa = (details.tsaCertificate ?? {}) as Record<string, unknown>;
      return [
        [t('event.document'), document(details.documentId)],
        [t('event.timestampPurpose'), text.label('purpose', str('purpose'))],
        [t('event.timestampTime'), str('genTime') ? text.time(str('genTime')) : t('report.none')],
        [t('event.tsa'), String(tsa.subject ?? '')],
        [t('event.tsaValidUntil'), typeof tsa.notAfter === 'string' ? text.time(tsa.notAfter) : t('report.none')],
        [t('event.documentSha256After'), str('revisionSha256')],
      ];
    }
    case 'signing.failed': {
      // A known cause in the reader's language; another one as the service recorded it.
      const cause = text.label('failure', str('code'));
      return [[t('event.recipient'), recipient(details.recipientId)], [t('event.failure'), cause === str('code') ? str('message') : cause]];
    }
    case 'certificate.revoked':
      return [
        [t('event.recipient'), recipient(details.recipientId)],
        [t('event.certificateSerial'), str('serialNumber')],
        [t('event.revokedFrom'), str('revokedAt') ? text.time(str('revokedAt')) : t('report.none')],
        [t('event.reason'), str('reason') || t('report.none')],
        ...(str('note') ? [[t('event.note'), str('note')] as Row] : []),
      ];
    default:
      // An action this report does not know yet still shows what it recorded.
      return Object.keys(details).length > 0 ? [[t('event.details'), JSON.stringify(details)]] : [];
  }
}
