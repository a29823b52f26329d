/**
 * Keeping signed documents verifiable for decades (issue 9, ETSI EN 319 142-1 §5.4): after each
 * signature a DSS revision ('ltv', PAdES B-LT); when an envelope completes, and again before the TSA
 * certificate of its newest document timestamp expires, an archive timestamp (B-LTA): validation data,
 * a document timestamp ('timestamp' revision) and the TSA's validation data. Every revision is appended
 * with its audit event in the caller's transaction.
 */
import { randomUUID, type X509Certificate } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import { AppError } from '../errors.ts';
import type { AuditEvent } from '../audit/events.ts';
import type { PkiAuthorities, PkiProvider, RevocationSource, TimeStamper } from '../keys/index.ts';
import { extendWithValidationData, stampDocument } from '../pades/index.ts';
import { insertRevision } from '../store/document-repository.ts';
import type { WorkflowDeps } from './deps.ts';
import { ownRevocationSource } from './pki-publication.ts';
import { combineRevocationSources } from '../keys/combined-revocation-source.ts';

/** What the long-term steps need beyond the store: trusted time, our CAs (for revocation data), the trust anchors. */
export interface LongTermDeps extends Pick<WorkflowDeps, 'db' | 'blobs' | 'clock' | 'logger' | 'remoteRevocation'> {
  timeStamper: TimeStamper;
  authorities: PkiAuthorities;
  pki: Pick<PkiProvider, 'trustAnchors'>;
}

/**
 * Our CAs' revocation answers read through the caller's transaction: a revocation recorded in it counts,
 * and SQLite's single connection is not asked for twice (deps.revocation reads through deps.db).
 */
function revocationIn(trx: Knex.Transaction, deps: LongTermDeps): RevocationSource {
  const own = ownRevocationSource({ db: trx, clock: deps.clock, authorities: deps.authorities });
  // A signer's own certificate (eID, remote QSCD, issue 13): its CA's OCSP responder or CRL, after ours.
  return deps.remoteRevocation ? combineRevocationSources(own, deps.remoteRevocation) : own;
}

/** A document's newest revision as the steps go: its seq and bytes. */
export interface DocumentState {
  documentId: string;
  seq: number;
  pdf: Buffer;
}

/** Writes an audit event (and the document hash it concerns) in the caller's transaction. */
export type RecordEvent = (event: AuditEvent, documentSha256: string) => Promise<unknown>;

export function recorder(trx: Knex.Transaction, target: { organisationId: string; envelopeId: string }, now: Date): RecordEvent {
  return async (event, documentSha256) => {
    await appendAuditEvent(trx, { ...target, event, actor: { kind: 'system', label: 'long-term validation' }, documentSha256, occurredAt: now });
  };
}

/**
 * The DSS revision after a signature or timestamp (B-LT). Returns the new state, or `state` itself
 * when the DSS already held everything (no empty revision).
 */
export async function appendValidationRevision(
  trx: Knex.Transaction,
  deps: LongTermDeps,
  state: DocumentState,
  record: RecordEvent,
  refresh: 'missing' | 'all' = 'missing',
): Promise<DocumentState> {
  const extended = await extendWithValidationData(state.pdf, { revocation: revocationIn(trx, deps), extraCertificates: deps.pki.trustAnchors, refresh });
  if (extended.pdf === state.pdf) return state;
  if (extended.withoutRevocation.length > 0) {
    const subjects = extended.withoutRevocation.map((c) => c.subject.replace(/\n/g, ', '));
    deps.logger.warn({ documentId: state.documentId, subjects }, 'no revocation data for some certificates: the document does not reach B-LT');
  }
  const next = { documentId: state.documentId, seq: state.seq + 1, pdf: extended.pdf };
  const blob = await deps.blobs.put(next.pdf);
  await insertRevision(trx, { id: randomUUID(), documentId: state.documentId, seq: next.seq, blobSha256: blob.sha256, size: blob.size, kind: 'ltv', now: deps.clock().toISOString() });
  const { certs, ocsps, crls } = extended.added;
  await record(
    {
      action: 'document.validation_data_added',
      details: { documentId: state.documentId, revisionSeq: next.seq, revisionSha256: blob.sha256, certificates: certs, ocspResponses: ocsps, crls, withoutRevocation: extended.withoutRevocation.length },
    },
    blob.sha256,
  );
  return next;
}

export interface ArchiveTimestampOptions {
  /** Refuse (TsaExpiringError, nothing stored) a timestamp whose TSA certificate expires before this. */
  tsaValidUntil?: Date;
}

/** The code of the error `appendArchiveTimestamp` throws when the TSA's certificate does not outlive `tsaValidUntil`. */
export const TSA_EXPIRING = 'archive_timestamp_tsa_expiring';

/**
 * A renewal made with a TSA certificate that itself expires within the renewal window proves nothing beyond
 * the timestamp it renews (ETSI EN 319 102-1 §5.6.3 needs a new, longer-lived one): the next pass would only
 * renew it again. Refused loudly, never stored: the TSA must roll its key over (or TSA_URL name another TSA).
 */
function assertTsaOutlives(certificate: X509Certificate, validUntil: Date | undefined): void {
  if (!validUntil || new Date(certificate.validTo) > validUntil) return;
  throw new AppError(TSA_EXPIRING, 500, 'The archive timestamp was not renewed: the TSA certificate expires within the renewal window.', {
    detail: `TSA certificate ${certificate.subject.replace(/\n/g, ', ')} (serial ${certificate.serialNumber}) expires ${new Date(certificate.validTo).toISOString()}, before ${validUntil.toISOString()}: roll the TSA key over or configure a TSA whose certificate lives longer`,
  });
}

/**
 * B-LTA for one document: validation data for what it holds (fresh for every certificate on
 * renewal, ETSI EN 319 102-1 §5.6.3), a document timestamp, then the validation data of its TSA.
 */
export async function appendArchiveTimestamp(
  trx: Knex.Transaction,
  deps: LongTermDeps,
  state: DocumentState,
  record: RecordEvent,
  purpose: 'completion' | 'renewal',
  options: ArchiveTimestampOptions = {},
): Promise<DocumentState> {
  const before = await appendValidationRevision(trx, deps, state, record, purpose === 'renewal' ? 'all' : 'missing');
  const stamped = await stampDocument(before.pdf, { timeStamper: deps.timeStamper });
  const tsa = { certificate: stamped.tsaCertificate, genTime: stamped.genTime };
  assertTsaOutlives(tsa.certificate, options.tsaValidUntil);
  const next = { documentId: state.documentId, seq: before.seq + 1, pdf: stamped.pdf };
  const blob = await deps.blobs.put(next.pdf);
  await insertRevision(trx, {
    id: randomUUID(),
    documentId: state.documentId,
    seq: next.seq,
    blobSha256: blob.sha256,
    size: blob.size,
    kind: 'timestamp',
    now: deps.clock().toISOString(),
    timestampExpiresAt: new Date(tsa.certificate.validTo).toISOString(),
  });
  await record(
    {
      action: 'document.timestamped',
      details: {
        documentId: state.documentId,
        revisionSeq: next.seq,
        revisionSha256: blob.sha256,
        purpose,
        genTime: tsa.genTime.toISOString(),
        tsaCertificate: { subject: tsa.certificate.subject.replace(/\n/g, ', '), serialNumber: tsa.certificate.serialNumber, notAfter: new Date(tsa.certificate.validTo).toISOString() },
      },
    },
    blob.sha256,
  );
  return appendValidationRevision(trx, deps, next, record);
}
