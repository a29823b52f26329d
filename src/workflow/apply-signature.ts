/**
 * What a recipient's signature does to an envelope, whoever holds the key (DESIGN §5, §8; issues 11, 13),
 * in three phases so that signing never holds the write lock:
 * 1. read, no lock: who signs and what, in one statement (see the loaders): the recipient, their envelope and
 *    each document's current revision with their field; the checks (link usable, their turn, second factor);
 *    what our CAs revoked (for the B-LT revision) is read while phase 2 signs;
 * 2. sign, outside any transaction: per document the signing method produces the signed bytes (one-shot:
 *    issue a certificate and sign with the TSA's timestamp; eID or a remote QSCD: complete the signature
 *    the signer's own key made); then the B-LT revision (DSS with revocation data) is built, both blobs put
 *    (on PostgreSQL while phase 3's BEGIN and row locks travel, see appendSignature); when what phase 1 read says
 *    this signature completes the envelope, also its archive timestamp (B-LTA: a document timestamp and its TSA's
 *    validation data), before phase 3, so that no TSA is asked under the lock;
 * 3. write, one transaction (append-signature.ts): under the lock each document must still be the
 *    revision signed, else everything is redone from phase 1 (ATTEMPTS, then 409 `document_changed`);
 *    the archive timestamp is kept when the signature does complete it; every put has finished (the blob is
 *    durable) before the commit.
 * Blobs stored by an attempt that then lost a race, or by a process that crashed before its commit, are
 * harmless: content-addressed and referenced by no revision. Signing twice answers the current state.
 */
import { setImmediate } from 'node:timers/promises';
import type { Knex } from 'knex';
import { appendAuditEvent, documentStateHash, lockChain } from '../audit/chain.ts';
import type { RequestOrigin } from '../audit/events.ts';
import { AppError, ConflictError } from '../errors.ts';
import type { DocumentForSigning } from '../store/sign-request-reads.ts';
import type { Db } from '../store/sql.ts';
import { isUniqueViolation } from '../store/sql.ts';
import type { Revision } from '../store/document-repository.ts';
import type { WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { buildArchiveTimestamp, extendValidationRevision, prefetchedRevocation, readRevocations, revocationIssuers, validationRevisionOf, type LongTermRevision, type RevocationsRead, type ValidationRevision } from './long-term.ts';
import { computeRouting } from '../domain/routing.ts';
import { putAhead, type StoredBlob } from '../store/blob-store.ts';
import { appendSignature, DocumentMoved } from './append-signature.ts';
import { timestampCompletedEnvelope } from './archive-timestamps.ts';
import { assertActive, recipientActor, withRecipient, type RecipientAccess, type SigningAccess } from './signing-link-access.ts';

export type { SigningAccess } from './signing-link-access.ts';
import { codeError, type VerifiedCode } from './verify-signing-code.ts';
import { inTransaction } from './transaction.ts';
import { documentNotRead } from './record-document-read.ts';

/** What every link use case answers: the envelope, the recipient, and whether this call changed anything. */
export interface LinkActionResult {
  envelope: EnvelopeDto;
  recipientId: string;
  /** True when the recipient had already done this (an idempotent repeat). */
  alreadyDone: boolean;
}

/** What a signature did, without the envelope read back (a page that only redirects needs no more). */
export interface SignatureOutcome {
  organisationId: string;
  envelopeId: string;
  recipientId: string;
  alreadyDone: boolean;
  /** This signature completed the envelope. */
  completed: boolean;
  /**
   * The archive timestamp (B-LTA) tried with this last signature: 'made' (in its transaction), or 'failed' (no TSA: left
   * to the scheduled job); absent when not tried.
   */
  archive?: 'made' | 'failed';
}

/** How the key was held: our one-shot certificate, the signer's eID card (Web eID), or a remote QSCD (CSC API). */
export type SigningMethodName = 'one-shot' | 'web-eid' | 'csc';

/** What the signing itself needs beyond the recipient: where from, and the evidence of a second factor or a batch. */
export interface SignInput {
  origin?: RequestOrigin;
  reason?: string;
  location?: string;
  verifiedCode?: VerifiedCode;
  /** Checks the mailed code once the recipient may sign (a link's code, issue 4); called once, not on a retry. */
  secondFactor?: (access: SigningAccess) => Promise<VerifiedCode | undefined>;
  /** The code was checked, and recorded, in an earlier step of this signature (a qualified signature's presentation). */
  secondFactorChecked?: boolean;
  batch?: { batchId: string; batchSize: number };
  /** Test seam: runs after the signing, before the write phase of each attempt (a concurrent change goes here). */
  beforeWrite?: (attempt: number) => Promise<void>;
}

/** One document to sign: the recipient's prepared field on its current revision. */
export interface DocumentToSign {
  documentId: string;
  fieldName: string;
  revision: Pick<Revision, 'seq' | 'blobSha256'>;
  pdf: Buffer;
}

/** The signed PDF and the signer's chain, leaf first (recorded in `recipient.signed`). */
export interface SignedDocument {
  pdf: Buffer;
  certificates: readonly Buffer[];
}

/** Recorded with a signature made with the signer's own certificate (ETSI TS 119 615 classification). */
export interface SignatureQualification {
  kind: 'qualified' | 'non_qualified' | 'unknown';
  qcSscd: boolean;
  tsp: string | null;
}

/** A signing method readied for one recipient, before any lock. */
export interface SignatureSource {
  sign(document: DocumentToSign, now: Date): Promise<SignedDocument>;
  qualification?: SignatureQualification;
  /** In the write transaction, after the revisions (a qualified session is marked used). */
  finish?(trx: Knex.Transaction, now: Date): Promise<void>;
}

export interface SigningMethod {
  name: SigningMethodName;
  /** Checks this method fits the recipient (active, their turn) and readies its signer; throws to refuse. Reads through `db`, no lock. */
  begin(db: Db, access: SigningAccess, now: Date): Promise<SignatureSource>;
  /** Failures after which, nothing stored, a `signing.failed` event is written so staff see it. */
  recordsFailure(error: unknown): error is AppError;
  /** Also run in that failure's own transaction (a qualified session is marked failed). */
  failed?(trx: Knex.Transaction, error: AppError): Promise<void>;
}

/**
 * Who signs, read in one statement; `assertUsable` is checked on what was read and again under the lock.
 * The access may come from the caller's own read (`first`), used for the first attempt only.
 */
export type AccessLoader = (db: Db) => Promise<{ access: SigningAccess; assertUsable: (access: RecipientAccess, now: Date) => void }>;

/** How often a signature is redone when a document moved on between signing and writing. */
export const ATTEMPTS = 3;

interface Attempt {
  organisationId: string;
  envelopeId: string;
  recipient: RecipientAccess['recipient'];
}

/** applySignature, answering the envelope as it is afterwards (the JSON and staff callers show it). */
export async function applySignatureWithEnvelope(deps: WorkflowDeps, name: string, load: AccessLoader, input: SignInput, method: SigningMethod): Promise<LinkActionResult> {
  const outcome = await applySignature(deps, name, load, input, method);
  return { envelope: await loadEnvelopeDto(deps.db, outcome.organisationId, outcome.envelopeId), recipientId: outcome.recipientId, alreadyDone: outcome.alreadyDone };
}

/**
 * Signs. When the method says a failure is worth recording (no TSA gave a timestamp, the document moved
 * on), nothing was stored, and a `signing.failed` event is written in a transaction of its own; the error
 * goes on to the caller. A completing signature not foreseen in phase 1 (an approver approved meanwhile) gets its
 * archive timestamp (B-LTA) after it, in a transaction of its own.
 */
export async function applySignature(deps: WorkflowDeps, name: string, load: AccessLoader, input: SignInput, method: SigningMethod): Promise<SignatureOutcome> {
  let attempt: Attempt | undefined;
  try {
    const outcome = await signWithRetries(deps, name, load, input, method, (value) => (attempt = value));
    // PAdES B-LTA once the last signature is in, when it did not come with it (its own transaction: a TSA failure here
    // leaves it to the job).
    if (outcome.completed && !outcome.archive) await timestampCompletedEnvelope(deps, outcome);
    return outcome;
  } catch (error) {
    if (method.recordsFailure(error) && attempt) await recordSigningFailure(deps, method, attempt, error, input.origin);
    throw error;
  }
}

async function recordSigningFailure(deps: WorkflowDeps, method: SigningMethod, attempt: Attempt, error: AppError, origin: RequestOrigin | undefined): Promise<void> {
  try {
    await inTransaction(deps, 'signEnvelope.failed', async (trx) => {
      // The envelope first, as the signing's own write phase takes it, then the qualified session's row: the same
      // order in both, so a failure and a completion of one session at once cannot deadlock.
      await lockChain(trx, attempt.organisationId, attempt.envelopeId);
      await method.failed?.(trx, error);
      await appendAuditEvent(trx, {
        organisationId: attempt.organisationId,
        envelopeId: attempt.envelopeId,
        event: {
          action: 'signing.failed',
          details: { recipientId: attempt.recipient.id, code: error.code, message: error.message, ...(method.name === 'one-shot' ? {} : { method: method.name }) },
        },
        actor: recipientActor(attempt.recipient),
        origin,
        occurredAt: deps.clock(),
      });
    });
  } catch (auditError) {
    // The signer's answer is the signing failure; a failing audit write is logged, never put in its place.
    deps.logger.error({ err: auditError, envelopeId: attempt.envelopeId }, 'could not record signing.failed');
  }
}

/** A revision, or a chain link, appended by someone else between our read and our write (unique(…, seq)). */
function isAppendConflict(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  const e = error as { message?: string; table?: string; constraint?: string };
  return /audit_events|revisions/.test(`${e.table ?? ''} ${e.constraint ?? ''} ${e.message ?? ''}`);
}

async function signWithRetries(deps: WorkflowDeps, name: string, load: AccessLoader, input: SignInput, method: SigningMethod, started: (attempt: Attempt) => void): Promise<SignatureOutcome> {
  let verifiedCode = input.verifiedCode;
  for (let attempt = 1; ; attempt += 1) {
    // Phase 1: read, no lock.
    const { access, assertUsable } = await load(deps.db);
    const { envelope, recipient } = access;
    started({ organisationId: envelope.organisationId, envelopeId: envelope.id, recipient });
    const done = { organisationId: envelope.organisationId, envelopeId: envelope.id, recipientId: recipient.id, alreadyDone: true, completed: false };
    if (recipient.role === 'signer' && recipient.status === 'signed') return done;
    const now = deps.clock();
    assertUsable(access, now);
    assertActive(access, 'signer');
    const source = await method.begin(deps.db, access, now);
    // What our CAs revoked, for the B-LT revision: as this process read it while no revocation was recorded since, or
    // read while the documents are signed. knex takes a dozen promise turns to put a statement on the wire, and the
    // signing that follows is CPU work that yields to them only at its first asynchronous step, a millisecond or two
    // later: one turn of the event loop sends the read now, so its answer is there when the B-LT revision is built
    // (issue 11).
    const revocations = readRevocations(deps, await revocationIssuers(deps, access.organisation), access.revocationsRecorded);
    await setImmediate();
    // Read with the access, in its statement.
    const { documents } = access;
    // Reading before signing (issue 12), checked before a mailed code is spent on a signature that cannot happen.
    if (documents.some((d) => !d.read)) throw documentNotRead();
    // The code is spent once: a retry carries the verified one.
    if (!verifiedCode && input.secondFactor) verifiedCode = await input.secondFactor(access);
    if (envelope.requireCode && !verifiedCode && !input.secondFactorChecked) throw codeError('code_required');

    // Phase 2: sign, outside any transaction. The last signature also archive-timestamps the documents (B-LTA) here,
    // outside the lock, when what was read says it completes the envelope (checked again under the lock).
    const archive = completesEnvelope(access);
    const signed = await signDocuments(deps, documents, source, recipient.id, now, revocations, archive);
    if (archive) await signed.complete();
    await input.beforeWrite?.(attempt);

    // Phase 3: write, under the lock.
    try {
      return await appendSignature(deps, {
        access,
        assertUsable,
        signed,
        initialDocumentHash: documentStateHash(documents.map((d) => ({ position: d.position, sha256: d.blobSha256 }))),
        source,
        method: method.name,
        input: { ...input, verifiedCode },
        now,
      });
    } catch (error) {
      if (!(error instanceof DocumentMoved) && !isAppendConflict(error)) throw error;
      if (attempt >= ATTEMPTS) throw new ConflictError('document_changed', 'The document kept changing while it was being signed; sign again.');
      deps.logger.warn({ useCase: name, attempt }, 'a document changed while it was signed; signing again');
    }
  }
}

/** Whether the recipient's signature, as `access` was read, leaves nobody to sign or approve. */
function completesEnvelope(access: SigningAccess): boolean {
  return computeRouting(withRecipient(access.recipients, { ...access.recipient, status: 'signed' })).outcome === 'complete';
}

/** A document signed, with its B-LT revision and, for the last signature, its archive timestamp, all stored as blobs; what the write phase appends. */
export interface SignedForWrite {
  document: DocumentToWrite;
  signature: { blob: { sha256: string; size: number }; certificates: readonly Buffer[] };
  validation: ValidationRevision | null;
  /** The B-LTA revisions after the B-LT one, when the signature was to complete the envelope and the TSA answered. */
  archive: LongTermRevision[] | null;
}

export type DocumentToWrite = DocumentForSigning & { fieldName: string };

/** Phase 2's outcome: the documents signed, their blobs on their way to the store. */
export interface SignedDocuments {
  documents: DocumentToWrite[];
  /**
   * Builds the B-LT revisions (CPU work, about a millisecond a document) and starts storing them: resolves with what
   * the write phase appends, whose blobs are named but maybe not yet durable. Started once, whoever calls first:
   * appendSignature says when.
   */
  complete(): Promise<CompletedSignature>;
}

/** What a signature appends, and when every blob it names is durable (to await before the commit, DESIGN §8). */
export interface CompletedSignature {
  documents: SignedForWrite[];
  stored: Promise<void>;
  /** The archive timestamps were tried; they failed when `documents` have none. */
  archiveTried: boolean;
}

/**
 * Signs every document and starts storing the signed bytes. A blob put waits mostly on round trips to the file
 * system and on fsync, which need no CPU of ours: the signed bytes are stored while the next document is signed
 * and the B-LT revisions are built, the B-LT bytes while the write phase goes on (putAhead names each blob at
 * once, so the rows that point at it need not wait); every put is awaited before the commit.
 */
async function signDocuments(deps: WorkflowDeps, documents: DocumentForSigning[], source: SignatureSource, recipientId: string, now: Date, read: RevocationsRead, archive: boolean): Promise<SignedDocuments> {
  const targets = documents.map((document) => {
    const { fieldName } = document;
    if (!fieldName) throw new Error(`document ${document.documentId} has no prepared field for recipient ${recipientId}`);
    return { ...document, fieldName };
  });
  // Every PDF read at once (each an observed promise, awaited in turn).
  const reads = targets.map((document) => observed(deps.blobs.get(document.blobSha256)));
  const signed: SignedBytes[] = [];
  for (const [i, document] of targets.entries()) {
    const pdf = await reads[i];
    const result = await source.sign({ documentId: document.documentId, fieldName: document.fieldName, revision: { seq: document.seq, blobSha256: document.blobSha256 }, pdf }, now);
    signed.push({ document, pdf: result.pdf, certificates: result.certificates, ...putAhead(deps.blobs, result.pdf, pdf) });
  }
  let completed: Promise<CompletedSignature> | undefined;
  return { documents: targets, complete: () => (completed ??= observed(addLongTermRevisions(deps, signed, read, archive))) };
}

/** A document's signed bytes and the signer's chain, the put of those bytes under way. */
interface SignedBytes {
  document: DocumentToWrite;
  pdf: Buffer;
  certificates: readonly Buffer[];
  blob: StoredBlob;
  stored: Promise<void>;
}

/**
 * PAdES B-LT: every certificate and its revocation data, for all signatures so far, in a DSS revision of each document;
 * with `archive`, then B-LTA (a document timestamp and its TSA's validation data, buildArchiveTimestamp). Every put
 * started. Should the archive timestamp of any document fail (no TSA), none is kept: the scheduled job makes them.
 */
async function addLongTermRevisions(deps: WorkflowDeps, signed: readonly SignedBytes[], read: RevocationsRead, archive: boolean): Promise<CompletedSignature> {
  const revocation = prefetchedRevocation(deps, signed.map((s) => s.certificates), read);
  const documents: SignedForWrite[] = [];
  const stored = signed.map((s) => s.stored);
  const store = (pdf: Buffer, earlier: Buffer) => {
    const put = putAhead(deps.blobs, pdf, earlier);
    stored.push(put.stored);
    return put.blob;
  };
  for (const s of signed) {
    const signature = { documentId: s.document.documentId, seq: s.document.seq + 1, pdf: s.pdf };
    const built = await extendValidationRevision(deps, signature, revocation);
    const validation = built && validationRevisionOf(built, store(built.state.pdf, s.pdf));
    documents.push({ document: s.document, signature: { blob: s.blob, certificates: s.certificates }, validation, archive: null });
  }
  if (archive) {
    try {
      for (const [i, d] of documents.entries()) {
        const current = d.validation?.state ?? { documentId: d.document.documentId, seq: d.document.seq + 1, pdf: signed[i]!.pdf };
        d.archive = await buildArchiveTimestamp(deps, current, revocation, 'completion', async (pdf, earlier) => store(pdf, earlier));
        // The next document's archive is built on; a failure drops them all (below).
      }
    } catch (error) {
      deps.logger.warn({ err: error, documentId: documents[0]?.document.documentId }, 'archive timestamp with the last signature failed; the scheduled job will make it');
      for (const d of documents) d.archive = null;
    }
  }
  return { documents, stored: observed(Promise.all(stored).then(() => undefined)), archiveTried: archive };
}

/** A promise whose failure is observed at once (not an unhandled rejection while other work goes on); it still rejects where awaited. */
function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
