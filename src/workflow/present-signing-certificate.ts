/**
 * First half of a signature with the signer's own key (issue 13, DESIGN §5 deferred signing): the signer
 * presents their signing certificate (Web eID `get-signing-certificate`, or a remote service's credential),
 * it is checked (signing-certificate.ts), every document is prepared for it (its incremental update with
 * an empty /Contents, and the hash of the signed attributes the key must sign), and a session keeps that
 * state for ten minutes. `signing.certificate_presented` and `signing.prepared` are recorded with it in one
 * transaction; a refused certificate is recorded as `signing.failed` (method and code).
 *
 * A qualified signature also satisfies an advanced step: a signer asked for an advanced signature may use
 * their eID as well.
 */
import { createHash, randomUUID, type X509Certificate } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditEvent, RequestOrigin } from '../audit/events.ts';
import { AppError, ConflictError } from '../errors.ts';
import type { HashAlgorithm, SignatureScheme } from '../keys/types.ts';
import { externalSignerFromCertificates, prepareDeferredSignature, serializePreparedSignature, type ExternalSigner } from '../pades/index.ts';
import { currentRevisions, documentsOf } from '../store/document-repository.ts';
import {
  insertQualifiedSigningSession,
  updateQualifiedSigningSession,
  type QualifiedSigningMethod,
  type SessionDocument,
} from '../store/qualified-signing-sessions.ts';
import { fieldsOf } from '../store/recipient-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { checkSigningCertificate, parseCertificates, presentedCertificateDetails, signerNameOf, type CheckedCertificate } from './signing-certificate.ts';
import { accessByToken, assertActive, assertLinkUsable, recipientActor, type LinkAccess, type RecipientAccess } from './signing-link-access.ts';
import { verifySigningCode, type VerifiedCode } from './verify-signing-code.ts';
import { inTransaction } from './transaction.ts';
import { assertDocumentsRead } from './record-document-read.ts';

/** How long the prepared state waits for the signature values: a PIN entry, or a round trip to a remote service. */
export const QUALIFIED_SESSION_MINUTES = 10;

export interface PresentSigningCertificateOptions extends LinkRequest {
  /** The signing certificate (DER), or the chain leaf first: Web eID gives the leaf only. */
  certificate: Buffer | readonly Buffer[];
  method: QualifiedSigningMethod;
  providerId?: string;
  /** The mailed code, when the envelope requires one (issue 4). */
  code?: unknown;
  /** What the signer's device can sign with (Web eID `supportedSignatureAlgorithms`); absent: the key's usual choice. */
  signatureAlgorithms?: readonly SignatureAlgorithm[];
}

export interface SignatureAlgorithm {
  scheme: SignatureScheme;
  hash: HashAlgorithm;
}

export interface PresentedCertificate {
  sessionId: string;
  /** From the certificate ("Jan Peeters"): shown before signing, and in the signature appearance. */
  signerName: string;
  /** What the key signs with: Web eID `hashFunction` SHA-256/384/512. */
  hashAlgorithm: HashAlgorithm;
  /** In the envelope's document order: the digest the signer's key signs for each (hash of the signed attributes). */
  documents: Array<{ documentId: string; name: string; digest: Buffer }>;
}

export async function presentSigningCertificate(deps: WorkflowDeps, options: PresentSigningCertificateOptions): Promise<PresentedCertificate> {
  const presented = parseCertificates(options.certificate);
  const access = await inTransaction(deps, 'presentSigningCertificate.read', (trx) => accessByToken(trx, options.token));
  assertMayPresent(access, deps.clock());
  // Reading before signing (issue 12): refused before anything is prepared or a code spent.
  await assertDocumentsRead(deps.db, access);
  const checked = await checkOrRecord(deps, access, presented, options);
  const verifiedCode = access.envelope.requireCode ? await verifySigningCode(deps, { recipientId: access.recipient.id, code: options.code }) : undefined;
  return prepareQualifiedSession(deps, {
    load: (trx) => accessByToken(trx, options.token),
    checked,
    signatureAlgorithms: options.signatureAlgorithms,
    method: options.method,
    providerId: options.providerId ?? null,
    verifiedCode,
    origin: options.origin,
  });
}

/** The link works, the envelope is open, it is this signer's turn and they have not signed yet. */
export function assertMayPresent(access: LinkAccess, now: Date): void {
  if (access.recipient.role === 'signer' && access.recipient.status === 'signed') throw new ConflictError('already_signed', 'You have already signed this envelope.');
  assertLinkUsable(access, now);
  assertActive(access, 'signer');
}

/** checkSigningCertificate at the recipient's level; a refusal is recorded as `signing.failed` before it goes on. */
export async function checkOrRecord(
  deps: WorkflowDeps,
  access: RecipientAccess,
  presented: readonly X509Certificate[],
  options: { method: QualifiedSigningMethod; origin?: RequestOrigin },
): Promise<CheckedCertificate> {
  try {
    return await checkSigningCertificate(deps, presented, access.recipient.signatureLevel, deps.clock());
  } catch (error) {
    if (error instanceof AppError) await recordFailure(deps, access, error, options.method, options.origin);
    throw error;
  }
}

/** `signing.failed` in a transaction of its own (the attempt stored nothing); a failing write is logged, not thrown. */
export async function recordFailure(deps: WorkflowDeps, access: RecipientAccess, error: AppError, method: QualifiedSigningMethod, origin: RequestOrigin | undefined): Promise<void> {
  try {
    await inTransaction(deps, 'qualifiedSigning.failed', (trx) =>
      appendAuditEvent(trx, {
        organisationId: access.envelope.organisationId,
        envelopeId: access.envelope.id,
        event: { action: 'signing.failed', details: { recipientId: access.recipient.id, code: error.code, message: error.message, method } },
        actor: recipientActor(access.recipient),
        origin,
        occurredAt: deps.clock(),
      }),
    );
  } catch (auditError) {
    deps.logger.error({ err: auditError, envelopeId: access.envelope.id }, 'could not record signing.failed');
  }
}

export interface PrepareSessionOptions {
  /** Loads (and locks) the recipient again inside the transaction that stores the session. */
  load: (trx: Knex.Transaction) => Promise<LinkAccess>;
  checked: CheckedCertificate;
  /** The device's algorithms (Web eID); absent: the key's usual choice. */
  signatureAlgorithms?: readonly SignatureAlgorithm[];
  method: QualifiedSigningMethod;
  providerId: string | null;
  /** A remote-signing session that waited for its certificate (csc); a new session otherwise. */
  sessionId?: string;
  /** The hash of the OAuth state the session is found by next (csc: the credential authorisation's). */
  stateHash?: string;
  verifiedCode?: VerifiedCode;
  origin?: RequestOrigin;
}

/**
 * Prepares every document for the checked certificate outside any lock (PDF and hashing work), then in one
 * transaction checks nothing moved meanwhile (409 `document_changed`: present again), stores the session
 * and records its events.
 */
export async function prepareQualifiedSession(deps: WorkflowDeps, options: PrepareSessionOptions): Promise<PresentedCertificate> {
  const now = deps.clock();
  const { checked } = options;
  const externalSigner = signerFor(checked.chain, options.signatureAlgorithms);
  const signerName = signerNameOf(checked.leaf);
  const access = await inTransaction(deps, 'prepareQualifiedSession.read', (trx) => options.load(trx));
  const { envelope, recipient } = access;
  const documents = await documentsOf(deps.db, envelope.organisationId, envelope.id);
  const revisions = await currentRevisions(deps.db, documents.map((d) => d.id));
  const fields = await fieldsOf(deps.db, [recipient.id]);
  const prepared: Array<SessionDocument & { name: string; digest: Buffer }> = [];
  for (const document of documents) {
    const revision = revisions.get(document.id);
    const field = fields.find((f) => f.documentId === document.id && f.fieldName);
    if (!revision || !field?.fieldName) throw new Error(`document ${document.id} has no prepared field for recipient ${recipient.id}`);
    const result = await prepareDeferredSignature(await deps.blobs.get(revision.blobSha256), {
      externalSigner,
      // A delegate's "Bij opdracht van …" heads the block (issue 12); the title in their own certificate is theirs.
      signer: { name: signerName, function: recipient.function ?? undefined, actingStatement: recipient.actingStatement ?? undefined, qualified: checked.qualification.kind === 'qualified' },
      fieldName: field.fieldName,
      signingTime: now,
      language: recipient.language,
    });
    prepared.push({
      documentId: document.id,
      name: document.name,
      fieldName: field.fieldName,
      baseSeq: revision.seq,
      baseSha256: revision.blobSha256,
      prepared: serializePreparedSignature(result),
      digest: result.dataToBeSignedDigest,
    });
  }

  const sessionId = options.sessionId ?? randomUUID();
  await inTransaction(deps, 'prepareQualifiedSession', async (trx) => {
    const current = await options.load(trx);
    assertMayPresent(current, deps.clock());
    const latest = await currentRevisions(trx, prepared.map((d) => d.documentId));
    if (prepared.some((d) => latest.get(d.documentId)?.seq !== d.baseSeq)) {
      throw new ConflictError('document_changed', 'A document changed while it was being prepared; present your certificate again.');
    }
    const sessionDocuments = prepared.map(({ documentId, fieldName, baseSeq, baseSha256, prepared: state }) => ({ documentId, fieldName, baseSeq, baseSha256, prepared: state }));
    const stored = {
      status: 'prepared' as const,
      certificateChain: checked.chain,
      certificateSubject: checked.leaf.subject.replace(/\n/g, ', '),
      documents: sessionDocuments,
      expiresAt: new Date(now.getTime() + QUALIFIED_SESSION_MINUTES * 60_000).toISOString(),
    };
    if (options.sessionId) await updateQualifiedSigningSession(trx, envelope.organisationId, sessionId, { ...stored, stateHash: options.stateHash });
    else {
      await insertQualifiedSigningSession(trx, {
        id: sessionId,
        organisationId: envelope.organisationId,
        envelopeId: envelope.id,
        recipientId: recipient.id,
        method: options.method,
        providerId: options.providerId,
        stateHash: null,
        createdAt: now.toISOString(),
        ...stored,
      });
    }
    const record = (event: AuditEvent) =>
      appendAuditEvent(trx, { organisationId: envelope.organisationId, envelopeId: envelope.id, event, actor: recipientActor(recipient), origin: options.origin, occurredAt: now });
    if (options.verifiedCode) {
      const { codeId, codeRecipientId, failedAttempts } = options.verifiedCode;
      await record({ action: 'code.verified', details: { recipientId: recipient.id, codeId, codeRecipientId, failedAttempts } });
    }
    const base = { recipientId: recipient.id, sessionId, method: options.method };
    await record({
      action: 'signing.certificate_presented',
      details: { ...base, ...(options.providerId ? { providerId: options.providerId } : {}), certificate: presentedCertificateDetails(checked.leaf, checked.qualification) },
    });
    await record({
      action: 'signing.prepared',
      details: {
        ...base,
        hashAlgorithm: externalSigner.hash,
        documents: prepared.map((d) => ({ documentId: d.documentId, revisionSeq: d.baseSeq, revisionSha256: d.baseSha256, dataToBeSigned: d.digest.toString('hex') })),
      },
    });
  });
  return { sessionId, signerName, hashAlgorithm: externalSigner.hash, documents: prepared.map((d) => ({ documentId: d.documentId, name: d.name, digest: d.digest })) };
}

/**
 * The key's usual scheme and hash (P-384: ECDSA with SHA-384; RSA: PKCS#1 v1.5 with SHA-256) when the device can
 * sign with it, else the first the device lists that fits the key; 422 `certificate_unsuitable` when none does.
 */
function signerFor(chain: readonly Buffer[], supported: readonly SignatureAlgorithm[] | undefined): ExternalSigner {
  const usual = externalSignerFromCertificates(chain);
  if (!supported || supported.some((a) => a.scheme === usual.scheme && a.hash === usual.hash)) return usual;
  const rsa = usual.scheme !== 'ecdsa';
  for (const algorithm of supported) {
    if ((algorithm.scheme === 'ecdsa') === rsa) continue;
    try {
      return externalSignerFromCertificates(chain, algorithm);
    } catch (error) {
      if (!(error instanceof AppError)) throw error; // e.g. PSS asked of a key that is PKCS#1 only: try the next
    }
  }
  throw new AppError('certificate_unsuitable', 422, 'Your card cannot sign with an algorithm this service supports.', {
    detail: `supported: ${supported.map((a) => `${a.scheme}/${a.hash}`).join(', ') || 'none'}`,
  });
}

/** SHA-256 hex, as the session stores an OAuth state. */
export function stateHashOf(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}
