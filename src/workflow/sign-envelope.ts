/**
 * A signer signs through their link with a one-shot certificate (DESIGN §5): for each document the
 * organisation's CA issues a certificate for this person with a fresh key, used once and dropped, and
 * the recipient's prepared field is signed as an incremental update. What the signature then does to
 * the envelope (revisions, events, routing) is apply-signature.ts, shared with qualified signing.
 * A recipient who must sign with a qualified certificate (issue 13) is refused here: 409
 * `qualified_signature_required`.
 */
import { setImmediate } from 'node:timers/promises';
import { TimestampError, ConflictError } from '../errors.ts';
import { signerTitle } from '../domain/signature-page.ts';
import type { AppearanceSigner } from '../pades/appearance-text.ts';
import { prepareOneShotKey } from '../keys/index.ts';
import { signPdf } from '../pades/index.ts';
import type { Recipient } from '../store/recipient-repository.ts';
import { applySignature, applySignatureWithEnvelope, type AccessLoader, type LinkActionResult, type SignatureOutcome, type SignInput, type SigningMethod } from './apply-signature.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { assertEnvelopeOpen, assertLinkUsable, signingAccessByRecipient, signingAccessByToken, type LinkAccess, type SigningAccess } from './signing-link-access.ts';
import { verifySigningCode } from './verify-signing-code.ts';

export type { LinkActionResult, SignatureOutcome } from './apply-signature.ts';

export interface SignEnvelopeOptions extends LinkRequest, Pick<SignInput, 'beforeWrite'> {
  /** Shown in the signature dictionary (/Reason, /Location). */
  reason?: string;
  location?: string;
  /** The mailed code, when the envelope requires one (issue 4). */
  code?: unknown;
  /** What the caller already read of this link (resolveSigningLink), used for the first attempt instead of reading it again. */
  resolved?: SigningAccess & LinkAccess;
}

/**
 * What a link names, read in one statement (the sign request's route chooses sign or approve by it); 404
 * link_not_found when nothing. The read goes out within this turn's promise jobs; the key pair a one-shot signature
 * needs is made while the database answers, one turn later (issue 11: it was on the request's path, after the read).
 */
export async function resolveSigningLink(deps: Pick<WorkflowDeps, 'db'>, token: string): Promise<SigningAccess & LinkAccess> {
  const read = signingAccessByToken(deps.db, token);
  // Observed at once: should the read fail within the turn, it still rejects where awaited below.
  read.catch(() => undefined);
  await setImmediate();
  prepareOneShotKey();
  return read;
}

/** signThroughLink, answering the envelope as it is afterwards. */
export async function signEnvelope(deps: WorkflowDeps, options: SignEnvelopeOptions): Promise<LinkActionResult> {
  return applySignatureWithEnvelope(deps, 'signEnvelope', linkLoader(options), linkInput(deps, options), oneShotSigning(deps, options));
}

/** A signer signs through their link (DESIGN §5): the lean request of issue 11, answering what it did. */
export async function signThroughLink(deps: WorkflowDeps, options: SignEnvelopeOptions): Promise<SignatureOutcome> {
  return applySignature(deps, 'signEnvelope', linkLoader(options), linkInput(deps, options), oneShotSigning(deps, options));
}

/** Who signs through a link: read in one statement (or taken from the caller's read, first attempt only); the link must still work. */
export function linkLoader(options: Pick<SignEnvelopeOptions, 'token' | 'resolved'>): AccessLoader {
  let resolved = options.resolved;
  return async (db) => {
    const access = resolved ?? (await signingAccessByToken(db, options.token));
    // A retry reads afresh.
    resolved = undefined;
    return { access, assertUsable: (current, now) => assertLinkUsable({ ...current, link: access.link }, now) };
  };
}

/** The mailed code, checked once the link is known usable and it is the signer's turn (before: a one-shot refusal spends no code). */
function linkInput(deps: WorkflowDeps, options: SignEnvelopeOptions): SignInput {
  return {
    origin: options.origin,
    reason: options.reason,
    location: options.location,
    beforeWrite: options.beforeWrite,
    secondFactor: async (access) => (access.envelope.requireCode ? verifySigningCode(deps, { recipientId: access.recipient.id, code: options.code }) : undefined),
  };
}

export interface SignAsRecipientOptions extends Omit<SignInput, 'reason' | 'location'> {
  organisationId: string;
  envelopeId: string;
  recipientId: string;
}

/** The same signing for a recipient identified otherwise than by their own link (batch signing). */
export async function signAsRecipient(deps: WorkflowDeps, options: SignAsRecipientOptions): Promise<LinkActionResult> {
  return applySignatureWithEnvelope(
    deps,
    'signAsRecipient',
    async (db) => {
      const access = await signingAccessByRecipient(db, options.organisationId, options.envelopeId, options.recipientId);
      return { access, assertUsable: assertEnvelopeOpen };
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

/** What a recipient's visible signature shows: name, function and, for a delegate, the statement above them (issue 12). */
export function appearanceSignerOf(recipient: Pick<Recipient, 'name' | 'function' | 'actingStatement'>): AppearanceSigner {
  return { name: recipient.name, function: recipient.function ?? undefined, actingStatement: recipient.actingStatement ?? undefined };
}

/** Our organisation's CA issues a one-shot certificate per document; no TSA (TimestampError) is recorded as signing.failed. */
function oneShotSigning(deps: WorkflowDeps, text: { reason?: string; location?: string }): SigningMethod {
  return {
    name: 'one-shot',
    recordsFailure: (error): error is TimestampError => error instanceof TimestampError,
    async begin(_db, { recipient, organisation }) {
      assertOneShotAllowed(recipient);
      // The envelope's own organisation's CA issues the certificate (DESIGN §5): never another organisation's.
      const issuer = await deps.pki.forOrganisation({ id: organisation.id, slug: organisation.slug, name: organisation.name });
      return {
        async sign(document, now) {
          // One key pair per signature, used once and dropped (DESIGN §5).
          // Its title says in what capacity they sign (issue 12): "wnd. algemeen directeur", or a delegate's
          // "Diensthoofd secretariaat, bij opdracht van de algemeen directeur".
          const key = await issuer.issueOneShot({ name: recipient.name, email: recipient.email, title: signerTitle(recipient) ?? undefined });
          // Its B-LT step and audit event read the certificate as issued, not parsed and verified again.
          deps.validationDataCache?.certificates.issuedHere(key.certificate, key.certificates[1]);
          const pdf = await signPdf(document.pdf, {
            key,
            // PAdES B-T: a signature timestamp proves when it was signed (ETSI EN 319 142-1 §5.4); no TSA, no signature.
            timeStamper: deps.timeStamper,
            signer: appearanceSignerOf(recipient),
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
