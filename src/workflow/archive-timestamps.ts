/**
 * Archive timestamps (PAdES B-LTA, issue 9): when an envelope completes, each document gets a
 * document timestamp with its validation data (made with the last signature, apply-signature.ts, in its
 * transaction; here after an approval or a completion not foreseen); a scheduled job gives one to any completed document
 * that has none (the TSA was down at completion) and renews it before the certificate of the TSA
 * that made the newest one expires (ETSI EN 319 102-1 §5.6.3), as new revisions recorded in the
 * audit trail. One transaction per envelope: a failure on one does not hold back the others.
 */
import { envelopesNeedingArchiveTimestamp } from '../store/archive-timestamp-repository.ts';
import { currentRevisions, documentsOf, revisionsOf } from '../store/document-repository.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { AppError } from '../errors.ts';
import { appendArchiveTimestamp, recorder, TSA_EXPIRING, type ArchiveTimestampOptions, type LongTermDeps } from './long-term.ts';
import { inTransaction } from './transaction.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface EnvelopeTarget {
  organisationId: string;
  envelopeId: string;
}

/**
 * Gives every document of a completed envelope an archive timestamp. 'completion' skips documents
 * that already have one (a repeat is harmless); 'renewal' adds a new one to each. Returns how many
 * documents were stamped.
 */
export async function timestampEnvelope(deps: LongTermDeps, target: EnvelopeTarget, purpose: 'completion' | 'renewal', options: ArchiveTimestampOptions = {}): Promise<number> {
  return inTransaction(deps, 'timestampEnvelope', async (trx) => {
    // The envelope's row locked is its audit chain's lock (recorder).
    const envelope = await envelopeById(trx, target.organisationId, target.envelopeId, { forUpdate: true });
    if (!envelope || envelope.status !== 'completed') return 0;
    const documents = await documentsOf(trx, envelope.organisationId, envelope.id, { forUpdate: true });
    // A renewal needs each document's current revision; a completion each one's history, whose last is the current.
    const current = purpose === 'renewal' ? await currentRevisions(trx, documents.map((d) => d.id)) : undefined;
    const now = deps.clock();
    const record = recorder(trx, target, now);
    let stamped = 0;
    for (const document of documents) {
      const history = current ? undefined : await revisionsOf(trx, document.id);
      const revision = current ? current.get(document.id) : history!.at(-1);
      if (!revision) continue;
      if (history?.some((r) => r.kind === 'timestamp')) continue;
      const state = { documentId: document.id, seq: revision.seq, pdf: await deps.blobs.get(revision.blobSha256) };
      await appendArchiveTimestamp(trx, deps, state, record, purpose, options);
      stamped += 1;
    }
    return stamped;
  });
}

/** After a link action (sign, approve): when it completed the envelope, archive-timestamp it now. */
export async function timestampIfCompleted(deps: LongTermDeps, target: EnvelopeTarget): Promise<void> {
  const envelope = await envelopeById(deps.db, target.organisationId, target.envelopeId);
  if (envelope?.status === 'completed') await timestampCompletedEnvelope(deps, target);
}

/** After a use case completed an envelope: archive-timestamp it now; when that fails, the job does it later. */
export async function timestampCompletedEnvelope(deps: LongTermDeps, target: EnvelopeTarget): Promise<void> {
  try {
    await timestampEnvelope(deps, target, 'completion');
  } catch (error) {
    deps.logger.warn({ err: error, envelopeId: target.envelopeId }, 'archive timestamp at completion failed; the scheduled job will retry');
  }
}

export interface RenewArchiveTimestampsOptions {
  /** Renew when the newest timestamp's TSA certificate expires within this (default 180 days). */
  renewBeforeMs?: number;
  /** Never stamp a document again within this of its last stamp (default 7 days), even with a short-lived TSA certificate. */
  minIntervalMs?: number;
  /** Envelopes per run (default 20). */
  limit?: number;
}

export interface RenewArchiveTimestampsResult {
  stamped: Array<EnvelopeTarget & { documents: number; purpose: 'completion' | 'renewal' }>;
  failed: number;
  /** Of `failed`: refused because the TSA's certificate itself expires within the renewal window. */
  tsaExpiring: number;
}

/** The scheduled pass: completed envelopes without an archive timestamp, or with one about to lose its TSA certificate. */
export async function renewArchiveTimestamps(deps: LongTermDeps, options: RenewArchiveTimestampsOptions = {}): Promise<RenewArchiveTimestampsResult> {
  const now = deps.clock().getTime();
  const renewBefore = new Date(now + (options.renewBeforeMs ?? 180 * DAY_MS));
  const candidates = await envelopesNeedingArchiveTimestamp(deps.db, {
    renewBefore: renewBefore.toISOString(),
    notStampedSince: new Date(now - (options.minIntervalMs ?? 7 * DAY_MS)).toISOString(),
    limit: options.limit ?? 20,
  });
  const result: RenewArchiveTimestampsResult = { stamped: [], failed: 0, tsaExpiring: 0 };
  for (const target of candidates) {
    try {
      const purpose = (await hasArchiveTimestamp(deps, target)) ? 'renewal' : 'completion';
      // A timestamp whose own TSA certificate falls in the window would be due again at once: refused, not stored.
      const documents = await timestampEnvelope(deps, target, purpose, { tsaValidUntil: renewBefore });
      if (documents > 0) result.stamped.push({ ...target, documents, purpose });
    } catch (error) {
      result.failed += 1;
      if (error instanceof AppError && error.code === TSA_EXPIRING) {
        result.tsaExpiring += 1;
        deps.logger.error({ err: error, envelopeId: target.envelopeId }, 'archive timestamp NOT renewed: the TSA certificate itself expires within the renewal window; roll the TSA key over');
      } else {
        deps.logger.error({ err: error, envelopeId: target.envelopeId }, 'could not archive-timestamp an envelope');
      }
    }
  }
  return result;
}

/** Whether every document of the envelope has had a document timestamp already. */
async function hasArchiveTimestamp(deps: LongTermDeps, target: EnvelopeTarget): Promise<boolean> {
  const documents = await documentsOf(deps.db, target.organisationId, target.envelopeId);
  for (const document of documents) if (!(await revisionsOf(deps.db, document.id)).some((r) => r.kind === 'timestamp')) return false;
  return documents.length > 0;
}
