/**
 * What a recipient's signature does to an envelope, whoever holds the key (DESIGN §5, §8; issue 13).
 * For each document, with its row locked (PostgreSQL `FOR UPDATE`; SQLite's write lock): take the
 * current revision, let the signing method produce the signed bytes (one-shot: issue a certificate and
 * sign here; eID or a remote QSCD: complete the signature the signer's own key made), store the blob,
 * append revision 'signature' with `recipient.signed`, and the B-LT revision. Then the recipient's
 * status, webhooks, routing and, after the commit, the completion timestamp (B-LTA). unique(document_id,
 * seq) catches a writer that appended meanwhile. Signing twice answers the current state.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditEvent, RequestOrigin } from '../audit/events.ts';
import { AppError } from '../errors.ts';
import { currentRevisions, documentsOf, insertRevision, type Revision } from '../store/document-repository.ts';
import { fieldsOf, updateRecipient } from '../store/recipient-repository.ts';
import type { WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, queueWebhooks } from './notifications.ts';
import { advanceRouting } from './routing-effects.ts';
import { timestampIfCompleted } from './archive-timestamps.ts';
import { appendValidationRevision } from './long-term.ts';
import { assertActive, recipientActor, withRecipient, type RecipientAccess } from './signing-link-access.ts';
import { codeError, type VerifiedCode } from './verify-signing-code.ts';
import { inTransaction } from './transaction.ts';

/** What every link use case answers: the envelope, the recipient, and whether this call changed anything. */
export interface LinkActionResult {
  envelope: EnvelopeDto;
  recipientId: string;
  /** True when the recipient had already done this (an idempotent repeat). */
  alreadyDone: boolean;
}

/** How the key was held: our one-shot certificate, the signer's eID card (Web eID), or a remote QSCD (CSC API). */
export type SigningMethodName = 'one-shot' | 'web-eid' | 'csc';

/** What the signing itself needs beyond the recipient: where from, and the evidence of a second factor or a batch. */
export interface SignInput {
  origin?: RequestOrigin;
  reason?: string;
  location?: string;
  verifiedCode?: VerifiedCode;
  /** The code was checked, and recorded, in an earlier step of this signature (a qualified signature's presentation). */
  secondFactorChecked?: boolean;
  batch?: { batchId: string; batchSize: number };
}

/** One document to sign: the recipient's prepared field on its current revision. */
export interface DocumentToSign {
  documentId: string;
  fieldName: string;
  revision: Revision;
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

/** A signing method readied for one recipient, inside the signing transaction. */
export interface SignatureSource {
  sign(document: DocumentToSign, now: Date): Promise<SignedDocument>;
  qualification?: SignatureQualification;
  /** After every document is signed, in the same transaction (a qualified session is marked used). */
  finish?(trx: Knex.Transaction, now: Date): Promise<void>;
}

export interface SigningMethod {
  name: SigningMethodName;
  /** Checks this method fits the recipient (active, their turn) and readies its signer; throws to refuse. */
  begin(trx: Knex.Transaction, access: RecipientAccess, now: Date): Promise<SignatureSource>;
  /** Failures after which, the transaction rolled back, a `signing.failed` event is written so staff see it. */
  recordsFailure(error: unknown): error is AppError;
  /** Also run in that failure's own transaction (a qualified session is marked failed). */
  failed?(trx: Knex.Transaction, error: AppError): Promise<void>;
}

export type AccessLoader = (trx: Knex.Transaction) => Promise<{ access: RecipientAccess; assertUsable: (now: Date) => void }>;

interface Attempt {
  organisationId: string;
  envelopeId: string;
  recipient: RecipientAccess['recipient'];
}

/**
 * Signs in one transaction. When the method says a failure is worth recording (no TSA gave a timestamp,
 * the document moved on), the transaction rolls back, so nothing is stored, and a `signing.failed` event
 * is then written in a transaction of its own; the error goes on to the caller.
 */
export async function applySignature(deps: WorkflowDeps, name: string, load: AccessLoader, input: SignInput, method: SigningMethod): Promise<LinkActionResult> {
  let attempt: Attempt | undefined;
  try {
    return await signInTransaction(deps, name, load, input, method, (value) => (attempt = value));
  } catch (error) {
    if (method.recordsFailure(error) && attempt) await recordSigningFailure(deps, method, attempt, error, input.origin);
    throw error;
  }
}

async function recordSigningFailure(deps: WorkflowDeps, method: SigningMethod, attempt: Attempt, error: AppError, origin: RequestOrigin | undefined): Promise<void> {
  try {
    await inTransaction(deps, 'signEnvelope.failed', async (trx) => {
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

async function signInTransaction(
  deps: WorkflowDeps,
  name: string,
  load: AccessLoader,
  input: SignInput,
  method: SigningMethod,
  started: (attempt: Attempt) => void,
): Promise<LinkActionResult> {
  const outcome = await inTransaction(deps, name, async (trx) => {
    const { access, assertUsable } = await load(trx);
    const { envelope, recipient } = access;
    started({ organisationId: envelope.organisationId, envelopeId: envelope.id, recipient });
    const done = { organisationId: envelope.organisationId, envelopeId: envelope.id, recipientId: recipient.id };
    if (recipient.role === 'signer' && recipient.status === 'signed') return { ...done, alreadyDone: true };
    const now = deps.clock();
    assertUsable(now);
    assertActive(access, 'signer');
    if (envelope.requireCode && !input.verifiedCode && !input.secondFactorChecked) throw codeError('code_required');
    const source = await method.begin(trx, access, now);
    const actor = recipientActor(recipient);
    const record = (event: AuditEvent, documentSha256?: string) =>
      appendAuditEvent(trx, { organisationId: envelope.organisationId, envelopeId: envelope.id, event, actor, origin: input.origin, documentSha256, occurredAt: now });
    if (input.verifiedCode) {
      const { codeId, codeRecipientId, failedAttempts } = input.verifiedCode;
      await record({ action: 'code.verified', details: { recipientId: recipient.id, codeId, codeRecipientId, failedAttempts } });
    }

    const documents = await documentsOf(trx, envelope.organisationId, envelope.id, { forUpdate: true });
    const revisions = await currentRevisions(trx, documents.map((d) => d.id));
    const fields = await fieldsOf(trx, [recipient.id]);
    for (const document of documents) {
      const revision = revisions.get(document.id);
      const field = fields.find((f) => f.documentId === document.id && f.fieldName);
      if (!revision || !field?.fieldName) throw new Error(`document ${document.id} has no prepared field for recipient ${recipient.id}`);
      const signed = await source.sign({ documentId: document.id, fieldName: field.fieldName, revision, pdf: await deps.blobs.get(revision.blobSha256) }, now);
      const blob = await deps.blobs.put(signed.pdf);
      await insertRevision(trx, { id: randomUUID(), documentId: document.id, seq: revision.seq + 1, blobSha256: blob.sha256, size: blob.size, kind: 'signature', now: now.toISOString() });
      await record(
        {
          action: 'recipient.signed',
          details: {
            recipientId: recipient.id,
            documentId: document.id,
            fieldName: field.fieldName,
            signedRevisionSha256: revision.blobSha256,
            revisionSeq: revision.seq + 1,
            revisionSha256: blob.sha256,
            certificate: certificateDetails(signed.certificates),
            ...(method.name === 'one-shot' ? {} : { method: method.name }),
            ...(source.qualification ? { qualification: source.qualification } : {}),
          },
        },
        blob.sha256,
      );
      // PAdES B-LT: every certificate and its revocation data, for all signatures so far, in a DSS revision.
      await appendValidationRevision(trx, deps, { documentId: document.id, seq: revision.seq + 1, pdf: signed.pdf }, record);
    }
    await source.finish?.(trx, now);
    if (input.batch) await record({ action: 'batch.signed', details: { recipientId: recipient.id, ...input.batch } });

    const at = now.toISOString();
    const signedRecipient = { ...recipient, status: 'signed' as const, completedAt: at, openedAt: recipient.openedAt ?? at };
    await updateRecipient(trx, envelope.organisationId, recipient.id, { status: 'signed', completedAt: at, openedAt: signedRecipient.openedAt });
    const ctx = await effectContext(trx, deps, envelope, { actor, origin: input.origin, now });
    await queueWebhooks(ctx, 'recipient.signed', signedRecipient);
    await advanceRouting(ctx, withRecipient(access.recipients, signedRecipient));
    return { ...done, alreadyDone: false };
  });
  // PAdES B-LTA once the last signature is in (its own transaction: a TSA failure here leaves it to the job).
  if (!outcome.alreadyDone) await timestampIfCompleted(deps, outcome);
  return { envelope: await loadEnvelopeDto(deps.db, outcome.organisationId, outcome.envelopeId), recipientId: outcome.recipientId, alreadyDone: outcome.alreadyDone };
}

/** The signer's certificate as `recipient.signed` records it: fingerprint, serial, subject, start and issuer. */
function certificateDetails(certificates: readonly Buffer[]) {
  const leaf = new X509Certificate(certificates[0]);
  return {
    fingerprintSha256: createHash('sha256').update(certificates[0]).digest('hex'),
    serialNumber: leaf.serialNumber,
    subject: leaf.subject.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom).toISOString(),
    ...(certificates[1] ? { issuerSha256: createHash('sha256').update(certificates[1]).digest('hex') } : {}),
  };
}
