/**
 * A signer signs through their link (DESIGN §5, §8). For each document, with its row locked
 * (PostgreSQL `FOR UPDATE`; SQLite's write lock): take the current revision, issue a one-shot
 * certificate, sign the recipient's prepared field as an incremental update, store the blob and
 * append revision 'signature'. unique(document_id, seq) catches a writer that appended meanwhile,
 * and the use case runs again on the new revision. Signing twice answers the current state.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditEvent, RequestOrigin } from '../audit/events.ts';
import { TimestampError } from '../errors.ts';
import { signPdf } from '../pades/index.ts';
import { currentRevisions, documentsOf, insertRevision } from '../store/document-repository.ts';
import { organisationById } from '../store/organisations.ts';
import { fieldsOf, updateRecipient } from '../store/recipient-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, queueWebhooks } from './notifications.ts';
import { advanceRouting } from './routing-effects.ts';
import { timestampIfCompleted } from './archive-timestamps.ts';
import { appendValidationRevision } from './long-term.ts';
import { accessByRecipient, accessByToken, assertActive, assertEnvelopeOpen, assertLinkUsable, recipientActor, withRecipient, type RecipientAccess } from './signing-link-access.ts';
import { codeError, verifySigningCode, type VerifiedCode } from './verify-signing-code.ts';
import { inTransaction } from './transaction.ts';

export interface SignEnvelopeOptions extends LinkRequest {
  /** Shown in the signature dictionary (/Reason, /Location). */
  reason?: string;
  location?: string;
  /** The mailed code, when the envelope requires one (issue 4). */
  code?: unknown;
}

/** What every link use case answers: the envelope, the recipient, and whether this call changed anything. */
export interface LinkActionResult {
  envelope: EnvelopeDto;
  recipientId: string;
  /** True when the recipient had already done this (an idempotent repeat). */
  alreadyDone: boolean;
}

/** What the signing itself needs beyond the recipient: where from, and the evidence of a second factor or a batch. */
interface SignInput {
  origin?: RequestOrigin;
  reason?: string;
  location?: string;
  verifiedCode?: VerifiedCode;
  batch?: { batchId: string; batchSize: number };
}

export async function signEnvelope(deps: WorkflowDeps, options: SignEnvelopeOptions): Promise<LinkActionResult> {
  const verifiedCode = await secondFactorForLink(deps, options.token, options.code);
  return signRecipient(deps, 'signEnvelope', async (trx) => {
    const access = await accessByToken(trx, options.token);
    return { access, assertUsable: (now) => assertLinkUsable(access, now) };
  }, { ...options, verifiedCode });
}

export interface SignAsRecipientOptions extends Omit<SignInput, 'reason' | 'location'> {
  organisationId: string;
  envelopeId: string;
  recipientId: string;
}

/** The same signing for a recipient identified otherwise than by their own link (batch signing). */
export async function signAsRecipient(deps: WorkflowDeps, options: SignAsRecipientOptions): Promise<LinkActionResult> {
  return signRecipient(deps, 'signAsRecipient', async (trx) => {
    const access = await accessByRecipient(trx, options.organisationId, options.envelopeId, options.recipientId);
    return { access, assertUsable: (now) => assertEnvelopeOpen(access, now) };
  }, options);
}

/** Checks the mailed code before signing through a link, once the link is known to be usable and it is the signer's turn. */
async function secondFactorForLink(deps: WorkflowDeps, token: string, code: unknown): Promise<VerifiedCode | undefined> {
  const access = await inTransaction(deps, 'signEnvelope.secondFactor', (trx) => accessByToken(trx, token));
  if (access.recipient.role === 'signer' && access.recipient.status === 'signed') return undefined;
  assertLinkUsable(access, deps.clock());
  assertActive(access, 'signer');
  if (!access.envelope.requireCode) return undefined;
  return verifySigningCode(deps, { recipientId: access.recipient.id, code });
}

type AccessLoader = (trx: Knex.Transaction) => Promise<{ access: RecipientAccess; assertUsable: (now: Date) => void }>;

/**
 * Signs in one transaction. When no TSA gives a timestamp (TimestampError), the transaction rolls back, so nothing
 * is stored, and a `signing.failed` event is then written in a transaction of its own so staff see it in the
 * timeline; the error goes on to the caller (503, "try again in a few minutes").
 */
async function signRecipient(deps: WorkflowDeps, name: string, load: AccessLoader, input: SignInput): Promise<LinkActionResult> {
  let attempt: { organisationId: string; envelopeId: string; recipient: RecipientAccess['recipient'] } | undefined;
  try {
    return await signInTransaction(deps, name, load, input, (value) => (attempt = value));
  } catch (error) {
    if (error instanceof TimestampError && attempt) await recordSigningFailure(deps, attempt, error, input.origin);
    throw error;
  }
}

async function recordSigningFailure(
  deps: WorkflowDeps,
  attempt: { organisationId: string; envelopeId: string; recipient: RecipientAccess['recipient'] },
  error: TimestampError,
  origin: RequestOrigin | undefined,
): Promise<void> {
  try {
    await inTransaction(deps, 'signEnvelope.failed', (trx) =>
      appendAuditEvent(trx, {
        organisationId: attempt.organisationId,
        envelopeId: attempt.envelopeId,
        event: { action: 'signing.failed', details: { recipientId: attempt.recipient.id, code: error.code, message: error.message } },
        actor: recipientActor(attempt.recipient),
        origin,
        occurredAt: deps.clock(),
      }),
    );
  } catch (auditError) {
    // The signer's answer is the TSA failure; a failing audit write is logged, never put in its place.
    deps.logger.error({ err: auditError, envelopeId: attempt.envelopeId }, 'could not record signing.failed');
  }
}

async function signInTransaction(
  deps: WorkflowDeps,
  name: string,
  load: AccessLoader,
  input: SignInput,
  started: (attempt: { organisationId: string; envelopeId: string; recipient: RecipientAccess['recipient'] }) => void,
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
    if (envelope.requireCode && !input.verifiedCode) throw codeError('code_required');
    const actor = recipientActor(recipient);
    const record = (event: AuditEvent, documentSha256?: string) =>
      appendAuditEvent(trx, { organisationId: envelope.organisationId, envelopeId: envelope.id, event, actor, origin: input.origin, documentSha256, occurredAt: now });
    if (input.verifiedCode) {
      const { codeId, codeRecipientId, failedAttempts } = input.verifiedCode;
      await record({ action: 'code.verified', details: { recipientId: recipient.id, codeId, codeRecipientId, failedAttempts } });
    }

    const organisation = await organisationById(trx, envelope.organisationId);
    if (!organisation) throw new Error(`organisation ${envelope.organisationId} of envelope ${envelope.id} is gone`);
    // The envelope's own organisation's CA issues the certificate (DESIGN §5): never another organisation's.
    const issuer = await deps.pki.forOrganisation({ id: organisation.id, slug: organisation.slug, name: organisation.name });
    const documents = await documentsOf(trx, envelope.organisationId, envelope.id, { forUpdate: true });
    const revisions = await currentRevisions(trx, documents.map((d) => d.id));
    const fields = await fieldsOf(trx, [recipient.id]);
    for (const document of documents) {
      const revision = revisions.get(document.id);
      const field = fields.find((f) => f.documentId === document.id && f.fieldName);
      if (!revision || !field?.fieldName) throw new Error(`document ${document.id} has no prepared field for recipient ${recipient.id}`);
      // One key pair per signature, used once and dropped (DESIGN §5).
      const key = await issuer.issueOneShot({ name: recipient.name, email: recipient.email, title: recipient.function ?? undefined });
      const signed = await signPdf(await deps.blobs.get(revision.blobSha256), {
        key,
        // PAdES B-T: a signature timestamp proves when it was signed (ETSI EN 319 142-1 §5.4); no TSA, no signature.
        timeStamper: deps.timeStamper,
        signer: { name: recipient.name, function: recipient.function ?? undefined },
        fieldName: field.fieldName,
        reason: input.reason,
        location: input.location,
        signingTime: now,
        language: recipient.language,
      });
      const blob = await deps.blobs.put(signed);
      await insertRevision(trx, { id: randomUUID(), documentId: document.id, seq: revision.seq + 1, blobSha256: blob.sha256, size: blob.size, kind: 'signature', now: now.toISOString() });
      const leaf = new X509Certificate(key.certificates[0]);
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
            certificate: {
              fingerprintSha256: createHash('sha256').update(key.certificates[0]).digest('hex'),
              serialNumber: leaf.serialNumber,
              subject: leaf.subject.replace(/\n/g, ', '),
              notBefore: new Date(leaf.validFrom).toISOString(),
              issuerSha256: createHash('sha256').update(key.certificates[1]).digest('hex'),
            },
          },
        },
        blob.sha256,
      );
      // PAdES B-LT: every certificate and its revocation data, for all signatures so far, in a DSS revision.
      await appendValidationRevision(trx, deps, { documentId: document.id, seq: revision.seq + 1, pdf: signed }, record);
    }
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
