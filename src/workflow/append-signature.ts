/**
 * The write phase of a signature (apply-signature.ts, DESIGN §8): one transaction that takes the lock
 * (PostgreSQL `FOR UPDATE` of the envelope and its documents, sent with BEGIN; SQLite `BEGIN IMMEDIATE`), reads
 * the envelope, its revisions, recipients and chain head as they are under it (one statement; on PostgreSQL sent
 * with BEGIN and the lock, in one round trip), checks every document is still the revision that was signed (else
 * DocumentMoved: the caller signs again) and that the recipient may still sign (a cancel, decline or co-signer may
 * have come first), then runs the webhooks and the routing's effects (the next signer's link and mail, or the
 * completion, which comes after the revisions and the recipient's status: it reads them), and appends every audit
 * event, the signature's and then its effects', in one insert; on PostgreSQL the rows not yet written, the signature's
 * and the effects' (the next signer's link and recipient row, the mails: EffectContext.writes and .outbox), go with it
 * (writeTogether). A writer that appended without our lock fails unique(…, seq) instead.
 */
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { Knex } from 'knex';
import type { CertificateCache } from '../keys/certificate-cache.ts';
import { computeRouting } from '../domain/routing.ts';
import { chainAuditEvents, documentStateHash, type AppendAuditEventOptions } from '../audit/chain.ts';
import { auditEventsInsert } from '../store/audit-event-repository.ts';
import type { AuditEvent } from '../audit/events.ts';
import { revisionsInsert, type NewRevision } from '../store/document-repository.ts';
import { outboxInsert, type NewOutboxRow } from '../store/knex-outbox-store.ts';
import { recipientUpdate } from '../store/recipient-repository.ts';
import { hasOneConnection, writeTogether } from '../store/sql.ts';
import { lockedForSigning, lockedForSigningSql, signingLocks } from '../store/sign-request-reads.ts';
import { withTransaction } from '../store/transaction.ts';
import type { WorkflowDeps } from './deps.ts';
import { queueWebhooks, type EffectContext } from './notifications.ts';
import { LONG_TERM_ACTOR, longTermRevisionRows } from './long-term.ts';
import { advanceRouting } from './routing-effects.ts';
import { assertActive, linkNotFound, recipientActor, withRecipient, type RecipientAccess } from './signing-link-access.ts';
import type { SignatureOutcome, SignatureSource, SignedDocuments, SigningAccess, SigningMethodName, SignInput } from './apply-signature.ts';

/** A document is no longer at the revision that was signed: sign again from fresh reads. */
export class DocumentMoved extends Error {
  constructor(documentId: string) {
    super(`document ${documentId} changed while it was signed`);
  }
}

export interface AppendSignatureOptions {
  access: SigningAccess;
  assertUsable: (access: RecipientAccess, now: Date) => void;
  signed: SignedDocuments;
  /** The envelope's document hash before this signature (for the events recorded before it, as before). */
  initialDocumentHash: string | null;
  source: SignatureSource;
  method: SigningMethodName;
  input: SignInput;
  now: Date;
}

export async function appendSignature(deps: WorkflowDeps, options: AppendSignatureOptions): Promise<SignatureOutcome> {
  const { access, now, input } = options;
  const { organisation } = access;
  const target = { organisationId: access.envelope.organisationId, envelopeId: access.envelope.id };
  // The B-LT revisions are built (CPU, about a millisecond a document) while the transaction begins. On PostgreSQL
  // once BEGIN, the row locks and the read under them are on their way (setImmediate), so that round trip goes on
  // meanwhile. On SQLite the build starts first, but BEGIN IMMEDIATE goes to the thread pool at its first await, so
  // the one connection is held through the rest of it. Measured both ways (issue 11, stop 21): awaiting the build
  // before BEGIN made the lone sign request slower (11.3 and 13.8 ms against 10.5 and 10.8) and did not raise the
  // throughput of 8 clients (21.5 and 21.7 signatures/s against 21.3 and 22.3): the process's other statements wait
  // for the build either way, on its one thread.
  // Their blobs must be durable before the commit that points at them (DESIGN §8): the lock is taken, its checks run
  // and the rows are written while the last puts' fsyncs finish, and only the commit waits for them. On SQLite that
  // keeps its one writer ~1 ms longer per signature, next to the ~2 ms it saves every sign request (issue 11).
  if (hasOneConnection(deps.db)) void options.signed.complete();
  else setImmediate(() => void options.signed.complete());
  return withTransaction(deps.db, async (trx, lockedRows) => {
    const locked = await lockedForSigning(trx, target.organisationId, target.envelopeId, lockedRows);
    if (!locked) throw linkNotFound();
    if (locked.revisions.size !== options.signed.documents.length) throw new DocumentMoved(target.envelopeId);
    for (const document of options.signed.documents) {
      const current = locked.revisions.get(document.documentId);
      if (current?.seq !== document.seq || current.blobSha256 !== document.blobSha256) throw new DocumentMoved(document.documentId);
    }
    const { recipients, head } = locked;
    const recipient = recipients.find((r) => r.id === access.recipient.id);
    if (!recipient) throw linkNotFound();
    const done = { ...target, recipientId: recipient.id, alreadyDone: true, completed: false };
    // The same signature by a second request that was quicker: its blobs are unreferenced, harmless.
    if (recipient.role === 'signer' && recipient.status === 'signed') return done;
    const fresh: SigningAccess = { ...access, envelope: locked.envelope, recipients, recipient };
    options.assertUsable(fresh, now);
    assertActive(fresh, 'signer');

    const { documents, stored, archiveTried } = await options.signed.complete();
    const actor = recipientActor(recipient);
    const events: AppendAuditEventOptions[] = [];
    const record = (event: AuditEvent, documentSha256?: string | null) => events.push({ ...target, event, actor, origin: input.origin, documentSha256, occurredAt: now });
    if (input.verifiedCode) {
      const { codeId, codeRecipientId, failedAttempts } = input.verifiedCode;
      record({ action: 'code.verified', details: { recipientId: recipient.id, codeId, codeRecipientId, failedAttempts } }, options.initialDocumentHash);
    }
    const at = now.toISOString();
    const revisions: NewRevision[] = [];
    for (const { document, signature, validation } of documents) {
      revisions.push({ id: randomUUID(), documentId: document.documentId, seq: document.seq + 1, blobSha256: signature.blob.sha256, size: signature.blob.size, kind: 'signature' as const, now: at });
      record(
        {
          action: 'recipient.signed',
          details: {
            recipientId: recipient.id,
            documentId: document.documentId,
            fieldName: document.fieldName,
            signedRevisionSha256: document.blobSha256,
            revisionSeq: document.seq + 1,
            revisionSha256: signature.blob.sha256,
            certificate: certificateDetails(signature.certificates, deps.validationDataCache?.certificates),
            ...(options.method === 'one-shot' ? {} : { method: options.method }),
            ...(options.source.qualification ? { qualification: options.source.qualification } : {}),
          },
        },
        signature.blob.sha256,
      );
      if (!validation) continue;
      revisions.push({ id: randomUUID(), documentId: document.documentId, seq: validation.state.seq, blobSha256: validation.blob.sha256, size: validation.blob.size, kind: 'ltv' as const, now: at });
      record(validation.event, validation.blob.sha256);
    }
    if (input.batch) record({ action: 'batch.signed', details: { recipientId: recipient.id, ...input.batch } });
    const final = documents.map(({ document, signature, validation }) => ({
      documentId: document.documentId,
      position: document.position,
      sha256: validation?.blob.sha256 ?? signature.blob.sha256,
      revisionSeq: validation?.state.seq ?? document.seq + 1,
    }));
    const chain = { head, documentSha256: documentStateHash(final) };
    const signedRecipient = { ...recipient, status: 'signed' as const, completedAt: at, openedAt: recipient.openedAt ?? at };
    const after = withRecipient(recipients, signedRecipient);
    // A completing signature's archive timestamps (B-LTA, built with it) go with its revisions: the completion's effects
    // then see each document as it ends up (the result's attachments). Kept only when every document has them.
    const completes = computeRouting(after).outcome === 'complete';
    const archive = completes && documents.every((d) => d.archive !== null) ? documents.flatMap((d) => d.archive ?? []) : [];
    revisions.push(...longTermRevisionRows(archive, at));
    const signatureRows = () => [
      revisionsInsert(trx, revisions),
      recipientUpdate(trx, target.organisationId, recipient.id, { status: 'signed', completedAt: at, openedAt: signedRecipient.openedAt }),
    ];
    // A completion reads the signed revisions back (the result's attachments, a meeting's results): its effects come
    // after the signature's rows. Otherwise the effects (the next signer's link and mail, the webhooks) read none of
    // them, and the rows go with every audit event in one write at the end.
    if (completes) await writeTogether(trx, signatureRows());
    await options.source.finish?.(trx, now);

    const writes: Knex.QueryBuilder[] = [];
    const outbox: NewOutboxRow[] = [];
    const ctx: EffectContext = {
      trx,
      deps,
      envelope: locked.envelope,
      organisationName: organisation.name,
      organisationSettings: organisation.settings,
      now,
      actor,
      origin: input.origin,
      // The effects' events follow the signature's in the chain, in the same insert.
      audit: (event) => events.push(event),
      hasWebhooks: access.hasWebhooks,
      documents: final.map(({ documentId, sha256, revisionSeq }) => ({ documentId, sha256, revisionSeq })),
      linkHolders: locked.linkHolders,
      // The effects' writes and deliveries go with the signature's at the end (none of them is read back).
      writes,
      outbox,
    };
    await queueWebhooks(ctx, 'recipient.signed', signedRecipient);
    await advanceRouting(ctx, after);
    // The archive timestamps' events after `envelope.completed`, which names the B-LT revisions, as the scheduled job's
    // would come.
    for (const revision of archive) events.push({ ...target, event: revision.event, actor: LONG_TERM_ACTOR, documentSha256: revision.blob.sha256, occurredAt: now });
    // One round trip on PostgreSQL (writeTogether); on SQLite one statement for all the events.
    await writeTogether(trx, [...(completes ? [] : signatureRows()), ...writes, outboxInsert(trx, outbox), auditEventsInsert(trx, chainAuditEvents(events, chain))]);
    await stored;
    const completed = ctx.envelope.status === 'completed';
    return { ...done, alreadyDone: false, completed, ...(completed && archiveTried ? { archive: archive.length > 0 ? ('made' as const) : ('failed' as const) } : {}) };
  }, { lockFirst: signingLocks(target.organisationId, target.envelopeId), readFirst: lockedForSigningSql(deps.db, target.organisationId, target.envelopeId) });
}

/** The signer's certificate as `recipient.signed` records it: fingerprint, serial, subject, start and issuer (parsed once with the B-LT step's cache). */
function certificateDetails(certificates: readonly Buffer[], cache: CertificateCache | undefined) {
  const leaf = cache ? cache.parse(certificates[0]) : new X509Certificate(certificates[0]);
  return {
    fingerprintSha256: createHash('sha256').update(certificates[0]).digest('hex'),
    serialNumber: leaf.serialNumber,
    subject: leaf.subject.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom).toISOString(),
    ...(certificates[1] ? { issuerSha256: createHash('sha256').update(certificates[1]).digest('hex') } : {}),
  };
}
