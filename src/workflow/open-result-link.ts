/**
 * The result link of a completion mail (issue 12): `/r/<token>` lists the signed PDFs its holder may download
 * (one envelope, or every completed item of a meeting they had a part in) and the audit report; each download
 * is recorded as `result.downloaded` in the envelope's chain. An unknown token is 404; a link past its
 * RESULT_LINK_DAYS is 410 `result_link_expired`, naming the organisation to ask.
 */
import type { Readable } from 'node:stream';
import { appendAuditEvent } from '../audit/chain.ts';
import type { ReportLanguage } from '../audit/report-i18n.ts';
import { AppError } from '../errors.ts';
import { currentRevisions, documentsOfEnvelopes } from '../store/document-repository.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import { envelopesOfMeetings } from '../store/meetings.ts';
import { organisationById, type Organisation } from '../store/organisations.ts';
import { recipientsOfEnvelopes } from '../store/recipient-repository.ts';
import { resultLinkByTokenHash, type ResultLink } from '../store/result-links.ts';
import { isUuid } from '../store/sql.ts';
import { loadAuditEvidence, sealedAuditReport } from './audit-evidence.ts';
import type { WorkflowDeps } from './deps.ts';
import type { RequestOrigin } from '../audit/events.ts';
import { tokenHash } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface ResultDocument {
  id: string;
  name: string;
  size: number;
  sha256: string;
}

export interface ResultEnvelope {
  id: string;
  title: string;
  agendaItem: string | null;
  completedAt: string | null;
  documents: ResultDocument[];
}

export interface ResultView {
  link: ResultLink;
  organisation: Organisation;
  envelopes: ResultEnvelope[];
}

function resultLinkNotFound(): AppError {
  return new AppError('result_link_not_found', 404, 'This link does not exist.');
}

/** The link of `token` and what it gives access to; 404 unknown, 410 expired (with the organisation's name). */
export async function openResultLink(deps: Pick<WorkflowDeps, 'db' | 'clock'>, options: { token: string; allowExpired?: boolean }): Promise<ResultView> {
  const link = /^[A-Za-z0-9_-]{20,100}$/.test(options.token) ? await resultLinkByTokenHash(deps.db, tokenHash(options.token)) : null;
  if (!link) throw resultLinkNotFound();
  const organisation = await organisationById(deps.db, link.organisationId);
  if (!organisation) throw resultLinkNotFound();
  if (!options.allowExpired && new Date(link.expiresAt).getTime() <= deps.clock().getTime()) {
    const logo = (organisation.settings.logo as { sha256?: unknown } | undefined)?.sha256;
    throw new AppError('result_link_expired', 410, 'This link has expired.', { extensions: { organisationName: organisation.name, expiresAt: link.expiresAt, organisationLogo: typeof logo === 'string' } });
  }
  const envelopes = await envelopesOf(deps.db, link);
  const documents = await documentsOfEnvelopes(deps.db, link.organisationId, envelopes.map((e) => e.id));
  const revisions = await currentRevisions(deps.db, documents.map((d) => d.id));
  return {
    link,
    organisation,
    envelopes: envelopes.map((e) => ({
      id: e.id,
      title: e.title,
      agendaItem: e.agendaItem ?? null,
      completedAt: e.completedAt,
      documents: documents
        .filter((d) => d.envelopeId === e.id)
        .map((d) => ({ id: d.id, name: d.name, size: revisions.get(d.id)!.size, sha256: revisions.get(d.id)!.blobSha256 })),
    })),
  };
}

/** The completed envelopes the link covers: its own, or the meeting's that name this person (all, for the sender). */
async function envelopesOf(db: WorkflowDeps['db'], link: ResultLink): Promise<Envelope[]> {
  if (!link.meetingId) {
    const envelope = await envelopeById(db, link.organisationId, link.envelopeId);
    return envelope?.status === 'completed' ? [envelope] : [];
  }
  const completed = (await envelopesOfMeetings(db, link.organisationId, [link.meetingId])).filter((e) => e.status === 'completed');
  if (link.userId) return completed;
  const email = link.email.toLowerCase();
  const mine = new Set(
    (await recipientsOfEnvelopes(db, link.organisationId, completed.map((e) => e.id)))
      .filter((r) => (r.role === 'signer' || r.role === 'cc') && r.email.toLowerCase() === email)
      .map((r) => r.envelopeId),
  );
  return completed.filter((e) => mine.has(e.id));
}

export interface ResultDownloadOptions {
  token: string;
  envelopeId: string;
  origin?: RequestOrigin;
}

async function recordDownload(deps: WorkflowDeps, link: ResultLink, envelopeId: string, what: 'document' | 'auditReport', origin: RequestOrigin | undefined, documentId?: string) {
  await inTransaction(deps, 'downloadResult', (trx) =>
    appendAuditEvent(trx, {
      organisationId: link.organisationId,
      envelopeId,
      event: {
        action: 'result.downloaded',
        details: { linkId: link.id, ...(link.recipientId ? { recipientId: link.recipientId } : {}), ...(link.userId ? { userId: link.userId } : {}), ...(documentId ? { documentId } : {}), what },
      },
      actor: link.userId ? { kind: 'user', id: link.userId, label: link.name } : { kind: 'recipient', id: link.recipientId, label: `${link.name} <${link.email}>` },
      origin,
      occurredAt: deps.clock(),
    }),
  );
}

/** One signed PDF through the link, recorded as `result.downloaded`; streamed and checked against its hash. */
export async function downloadResultDocument(deps: WorkflowDeps, options: ResultDownloadOptions & { documentId: string }): Promise<ResultDocument & { pdf: Readable }> {
  const view = await openResultLink(deps, options);
  const document = view.envelopes.find((e) => e.id === options.envelopeId)?.documents.find((d) => d.id === options.documentId);
  if (!document || !isUuid(options.documentId)) throw new AppError('document_not_found', 404, 'This link gives no such document.');
  await recordDownload(deps, view.link, options.envelopeId, 'document', options.origin, document.id);
  return { ...document, pdf: await deps.blobs.open(document.sha256) };
}

/** The sealed audit report of one of the link's envelopes, in the page's language. */
export async function downloadResultAuditReport(deps: WorkflowDeps, options: ResultDownloadOptions & { language: ReportLanguage }): Promise<Buffer> {
  const view = await openResultLink(deps, options);
  const envelope = view.envelopes.find((e) => e.id === options.envelopeId);
  if (!envelope) throw new AppError('envelope_not_found', 404, 'This link gives no such envelope.');
  const evidence = await loadAuditEvidence(deps, { organisationId: view.link.organisationId, envelopeId: envelope.id });
  const pdf = await sealedAuditReport(deps, evidence, options.language);
  await recordDownload(deps, view.link, envelope.id, 'auditReport', options.origin);
  return pdf;
}
