/**
 * What the audit report and the evidence bundle are made of, read once so both show the same
 * chain, and the report sealed with the organisation's seal (DESIGN §6). Only for closed
 * envelopes: while an envelope is open its trail still grows, and a sealed report of half a
 * story invites the wrong conclusion.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { ConflictError } from '../errors.ts';
import { renderAuditReport, type AuditReportData } from '../audit/report.ts';
import type { ReportLanguage } from '../audit/report-i18n.ts';
import { signPdf } from '../pades/index.ts';
import { listEnvelopeAuditEvents } from '../store/audit-event-repository.ts';
import { documentsOf, revisionsOf, type Revision } from '../store/document-repository.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import { organisationById } from '../store/organisations.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { isUuid } from '../store/sql.ts';
import type { OrganisationIdentity } from '../keys/index.ts';
import type { Knex } from 'knex';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound } from './envelope-dto.ts';

/** Statuses in which the trail is complete enough to report on: the envelope is closed. */
export const REPORTABLE_STATUSES: readonly Envelope['status'][] = ['completed', 'declined', 'cancelled', 'expired'];

export interface AuditEvidence extends AuditReportData {
  /** Each document's current revision: what the bundle ships and the downloads answer. */
  currentRevisions: ReadonlyMap<string, Revision>;
  /** Whose seal the report carries (the organisation's own CA, DESIGN §5). */
  sealedBy: OrganisationIdentity;
}

export interface AuditEvidenceOptions {
  organisationId: string;
  envelopeId: string;
}

export async function loadAuditEvidence(deps: Pick<WorkflowDeps, 'db' | 'clock'>, options: AuditEvidenceOptions): Promise<AuditEvidence> {
  const { db } = deps;
  const envelope = isUuid(options.envelopeId) ? await envelopeById(db, options.organisationId, options.envelopeId) : null;
  if (!envelope) throw envelopeNotFound();
  if (!REPORTABLE_STATUSES.includes(envelope.status)) {
    throw new ConflictError('envelope_open', `The audit report is available once the envelope is closed (completed, declined, cancelled or expired); this one is ${envelope.status.replace('_', ' ')}.`, {
      extensions: { status: envelope.status },
    });
  }
  const organisation = await organisationById(db, options.organisationId);
  if (!organisation) throw envelopeNotFound();
  const documents = await documentsOf(db, options.organisationId, envelope.id);
  const currentRevisions = new Map<string, Revision>();
  const documentRows: AuditReportData['documents'][number][] = [];
  for (const document of documents) {
    const revisions = await revisionsOf(db, document.id);
    const current = revisions.at(-1);
    if (current) currentRevisions.set(document.id, current);
    documentRows.push({
      id: document.id,
      name: document.name,
      pageCount: document.pageCount,
      // The last original: a document corrected at resend (issue 12) names its earlier ones in `document.replaced`.
      originalSha256: [...revisions].reverse().find((r) => r.kind === 'original')?.blobSha256 ?? null,
      finalSha256: current?.blobSha256 ?? null,
    });
  }
  const recipients = await recipientsOf(db, options.organisationId, envelope.id);
  const events = await listEnvelopeAuditEvents(db, options.organisationId, envelope.id);
  return {
    organisation: { name: organisation.name },
    envelope,
    documents: documentRows,
    recipients: recipients.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      function: r.function,
      role: r.role,
      routingOrder: r.routingOrder,
      status: r.status,
      capacity: r.capacity,
      actingStatement: r.actingStatement,
    })),
    events,
    generatedAt: deps.clock(),
    currentRevisions,
    sealedBy: { id: organisation.id, slug: organisation.slug, name: organisation.name },
  };
}

/**
 * The report as PDF, sealed invisibly (PAdES B-T) with the organisation's own seal so a change shows, with a
 * signature timestamp proving when it was made. No TSA answering → TimestampError (503), no report.
 */
export async function sealedAuditReport(deps: Pick<WorkflowDeps, 'pki' | 'timeStamper'>, evidence: AuditEvidence, language: ReportLanguage): Promise<Buffer> {
  const pdf = await renderAuditReport(evidence, language);
  const issuer = await deps.pki.forOrganisation(evidence.sealedBy);
  return signPdf(pdf, {
    key: await issuer.seal(),
    timeStamper: deps.timeStamper,
    signer: { name: evidence.organisation.name },
    fieldName: 'Auditrapport',
    invisible: true,
    reason: 'Auditrapport',
    signingTime: evidence.generatedAt,
    language,
  });
}

export type AuditExportFormat = 'report' | 'bundle' | 'json' | 'csv';

/**
 * Records that the caller took the trail out (issue 10: every download is audited), in the same
 * transaction as the read and after it, so what was exported ends with the event before this one.
 */
export async function appendAuditExported(
  trx: Knex.Transaction,
  deps: Pick<WorkflowDeps, 'clock'>,
  request: StaffRequest & { envelopeId: string },
  format: AuditExportFormat,
  language?: ReportLanguage,
): Promise<void> {
  await appendAuditEvent(trx, {
    organisationId: request.organisationId,
    envelopeId: request.envelopeId,
    event: { action: 'audit.exported', details: language ? { format, language } : { format } },
    actor: request.actor,
    origin: request.origin,
    occurredAt: deps.clock(),
  });
}
