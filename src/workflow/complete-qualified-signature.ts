/**
 * Second half of a signature with the signer's own key (issue 13): the signature values come back (from
 * the card through Web eID, or from a remote service's signHash), one per document in the session's order.
 * Each document must still be the revision the session prepared, when signed and again under the lock (else 409
 * `document_changed`, and the session is spent), the value must verify with the certificate (422
 * `signature_value_invalid`), and the CMS gets its signature timestamp; from there on the signature does
 * exactly what a one-shot signature does (apply-signature.ts).
 */
import { X509Certificate } from 'node:crypto';
import { AppError, ConflictError, TimestampError } from '../errors.ts';
import { completeDeferredSignature, deserializePreparedSignature } from '../pades/index.ts';
import { classifyCertificate } from '../pades/qualification.ts';
import {
  qualifiedSigningSessionById,
  updateQualifiedSigningSession,
  type QualifiedSigningSession,
} from '../store/qualified-signing-sessions.ts';
import { applySignatureWithEnvelope, type LinkActionResult, type SigningMethod } from './apply-signature.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { qualificationSummary } from './signing-certificate.ts';
import type { RecipientAccess } from './signing-link-access.ts';
import { linkLoader } from './sign-envelope.ts';

export interface CompleteQualifiedSignatureOptions extends LinkRequest {
  sessionId: string;
  /** One signature value per document, in the order presentSigningCertificate listed them. */
  signatures: readonly Buffer[];
}

/** Failures after which the session cannot be used again: the signer starts over. */
const SPENDING_FAILURES = new Set(['document_changed', 'signature_value_invalid']);

export async function completeQualifiedSignature(deps: WorkflowDeps, options: CompleteQualifiedSignatureOptions): Promise<LinkActionResult> {
  return applySignatureWithEnvelope(
    deps,
    'completeQualifiedSignature',
    linkLoader(options),
    // The code, when the envelope asks for one, was checked when the certificate was presented: the session proves it.
    { origin: options.origin, secondFactorChecked: true },
    await qualifiedSigning(deps, options),
  );
}

export function sessionNotFound(): AppError {
  return new AppError('session_not_found', 404, 'There is no such signing session for this link.');
}

/** The session's method, found and checked before signing; marked used in the write transaction. */
async function qualifiedSigning(deps: WorkflowDeps, options: CompleteQualifiedSignatureOptions): Promise<SigningMethod> {
  let session: QualifiedSigningSession | null = null;
  const method: SigningMethod = {
    // Refined once the session is read; Web eID unless it says otherwise.
    name: 'web-eid',
    recordsFailure: (error): error is AppError => error instanceof TimestampError || (error instanceof AppError && SPENDING_FAILURES.has(error.code)),
    async failed(trx, error) {
      if (session && SPENDING_FAILURES.has(error.code)) await updateQualifiedSigningSession(trx, session.organisationId, session.id, { status: 'failed', failureCode: error.code });
    },
    async begin(db, access, now) {
      session = await usableSession(db, access, options, now);
      method.name = session.method;
      const current = session;
      const chain = current.certificateChain.map((der) => new X509Certificate(der));
      return {
        qualification: qualificationSummary(classifyCertificate(chain, now, deps.trustList)),
        async sign(document) {
          const index = current.documents.findIndex((d) => d.documentId === document.documentId);
          const entry = current.documents[index];
          if (!entry || entry.fieldName !== document.fieldName) throw new ConflictError('document_changed', 'The documents changed after they were prepared; sign again.');
          if (document.revision.seq !== entry.baseSeq || document.revision.blobSha256 !== entry.baseSha256) {
            throw new ConflictError('document_changed', 'A document changed after it was prepared for your signature; sign again.');
          }
          const pdf = await completeDeferredSignature(document.pdf, deserializePreparedSignature(entry.prepared), options.signatures[index]!, {
            // PAdES B-T as for every signature (ETSI EN 319 142-1 §5.4): no TSA, no signature.
            timeStamper: deps.timeStamper,
          });
          return { pdf, certificates: current.certificateChain };
        },
        async finish(finishTrx, at) {
          await updateQualifiedSigningSession(finishTrx, current.organisationId, current.id, { status: 'completed', completedAt: at.toISOString() });
        },
      };
    },
  };
  return method;
}

/** This recipient's prepared session, not expired, with one value per document (404, 410, 409, 400 otherwise). */
async function usableSession(
  db: Parameters<SigningMethod['begin']>[0],
  access: RecipientAccess,
  options: CompleteQualifiedSignatureOptions,
  now: Date,
): Promise<QualifiedSigningSession> {
  if (typeof options.sessionId !== 'string' || !/^[0-9a-f-]{36}$/i.test(options.sessionId)) throw sessionNotFound();
  const session = await qualifiedSigningSessionById(db, access.envelope.organisationId, options.sessionId);
  if (!session || session.recipientId !== access.recipient.id || session.envelopeId !== access.envelope.id) throw sessionNotFound();
  if (session.status === 'failed' || session.status === 'completed') throw new ConflictError('session_used', 'This signing session was already used; start the signature again.');
  if (session.status !== 'prepared') throw new ConflictError('session_not_prepared', 'No certificate was presented in this signing session yet.');
  if (new Date(session.expiresAt).getTime() <= now.getTime()) throw new AppError('session_expired', 410, 'This signing session has expired; start the signature again.');
  if (options.signatures.length !== session.documents.length) {
    throw new AppError('signatures_mismatch', 400, `Expected ${session.documents.length} signature value(s), one per document, not ${options.signatures.length}.`);
  }
  return session;
}
