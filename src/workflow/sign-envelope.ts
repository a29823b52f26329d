/**
 * A signer signs through their link (DESIGN §5, §8). For each document, with its row locked
 * (PostgreSQL `FOR UPDATE`; SQLite's write lock): take the current revision, issue a one-shot
 * certificate, sign the recipient's prepared field as an incremental update, store the blob and
 * append revision 'signature'. unique(document_id, seq) catches a writer that appended meanwhile,
 * and the use case runs again on the new revision. Signing twice answers the current state.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../audit/chain.ts';
import { signPdf } from '../pades/index.ts';
import { currentRevisions, documentsOf, insertRevision } from '../store/document-repository.ts';
import { fieldsOf, updateRecipient } from '../store/recipient-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, queueWebhooks } from './notifications.ts';
import { advanceRouting } from './routing-effects.ts';
import { accessByToken, assertActive, assertLinkUsable, recipientActor, withRecipient } from './signing-link-access.ts';
import { inTransaction } from './transaction.ts';

export interface SignEnvelopeOptions extends LinkRequest {
  /** Shown in the signature dictionary (/Reason, /Location). */
  reason?: string;
  location?: string;
}

/** What every link use case answers: the envelope, the recipient, and whether this call changed anything. */
export interface LinkActionResult {
  envelope: EnvelopeDto;
  recipientId: string;
  /** True when the recipient had already done this (an idempotent repeat). */
  alreadyDone: boolean;
}

export async function signEnvelope(deps: WorkflowDeps, options: SignEnvelopeOptions): Promise<LinkActionResult> {
  const outcome = await inTransaction(deps, 'signEnvelope', async (trx) => {
    const access = await accessByToken(trx, options.token);
    const { envelope, recipient } = access;
    const done = { organisationId: envelope.organisationId, envelopeId: envelope.id, recipientId: recipient.id };
    if (recipient.role === 'signer' && recipient.status === 'signed') return { ...done, alreadyDone: true };
    const now = deps.clock();
    assertLinkUsable(access, now);
    assertActive(access, 'signer');
    const actor = recipientActor(recipient);

    const documents = await documentsOf(trx, envelope.organisationId, envelope.id, { forUpdate: true });
    const revisions = await currentRevisions(trx, documents.map((d) => d.id));
    const fields = await fieldsOf(trx, [recipient.id]);
    for (const document of documents) {
      const revision = revisions.get(document.id);
      const field = fields.find((f) => f.documentId === document.id && f.fieldName);
      if (!revision || !field?.fieldName) throw new Error(`document ${document.id} has no prepared field for recipient ${recipient.id}`);
      // One key pair per signature, used once and dropped (DESIGN §5).
      const key = await deps.issuer.issueOneShot({ name: recipient.name, email: recipient.email, title: recipient.function ?? undefined });
      const signed = await signPdf(await deps.blobs.get(revision.blobSha256), {
        key,
        signer: { name: recipient.name, function: recipient.function ?? undefined },
        fieldName: field.fieldName,
        reason: options.reason,
        location: options.location,
        signingTime: now,
        language: recipient.language,
      });
      const blob = await deps.blobs.put(signed);
      await insertRevision(trx, { id: randomUUID(), documentId: document.id, seq: revision.seq + 1, blobSha256: blob.sha256, size: blob.size, kind: 'signature', now: now.toISOString() });
      const leaf = new X509Certificate(key.certificates[0]);
      await appendAuditEvent(trx, {
        organisationId: envelope.organisationId,
        envelopeId: envelope.id,
        event: {
          action: 'recipient.signed',
          details: {
            recipientId: recipient.id,
            documentId: document.id,
            fieldName: field.fieldName,
            signedRevisionSha256: revision.blobSha256,
            revisionSeq: revision.seq + 1,
            revisionSha256: blob.sha256,
            certificate: { fingerprintSha256: createHash('sha256').update(key.certificates[0]).digest('hex'), serialNumber: leaf.serialNumber, subject: leaf.subject.replace(/\n/g, ', ') },
          },
        },
        actor,
        origin: options.origin,
        documentSha256: blob.sha256,
        occurredAt: now,
      });
    }

    const at = now.toISOString();
    const signedRecipient = { ...recipient, status: 'signed' as const, completedAt: at, openedAt: recipient.openedAt ?? at };
    await updateRecipient(trx, envelope.organisationId, recipient.id, { status: 'signed', completedAt: at, openedAt: signedRecipient.openedAt });
    const ctx = await effectContext(trx, deps, envelope, { actor, origin: options.origin, now });
    await queueWebhooks(ctx, 'recipient.signed', signedRecipient);
    await advanceRouting(ctx, withRecipient(access.recipients, signedRecipient));
    return { ...done, alreadyDone: false };
  });
  return { envelope: await loadEnvelopeDto(deps.db, outcome.organisationId, outcome.envelopeId), recipientId: outcome.recipientId, alreadyDone: outcome.alreadyDone };
}
