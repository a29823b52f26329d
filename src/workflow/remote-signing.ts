/**
 * Qualified signing through a remote service (issue 13; Cloud Signature Consortium API v2 §8.3 with the
 * OAuth 2.0 authorization code flow and PKCE, RFC 7636). Two round trips through the provider:
 *  1. scope `service`: the signer logs in at the provider; we list their credentials, take the first, read
 *     its certificate chain, check it as any presented certificate and prepare every document;
 *  2. scope `credential`, bound to exactly those hashes (SCAL2): the signer authorises the signatures; we
 *     call signatures/signHash and complete the signature (completeQualifiedSignature).
 * Nothing secret is stored: the OAuth `state` is sealed (AES-256-GCM) with a key derived from the server
 * secret and carries the signing link's token and the credential, the session keeps only its SHA-256, and
 * the PKCE verifier is derived from the secret and the state.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { CscProviderConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { createCscClient, cscSignAlgorithm, pkceChallenge, type CscClient } from '../keys/csc-client.ts';
import { deserializePreparedSignature, externalSignerFromCertificates } from '../pades/index.ts';
import { organisationById } from '../store/organisations.ts';
import {
  insertQualifiedSigningSession,
  qualifiedSigningSessionByStateHash,
  updateQualifiedSigningSession,
  type QualifiedSigningSession,
} from '../store/qualified-signing-sessions.ts';
import { appendAuditEvent } from '../audit/chain.ts';
import type { RequestOrigin } from '../audit/events.ts';
import { completeQualifiedSignature, sessionNotFound } from './complete-qualified-signature.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import type { EnvelopeDto } from './envelope-dto.ts';
import { assertMayPresent, checkOrRecord, prepareQualifiedSession, QUALIFIED_SESSION_MINUTES, recordFailure, stateHashOf } from './present-signing-certificate.ts';
import { parseCertificates } from './signing-certificate.ts';
import { accessByToken, recipientActor, type LinkAccess } from './signing-link-access.ts';
import { verifySigningCode } from './verify-signing-code.ts';
import { inTransaction } from './transaction.ts';
import { assertDocumentsRead } from './record-document-read.ts';

/** Where the provider sends the browser back (registered with the provider as the client's redirect URI). */
export const CSC_CALLBACK_PATH = '/s/csc/callback';

export interface StartRemoteSigningOptions extends LinkRequest {
  providerId: string;
  /** The mailed code, when the envelope requires one (issue 4). */
  code?: unknown;
}

export interface StartedRemoteSigning {
  /** The provider's authorisation page. */
  redirect: string;
  sessionId: string;
}

export async function startRemoteSigning(deps: WorkflowDeps, options: StartRemoteSigningOptions): Promise<StartedRemoteSigning> {
  const secret = secretOf(deps);
  const access = await inTransaction(deps, 'startRemoteSigning.read', (trx) => accessByToken(trx, options.token));
  assertMayPresent(access, deps.clock());
  // Reading before signing (issue 12): refused before anything is prepared or a code spent.
  await assertDocumentsRead(deps.db, access);
  const organisation = await organisationById(deps.db, access.envelope.organisationId);
  const provider = (deps.cscProviders ?? []).find((p) => p.id === options.providerId && (p.organisations.includes('*') || p.organisations.includes(organisation?.slug ?? '')));
  if (!provider) throw new AppError('provider_not_found', 404, 'This organisation offers no such remote signing service.');
  const verifiedCode = access.envelope.requireCode ? await verifySigningCode(deps, { recipientId: access.recipient.id, code: options.code }) : undefined;

  const now = deps.clock();
  const state = sealState(secret, { token: options.token });
  const sessionId = randomUUID();
  await inTransaction(deps, 'startRemoteSigning', async (trx) => {
    const current = await accessByToken(trx, options.token);
    assertMayPresent(current, deps.clock());
    await insertQualifiedSigningSession(trx, {
      id: sessionId,
      organisationId: current.envelope.organisationId,
      envelopeId: current.envelope.id,
      recipientId: current.recipient.id,
      method: 'csc',
      providerId: provider.id,
      status: 'awaiting_certificate',
      stateHash: stateHashOf(state),
      certificateChain: [],
      certificateSubject: null,
      documents: [],
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + QUALIFIED_SESSION_MINUTES * 60_000).toISOString(),
    });
    if (verifiedCode) {
      const { codeId, codeRecipientId, failedAttempts } = verifiedCode;
      await appendAuditEvent(trx, {
        organisationId: current.envelope.organisationId,
        envelopeId: current.envelope.id,
        event: { action: 'code.verified', details: { recipientId: current.recipient.id, codeId, codeRecipientId, failedAttempts } },
        actor: recipientActor(current.recipient),
        origin: options.origin,
        occurredAt: now,
      });
    }
  });
  const redirect = await clientFor(deps, provider).authorizeUrl({
    scope: 'service',
    redirectUri: callbackUri(deps),
    state,
    codeChallenge: pkceChallenge(pkceVerifier(secret, state)),
    lang: access.recipient.language,
  });
  return { redirect, sessionId };
}

export interface RemoteSigningCallbackOptions {
  state: string;
  code: string;
  origin?: RequestOrigin;
}

/** Where to send the browser: the provider again (to authorise the signatures), or the link's done page once signed. */
export type RemoteSigningCallbackResult =
  | { step: 'authorize'; redirect: string }
  | { step: 'signed'; redirect: string; token: string; envelope: EnvelopeDto; recipientId: string };

export async function remoteSigningCallback(deps: WorkflowDeps, options: RemoteSigningCallbackOptions): Promise<RemoteSigningCallbackResult> {
  const secret = secretOf(deps);
  if (typeof options.state !== 'string' || typeof options.code !== 'string') throw sessionNotFound();
  const session = await qualifiedSigningSessionByStateHash(deps.db, stateHashOf(options.state));
  const sealed = session ? openState(secret, options.state) : null;
  if (!session || !sealed || session.method !== 'csc') throw sessionNotFound();
  if (session.status === 'completed' || session.status === 'failed') throw new AppError('session_used', 409, 'This signing session was already used; start the signature again.');
  if (new Date(session.expiresAt).getTime() <= deps.clock().getTime()) throw new AppError('session_expired', 410, 'This signing session has expired; start the signature again.');
  const provider = (deps.cscProviders ?? []).find((p) => p.id === session.providerId);
  if (!provider) throw sessionNotFound();
  const client = clientFor(deps, provider);
  const access = await inTransaction(deps, 'remoteSigningCallback.read', (trx) => accessByToken(trx, sealed.token));
  if (access.recipient.id !== session.recipientId) throw sessionNotFound();
  try {
    const { accessToken } = await client.exchangeCode({ code: options.code, redirectUri: callbackUri(deps), codeVerifier: pkceVerifier(secret, options.state) });
    if (session.status === 'awaiting_certificate') return await prepareRemote(deps, { client, session, access, accessToken, token: sealed.token, secret, origin: options.origin });
    return await signRemote(deps, { client, session, accessToken, token: sealed.token, credentialId: sealed.credentialId, origin: options.origin });
  } catch (error) {
    // The provider's refusals and outages (csc_refused, csc_unavailable) are recorded like the other signing failures.
    if (error instanceof AppError && error.code.startsWith('csc_')) await recordFailure(deps, access, error, 'csc', options.origin);
    throw error;
  }
}

export interface RemoteSigningRefusedOptions {
  state: string;
  /** The OAuth error the provider sent the signer back with (RFC 6749 §4.1.2.1), e.g. `access_denied`. */
  error: string;
  origin?: RequestOrigin;
}

/**
 * The provider sent the signer back with an error instead of a code: they said no there, or it could not ask.
 * The session is spent and `signing.failed` says so, so staff see why nothing was signed. A state that is not
 * ours, or a session already over, changes nothing: the answer is only ever the same page.
 */
export async function remoteSigningRefused(deps: WorkflowDeps, options: RemoteSigningRefusedOptions): Promise<void> {
  if (!deps.signerSecret || typeof options.state !== 'string') return;
  const session = await qualifiedSigningSessionByStateHash(deps.db, stateHashOf(options.state));
  const sealed = session ? openState(deps.signerSecret, options.state) : null;
  if (!session || !sealed || session.method !== 'csc' || session.status === 'completed' || session.status === 'failed') return;
  const access = await inTransaction(deps, 'remoteSigningRefused.read', (trx) => accessByToken(trx, sealed.token));
  if (access.recipient.id !== session.recipientId) return;
  const declined = options.error === 'access_denied';
  const code = declined ? 'csc_declined' : 'csc_refused';
  const message = declined ? 'The signer declined at the remote signing service.' : `The remote signing service could not ask the signer (${options.error.slice(0, 64)}).`;
  await inTransaction(deps, 'remoteSigningRefused', (trx) => updateQualifiedSigningSession(trx, session.organisationId, session.id, { status: 'failed', failureCode: code }));
  await recordFailure(deps, access, new AppError(code, 422, message), 'csc', options.origin);
}

interface RemoteStep {
  client: CscClient;
  session: QualifiedSigningSession;
  accessToken: string;
  token: string;
  origin?: RequestOrigin;
}

/** Step 1: the credential's certificate checked and the documents prepared; then the provider asks to authorise these hashes. */
async function prepareRemote(deps: WorkflowDeps, step: RemoteStep & { access: LinkAccess; secret: Buffer }): Promise<RemoteSigningCallbackResult> {
  const [credentialId] = await step.client.listCredentials(step.accessToken);
  if (!credentialId) throw new AppError('csc_no_credential', 422, 'The remote signing service holds no signing credential for you.');
  const info = await step.client.credentialInfo(step.accessToken, credentialId);
  assertMayPresent(step.access, deps.clock());
  const checked = await checkOrRecord(deps, step.access, parseCertificates(info.certificates), { method: 'csc', origin: step.origin });
  const state = sealState(step.secret, { token: step.token, credentialId });
  const presented = await prepareQualifiedSession(deps, {
    load: (trx) => accessByToken(trx, step.token),
    checked,
    method: 'csc',
    providerId: step.session.providerId,
    sessionId: step.session.id,
    stateHash: stateHashOf(state),
    origin: step.origin,
  });
  const { hashAlgorithmOid } = algorithmsOf(checked.chain);
  const redirect = await step.client.authorizeUrl({
    scope: 'credential',
    redirectUri: callbackUri(deps),
    state,
    codeChallenge: pkceChallenge(pkceVerifier(step.secret, state)),
    credentialId,
    numSignatures: presented.documents.length,
    hashes: presented.documents.map((d) => d.digest),
    hashAlgorithmOid,
    lang: step.access.recipient.language,
  });
  return { step: 'authorize', redirect };
}

/** Step 2: the provider signs the authorised hashes; the signature is completed as any qualified one. */
async function signRemote(deps: WorkflowDeps, step: RemoteStep & { credentialId?: string }): Promise<RemoteSigningCallbackResult> {
  if (!step.credentialId || step.session.status !== 'prepared') throw sessionNotFound();
  const prepared = step.session.documents.map((d) => deserializePreparedSignature(d.prepared));
  const { signAlgoOid, hashAlgorithmOid } = algorithmsOf(step.session.certificateChain);
  const signatures = await step.client.signHash(step.accessToken, {
    credentialId: step.credentialId,
    hashes: prepared.map((p) => p.dataToBeSignedDigest),
    hashAlgorithmOid,
    signAlgoOid,
  });
  const result = await completeQualifiedSignature(deps, { token: step.token, sessionId: step.session.id, signatures, origin: step.origin });
  return { step: 'signed', redirect: `/s/${step.token}/done`, token: step.token, envelope: result.envelope, recipientId: result.recipientId };
}

function algorithmsOf(chain: readonly Buffer[]): { signAlgoOid: string; hashAlgorithmOid: string } {
  const signer = externalSignerFromCertificates(chain);
  return cscSignAlgorithm(signer.scheme, signer.hash);
}

function callbackUri(deps: WorkflowDeps): string {
  return `${deps.baseUrl}${CSC_CALLBACK_PATH}`;
}

function clientFor(deps: WorkflowDeps, provider: CscProviderConfig): CscClient {
  return deps.cscClient ? deps.cscClient(provider) : createCscClient(provider);
}

function secretOf(deps: WorkflowDeps): Buffer {
  if (!deps.signerSecret) throw new AppError('remote_signing_unavailable', 503, 'Remote signing is not available on this server.');
  return deps.signerSecret;
}

/** RFC 7636 §4.1: the verifier is base64url(HMAC-SHA256(secret, 'csc-pkce:' + state)), 43 characters: re-derived, never stored. */
export function pkceVerifier(secret: Buffer, state: string): string {
  return createHmac('sha256', secret).update(`csc-pkce:${state}`).digest('base64url');
}

interface StatePayload {
  token: string;
  credentialId?: string;
}

function stateKey(secret: Buffer): Buffer {
  return createHmac('sha256', secret).update('csc-state').digest();
}

/** base64url(nonce ‖ AES-256-GCM(payload) ‖ tag): unguessable, and only this server can read or forge it. */
export function sealState(secret: Buffer, payload: StatePayload): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', stateKey(secret), nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify({ t: payload.token, c: payload.credentialId }), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

export function openState(secret: Buffer, state: string): StatePayload | null {
  const raw = Buffer.from(state, 'base64url');
  if (raw.length < 12 + 16 + 2 || raw.length > 2048) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', stateKey(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const json = JSON.parse(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8')) as { t?: unknown; c?: unknown };
    if (typeof json.t !== 'string') return null;
    return { token: json.t, credentialId: typeof json.c === 'string' ? json.c : undefined };
  } catch {
    return null;
  }
}
