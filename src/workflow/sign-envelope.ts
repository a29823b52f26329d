/**
 * A signer signs through their link with a one-shot certificate (DESIGN §5): for each document the
 * organisation's CA issues a certificate for this person with a fresh key, used once and dropped, and
 * the recipient's prepared field is signed as an incremental update. What the signature then does to
 * the envelope (revisions, events, routing) is apply-signature.ts, shared with qualified signing.
 * A recipient who must sign with a qualified certificate (issue 13) is refused here: 409
 * `qualified_signature_required`.
 */
import { TimestampError, ConflictError } from '../errors.ts';
import { signPdf } from '../pades/index.ts';
import { organisationById } from '../store/organisations.ts';
import type { Recipient } from '../store/recipient-repository.ts';
import { applySignature, type LinkActionResult, type SignInput, type SigningMethod } from './apply-signature.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { accessByRecipient, accessByToken, assertActive, assertEnvelopeOpen, assertLinkUsable } from './signing-link-access.ts';
import { verifySigningCode, type VerifiedCode } from './verify-signing-code.ts';
import { inTransaction } from './transaction.ts';

export type { LinkActionResult } from './apply-signature.ts';

export interface SignEnvelopeOptions extends LinkRequest {
  /** Shown in the signature dictionary (/Reason, /Location). */
  reason?: string;
  location?: string;
  /** The mailed code, when the envelope requires one (issue 4). */
  code?: unknown;
}

export async function signEnvelope(deps: WorkflowDeps, options: SignEnvelopeOptions): Promise<LinkActionResult> {
  const verifiedCode = await secondFactorForLink(deps, options.token, options.code);
  return applySignature(
    deps,
    'signEnvelope',
    async (trx) => {
      const access = await accessByToken(trx, options.token);
      return { access, assertUsable: (now) => assertLinkUsable(access, now) };
    },
    { ...options, verifiedCode },
    oneShotSigning(deps, options),
  );
}

export interface SignAsRecipientOptions extends Omit<SignInput, 'reason' | 'location'> {
  organisationId: string;
  envelopeId: string;
  recipientId: string;
}

/** The same signing for a recipient identified otherwise than by their own link (batch signing). */
export async function signAsRecipient(deps: WorkflowDeps, options: SignAsRecipientOptions): Promise<LinkActionResult> {
  return applySignature(
    deps,
    'signAsRecipient',
    async (trx) => {
      const access = await accessByRecipient(trx, options.organisationId, options.envelopeId, options.recipientId);
      return { access, assertUsable: (now) => assertEnvelopeOpen(access, now) };
    },
    options,
    oneShotSigning(deps, {}),
  );
}

/** 409 for a one-shot signature where the envelope asks for a qualified one (eIDAS art. 25(2) needs the signer's own QSCD). */
export function assertOneShotAllowed(recipient: Recipient): void {
  if (recipient.signatureLevel === 'qualified') {
    throw new ConflictError('qualified_signature_required', 'This document must be signed with a qualified signature: with your eID card or a remote qualified signing service.');
  }
}

/** Checks the mailed code before signing through a link, once the link is known to be usable and it is the signer's turn. */
async function secondFactorForLink(deps: WorkflowDeps, token: string, code: unknown): Promise<VerifiedCode | undefined> {
  const access = await inTransaction(deps, 'signEnvelope.secondFactor', (trx) => accessByToken(trx, token));
  if (access.recipient.role === 'signer' && access.recipient.status === 'signed') return undefined;
  assertLinkUsable(access, deps.clock());
  assertActive(access, 'signer');
  // Before the code is spent: a one-shot signature would be refused anyway.
  assertOneShotAllowed(access.recipient);
  if (!access.envelope.requireCode) return undefined;
  return verifySigningCode(deps, { recipientId: access.recipient.id, code });
}

/** Our organisation's CA issues a one-shot certificate per document; no TSA (TimestampError) is recorded as signing.failed. */
function oneShotSigning(deps: WorkflowDeps, text: { reason?: string; location?: string }): SigningMethod {
  return {
    name: 'one-shot',
    recordsFailure: (error): error is TimestampError => error instanceof TimestampError,
    async begin(trx, { envelope, recipient }) {
      assertOneShotAllowed(recipient);
      const organisation = await organisationById(trx, envelope.organisationId);
      if (!organisation) throw new Error(`organisation ${envelope.organisationId} of envelope ${envelope.id} is gone`);
      // The envelope's own organisation's CA issues the certificate (DESIGN §5): never another organisation's.
      const issuer = await deps.pki.forOrganisation({ id: organisation.id, slug: organisation.slug, name: organisation.name });
      return {
        async sign(document, now) {
          // One key pair per signature, used once and dropped (DESIGN §5).
          const key = await issuer.issueOneShot({ name: recipient.name, email: recipient.email, title: recipient.function ?? undefined });
          const pdf = await signPdf(document.pdf, {
            key,
            // PAdES B-T: a signature timestamp proves when it was signed (ETSI EN 319 142-1 §5.4); no TSA, no signature.
            timeStamper: deps.timeStamper,
            signer: { name: recipient.name, function: recipient.function ?? undefined },
            fieldName: document.fieldName,
            reason: text.reason,
            location: text.location,
            signingTime: now,
            language: recipient.language,
          });
          return { pdf, certificates: key.certificates };
        },
      };
    },
  };
}
