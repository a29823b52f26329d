/**
 * A remote qualified signing service for tests: a real HTTP server on 127.0.0.1 speaking the Cloud Signature
 * Consortium API v2.0 (CSC v2.0.0.2) as a QTSP would, with the signer's keys generated inside its own SoftHSM2
 * token (sensitive, not extractable) and certified by a test QTSP chain:
 * "Test QTSP Root" → "Test QTSP Qualified CA" → "CN=<signer>" (keyUsage nonRepudiation only, a QCP-n-qscd policy,
 * QCStatements QcCompliance, QcSSCD and QcType esign as EN 319 412-5 asks of a qualified certificate for signatures).
 *
 *   POST /csc/v2/info                    §11.1, no token
 *   GET  /oauth2/authorize               §8.3.2: an HTML consent page ("Toestaan" / "Weigeren"), or at once with autoApprove
 *   POST /oauth2/authorize/decision      the page's form: back to redirect_uri with ?code&state or ?error=access_denied&state
 *   POST /oauth2/token                   §8.3.3 / RFC 6749 §4.1.3: client_id+secret, redirect_uri, single-use code, PKCE S256
 *   POST /csc/v2/credentials/list        §11.4, service token
 *   POST /csc/v2/credentials/info        §11.5, service token; certificates none|single|chain, certInfo, authInfo
 *   POST /csc/v2/signatures/signHash     §11.10, credential token (or SAD): bound to its credentialID, hash algorithm and,
 *                                        at SCAL2, the exact hashes authorised, each signable once
 *
 * Errors are JSON { error, error_description } (RFC 6749 §5.2, CSC v2 §10.1).
 */
import { createHash, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import express, { type Request, type Response } from 'express';
import { OID } from '../../src/asn1/der.ts';
import type { CscProviderConfig } from '../../src/config.ts';
import { buildCertificate, type DistinguishedName } from '../../src/keys/certificate-builder.ts';
import { toPem } from '../../src/keys/pki-files.ts';
import { digestInfo, ecdsaRawToDer } from '../../src/keys/pkcs11-mechanism.ts';
import { generateTokenKeyPair, storeTokenCertificate, type TokenKeySpec } from '../../src/keys/pkcs11-objects.ts';
import { Pkcs11Token, type Pkcs11TokenOptions } from '../../src/keys/pkcs11.ts';
import { createKeySigner } from '../../src/keys/signing-key.ts';
import { qcStatementsExtension, type QcStatementsSpec } from './eid-card.ts';
import type { SoftHsm } from './softhsm.ts';

export type CscCredentialKind = 'ecdsa-p256' | 'rsa-2048';

export interface CscServerOptions {
  softHsm: SoftHsm;
  /** An initialised token for the keys. Default: a new one, made by initSoftHsmToken (so also after other tokens were opened). */
  token?: Pkcs11TokenOptions;
  /** Provider id and name as in CSC_PROVIDERS. Default `testqtsp`, "Test QTSP". */
  id?: string;
  name?: string;
  clientId?: string;
  clientSecret?: string;
  /** Registered redirect URIs (exact match). Default: any http(s) URI, since a test app's port is known late. */
  redirectUris?: string[];
  /** Skip the consent page: true approves, 'deny' answers access_denied. Mutable later as `server.autoApprove`. */
  autoApprove?: boolean | 'deny';
  /** Whose credentials these are. Default An Janssens. */
  signer?: { given: string; surname: string; serialNumber?: string };
  /** Credentials in list order. Default ['ecdsa-p256', 'rsa-2048']. */
  credentials?: CscCredentialKind[];
  /** Default '2': credential authorisations are bound to hashes. */
  scal?: '1' | '2';
  /** ECDSA signature values as DER (default) or raw r || s. */
  ecdsaFormat?: 'der' | 'raw';
  /** QCStatements of the signer certificates (eid-card.ts). Default: QcCompliance, QcSSCD, QcType esign. */
  qcStatements?: QcStatementsSpec;
  /** Revocation pointers put in the signer certificates (e.g. a responder of test/helpers/foreign-ca-responder.ts). */
  ocspUrl?: string;
  crlUrl?: string;
  caIssuersUrl?: string;
}

export interface CscCredential {
  id: string;
  kind: CscCredentialKind;
  /** Signer certificate, qualified CA, root (DER). */
  chain: Buffer[];
  label: string;
}

export interface CscTestServer {
  /** Base URL without /csc/v2: what CscProviderConfig.baseUrl holds. Also the OAuth base ({url}/oauth2/…). */
  url: string;
  /** Ready for createCscClient or CSC_PROVIDERS (organisations ['*']). */
  provider: CscProviderConfig;
  root: { der: Buffer; pem: string; certificate: X509Certificate };
  /** The qualified CA with its key, for an OCSP responder or CRL about the signer certificates. */
  ca: { der: Buffer; certificate: X509Certificate; key: KeyObject };
  credentials: CscCredential[];
  /** Each request as "METHOD /path", in order. */
  calls: string[];
  /** How many signatures signHash made. */
  signatureCount: number;
  autoApprove: boolean | 'deny';
  /** When true every endpoint answers 503 temporarily_unavailable. */
  outage: boolean;
  /** Delay before each answer (for client timeouts). */
  delayMs: number;
  close(): Promise<void>;
}

const CODE_LIFETIME_MS = 60_000;
const SERVICE_TOKEN_SECONDS = 3600;
const CREDENTIAL_TOKEN_SECONDS = 300;
const QCP_N_QSCD = '0.4.0.194112.1.2'; // ETSI EN 319 411-2 §5.3: QCP for natural persons with a QSCD
const HASHES: Record<string, { name: 'sha256' | 'sha384' | 'sha512'; length: number }> = {
  [OID.sha256]: { name: 'sha256', length: 32 },
  [OID.sha384]: { name: 'sha384', length: 48 },
  [OID.sha512]: { name: 'sha512', length: 64 },
};
/** signAlgo → the hash it implies (null: rsaEncryption, the hash comes from hashAlgorithmOID). */
const SIGN_ALGOS: Record<CscCredentialKind, Record<string, string | null>> = {
  'ecdsa-p256': { [OID.ecdsaWithSha256]: OID.sha256, [OID.ecdsaWithSha384]: OID.sha384, [OID.ecdsaWithSha512]: OID.sha512 },
  'rsa-2048': { [OID.rsaEncryption]: null, [OID.sha256WithRSA]: OID.sha256, [OID.sha384WithRSA]: OID.sha384, [OID.sha512WithRSA]: OID.sha512 },
};
const KEY_SPEC: Record<CscCredentialKind, { spec: TokenKeySpec; keyAlgo: string; len: number; curve?: string }> = {
  'ecdsa-p256': { spec: { type: 'ec', curve: 'P-256' }, keyAlgo: OID.ecPublicKey, len: 256, curve: '1.2.840.10045.3.1.7' },
  'rsa-2048': { spec: { type: 'rsa', bits: 2048 }, keyAlgo: OID.rsaEncryption, len: 2048 },
};

interface Authorisation {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scope: 'service' | 'credential';
  credentialId?: string;
  hashAlgorithmOid?: string;
  numSignatures?: number;
  /** hex of each authorised hash */
  hashes?: string[];
}
interface Code extends Authorisation {
  expiresAt: number;
  used: boolean;
  tokens: string[];
}
interface Grant {
  scope: 'service' | 'credential';
  expiresAt: number;
  credentialId?: string;
  hashAlgorithmOid?: string;
  remaining: number;
  unsigned: Set<string>;
}

class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, description: string) {
    super(description);
  }
}

/** What the endpoints share: settings, the token with the signer keys, the public handle and the OAuth state. */
interface Qtsp {
  options: CscServerOptions;
  name: string;
  clientId: string;
  clientSecret: string;
  scal: '1' | '2';
  token: Pkcs11Token;
  signerName: string;
  handle: CscTestServer;
  /** Consent pages shown and not yet answered, by the id in their form. */
  pending: Map<string, Authorisation>;
  codes: Map<string, Code>;
  /** Access tokens. */
  grants: Map<string, Grant>;
}

export async function startCscServer(options: CscServerOptions): Promise<CscTestServer> {
  const token = Pkcs11Token.open(options.token ?? initSoftHsmToken(options.softHsm, `csc-${randomBytes(6).toString('hex')}`));
  const { signerName, ...pki } = await issueChain(token, options);
  let server: Server | undefined;
  const handle: CscTestServer = {
    url: '',
    provider: undefined as unknown as CscProviderConfig,
    ...pki,
    calls: [],
    signatureCount: 0,
    autoApprove: options.autoApprove ?? false,
    outage: false,
    delayMs: 0,
    close: async () => {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      server?.closeAllConnections();
      await token.close();
    },
  };
  const qtsp: Qtsp = {
    options,
    name: options.name ?? 'Test QTSP',
    clientId: options.clientId ?? 'paraaf-test',
    clientSecret: options.clientSecret ?? randomBytes(16).toString('hex'),
    scal: options.scal ?? '2',
    token,
    signerName,
    handle,
    pending: new Map(),
    codes: new Map(),
    grants: new Map(),
  };

  const app = express();
  app.use(async (req, res, next) => {
    handle.calls.push(`${req.method} ${req.path}`);
    if (handle.delayMs) await new Promise((resolve) => setTimeout(resolve, handle.delayMs));
    if (handle.outage) res.status(503).json({ error: 'temporarily_unavailable', error_description: 'Service in maintenance' });
    else next();
  });
  app.use(express.json({ limit: '100kb' }), express.urlencoded({ extended: false, limit: '100kb' }));
  app.post('/csc/v2/info', (_req, res) => void res.json(serviceInfo(qtsp)));
  app.get('/oauth2/authorize', (req, res) => authorize(qtsp, req, res));
  app.post('/oauth2/authorize/decision', (req, res) => decide(qtsp, req, res));
  app.post('/oauth2/token', endpoint((req) => tokenAnswer(qtsp, req)));
  app.post('/csc/v2/credentials/list', endpoint((req) => {
    bearer(qtsp, req, 'service');
    return { credentialIDs: handle.credentials.map((c) => c.id) };
  }));
  app.post('/csc/v2/credentials/info', endpoint((req) => {
    bearer(qtsp, req, 'service');
    return credentialInfoAnswer(qtsp, (req.body ?? {}) as Record<string, unknown>);
  }));
  app.post('/csc/v2/signatures/signHash', endpoint((req) => signHashAnswer(qtsp, req)));
  app.use((_req: Request, res: Response) => void res.status(404).json({ error: 'invalid_request', error_description: 'Unknown endpoint' }));

  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.provider = Object.freeze({
    id: options.id ?? 'testqtsp',
    name: qtsp.name,
    baseUrl: handle.url,
    clientId: qtsp.clientId,
    clientSecret: qtsp.clientSecret,
    organisations: Object.freeze(['*']),
  });
  return handle;
}

/** CSC v2 §11.1. */
function serviceInfo(qtsp: Qtsp) {
  return {
    specs: '2.0.0.2',
    name: qtsp.name,
    logo: `${qtsp.handle.url}/logo.png`,
    region: 'BE',
    lang: 'nl-BE',
    description: 'Testdienst voor gekwalificeerde handtekeningen op afstand',
    authType: ['oauth2code'],
    oauth2: qtsp.handle.url,
    methods: ['oauth2/authorize', 'oauth2/token', 'credentials/list', 'credentials/info', 'signatures/signHash'],
    signAlgorithms: { algos: [...new Set(qtsp.handle.credentials.flatMap((c) => Object.keys(SIGN_ALGOS[c.kind])))] },
  };
}

const credentialOf = (qtsp: Qtsp, id: unknown) => qtsp.handle.credentials.find((c) => c.id === id);

/** GET oauth2/authorize: the consent page, or straight back with autoApprove. */
function authorize(qtsp: Qtsp, req: Request, res: Response): void {
  const query = req.query as Record<string, string | undefined>;
  // RFC 6749 §4.1.2.1: without a known client and a valid redirect URI there is nowhere to send the error.
  if (query.client_id !== qtsp.clientId) return void res.status(400).type('html').send(page('Onbekende toepassing', '<p>Deze toepassing is niet geregistreerd.</p>'));
  const redirectUri = query.redirect_uri ?? '';
  if (!/^https?:\/\//.test(redirectUri) || (qtsp.options.redirectUris && !qtsp.options.redirectUris.includes(redirectUri))) {
    return void res.status(400).type('html').send(page('Ongeldig terugkeeradres', '<p>Het terugkeeradres is niet geregistreerd.</p>'));
  }
  const back = (params: Record<string, string>) => res.redirect(302, withQuery(redirectUri, { ...params, state: query.state ?? '' }));
  let request: Authorisation;
  try {
    request = authorisationRequest(query, redirectUri, (id) => credentialOf(qtsp, id) !== undefined, qtsp.scal);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return void back({ error: error.error, error_description: error.message });
  }
  if (qtsp.handle.autoApprove === 'deny') return void back({ error: 'access_denied', error_description: 'The user refused' });
  if (qtsp.handle.autoApprove) return void back({ code: issueCode(qtsp, request) });
  const pendingId = randomBytes(16).toString('base64url');
  qtsp.pending.set(pendingId, request);
  res.type('html').send(consentPage(pendingId, qtsp.name, request, qtsp.signerName, credentialOf(qtsp, request.credentialId)));
}

/** POST of the consent page's form: back to the client with a code, or with access_denied. */
function decide(qtsp: Qtsp, req: Request, res: Response): void {
  const pendingId = String(req.body?.request);
  const request = qtsp.pending.get(pendingId);
  if (!request) return void res.status(400).type('html').send(page('Verlopen', '<p>Deze aanvraag is niet meer geldig.</p>'));
  qtsp.pending.delete(pendingId);
  const params: Record<string, string> =
    req.body.decision === 'allow' ? { code: issueCode(qtsp, request) } : { error: 'access_denied', error_description: 'The user refused' };
  res.redirect(302, withQuery(request.redirectUri, { ...params, state: request.state }));
}

function issueCode(qtsp: Qtsp, request: Authorisation): string {
  const code = randomBytes(32).toString('base64url');
  qtsp.codes.set(code, { ...request, expiresAt: Date.now() + CODE_LIFETIME_MS, used: false, tokens: [] });
  return code;
}

/** POST oauth2/token (RFC 6749 §4.1.3, RFC 7636 §4.6): a code once, for its client, redirect URI and PKCE verifier. */
function tokenAnswer(qtsp: Qtsp, req: Request) {
  const body = (req.body ?? {}) as Record<string, string | undefined>;
  const [basicId, basicSecret] = basicCredentials(req);
  if ((body.client_id ?? basicId) !== qtsp.clientId || (body.client_secret ?? basicSecret) !== qtsp.clientSecret) {
    throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
  }
  if (body.grant_type !== 'authorization_code') throw new OAuthError(400, 'unsupported_grant_type', 'Only authorization_code');
  const code = qtsp.codes.get(body.code ?? '');
  if (!code || code.clientId !== qtsp.clientId) throw new OAuthError(400, 'invalid_grant', 'Invalid authorization code');
  if (code.used) {
    // RFC 6749 §4.1.2: a code used twice revokes what it gave.
    for (const issued of code.tokens) qtsp.grants.delete(issued);
    throw new OAuthError(400, 'invalid_grant', 'Authorization code already used');
  }
  code.used = true;
  if (code.expiresAt < Date.now()) throw new OAuthError(400, 'invalid_grant', 'Authorization code expired');
  if (body.redirect_uri !== code.redirectUri) throw new OAuthError(400, 'invalid_grant', 'redirect_uri does not match');
  const challenge = createHash('sha256').update(body.code_verifier ?? '', 'ascii').digest('base64url');
  if (!body.code_verifier || challenge !== code.codeChallenge) throw new OAuthError(400, 'invalid_grant', 'PKCE verification failed');
  const accessToken = randomBytes(32).toString('base64url');
  const seconds = code.scope === 'service' ? SERVICE_TOKEN_SECONDS : CREDENTIAL_TOKEN_SECONDS;
  qtsp.grants.set(accessToken, {
    scope: code.scope,
    expiresAt: Date.now() + seconds * 1000,
    credentialId: code.credentialId,
    hashAlgorithmOid: code.hashAlgorithmOid,
    remaining: code.numSignatures ?? 0,
    unsigned: new Set(code.hashes ?? []),
  });
  code.tokens.push(accessToken);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: seconds };
}

/** The grant of the request's bearer token (RFC 6750 §3.1 errors). */
function bearer(qtsp: Qtsp, req: Request, scope?: 'service'): Grant {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
  const grant = match ? qtsp.grants.get(match[1]) : undefined;
  if (!grant || grant.expiresAt < Date.now()) throw new OAuthError(401, 'invalid_token', 'Invalid or expired access token');
  if (scope && grant.scope !== scope) throw new OAuthError(403, 'insufficient_scope', `A token with scope ${scope} is required`);
  return grant;
}

/** CSC v2 §11.5: key, certificates none|single|chain, certInfo, authInfo, SCAL. */
function credentialInfoAnswer(qtsp: Qtsp, body: Record<string, unknown>) {
  const found = credentialOf(qtsp, body.credentialID);
  if (!found) throw new OAuthError(400, 'invalid_request', 'Invalid parameter credentialID');
  const which = body.certificates ?? 'single';
  if (which !== 'none' && which !== 'single' && which !== 'chain') throw new OAuthError(400, 'invalid_request', 'Invalid parameter certificates');
  const spec = KEY_SPEC[found.kind];
  const leaf = new X509Certificate(found.chain[0]);
  const certificates = which === 'none' ? [] : found.chain.slice(0, which === 'single' ? 1 : undefined);
  const certInfo = {
    issuerDN: leaf.issuer.replace(/\n/g, ', '),
    serialNumber: leaf.serialNumber,
    subjectDN: leaf.subject.replace(/\n/g, ', '),
    validFrom: generalizedTime(new Date(leaf.validFrom)),
    validTo: generalizedTime(new Date(leaf.validTo)),
  };
  return {
    description: `Gekwalificeerd handtekeningcertificaat van ${qtsp.signerName}`,
    key: { status: 'enabled', algo: [spec.keyAlgo, ...Object.keys(SIGN_ALGOS[found.kind])], len: spec.len, ...(spec.curve ? { curve: spec.curve } : {}) },
    cert: {
      status: 'valid',
      ...(which === 'none' ? {} : { certificates: certificates.map((der) => der.toString('base64')) }),
      ...(body.certInfo === true ? certInfo : {}),
    },
    ...(body.authInfo === true ? { auth: { mode: 'oauth2code' } } : {}),
    SCAL: qtsp.scal,
    multisign: 100,
    lang: 'nl-BE',
  };
}

/**
 * CSC v2 §11.10. The credential authorisation is the bearer token itself, or a credential token passed as SAD; it
 * signs for its credential and hash algorithm only, at most numSignatures hashes, and at SCAL2 only the hashes it was
 * given, each once.
 */
async function signHashAnswer(qtsp: Qtsp, req: Request) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const caller = bearer(qtsp, req);
  const grant = caller.scope === 'credential' ? caller : typeof body.SAD === 'string' ? qtsp.grants.get(body.SAD) : undefined;
  if (!grant || grant.scope !== 'credential' || grant.expiresAt < Date.now()) {
    throw new OAuthError(400, 'invalid_request', 'Missing or invalid SAD: authorise the credential first');
  }
  const found = credentialOf(qtsp, body.credentialID);
  if (!found || grant.credentialId !== found.id) throw new OAuthError(400, 'invalid_request', 'credentialID is not the authorised credential');
  const hashAlgorithmOid = String(body.hashAlgorithmOID ?? '');
  const hash = HASHES[hashAlgorithmOid];
  if (!hash || hashAlgorithmOid !== grant.hashAlgorithmOid) throw new OAuthError(400, 'invalid_request', 'hashAlgorithmOID is not the authorised one');
  const implied = SIGN_ALGOS[found.kind][String(body.signAlgo ?? '')];
  if (implied === undefined || (implied !== null && implied !== hashAlgorithmOid)) throw new OAuthError(400, 'invalid_request', 'Invalid parameter signAlgo');
  const hashes = Array.isArray(body.hashes) ? body.hashes.map((h) => (typeof h === 'string' ? strictBase64(h) : null)) : [];
  if (hashes.length === 0 || hashes.some((h) => h === null || h.length !== hash.length)) throw new OAuthError(400, 'invalid_request', 'Invalid parameter hashes');
  const values = hashes as Buffer[];
  if (values.length > grant.remaining) throw new OAuthError(400, 'invalid_request', 'More hashes than signatures authorised');
  if (qtsp.scal === '2' && values.some((h) => !grant.unsigned.has(h.toString('hex')))) {
    throw new OAuthError(400, 'invalid_request', 'Hash is not authorised by the SAD');
  }
  for (const value of values) grant.unsigned.delete(value.toString('hex'));
  grant.remaining -= values.length;
  const signatures: string[] = [];
  for (const value of values) {
    const raw = await qtsp.token.signRaw(found.label, signRequest(qtsp.token, found.kind, hash.name, value));
    const signature = found.kind === 'ecdsa-p256' && qtsp.options.ecdsaFormat !== 'raw' ? ecdsaRawToDer(raw) : raw;
    signatures.push(signature.toString('base64'));
  }
  qtsp.handle.signatureCount += signatures.length;
  return { signatures };
}

/**
 * softHsm.initToken, also when this process already initialised the SoftHSM2 module (another token is open): SoftHSM2
 * reads its token directory at C_Initialize only, so then the token is made in the module's free slot with
 * C_InitToken and C_InitPIN (PKCS#11 v2.40 §5.5) instead of by softhsm2-util.
 */
export function initSoftHsmToken(softHsm: SoftHsm, label: string, pin = '123456'): Pkcs11TokenOptions & { tokenLabel: string } {
  const p11 = createRequire(import.meta.url)('pkcs11js') as typeof import('pkcs11js');
  const lib = new p11.PKCS11();
  lib.load(softHsm.module);
  // Another test file of this process may have made (and removed) a SoftHSM2 of its own since: C_Initialize reads this one's.
  process.env.SOFTHSM2_CONF = softHsm.conf;
  try {
    lib.C_Initialize({ flags: p11.CKF_OS_LOCKING_OK });
  } catch (error) {
    if ((error as { code?: number }).code !== p11.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw error;
    const free = lib.C_GetSlotList(true).find((slot) => (lib.C_GetTokenInfo(slot).flags & p11.CKF_TOKEN_INITIALIZED) === 0);
    if (!free) throw new Error('SoftHSM2 has no free slot for another token in this process');
    // CK_TOKEN_INFO.label is 32 bytes blank-padded (PKCS#11 v2.40 §3.2): unpadded, the rest would be NULs.
    lib.C_InitToken(free, '87654321', label.padEnd(32, ' '));
    const session = lib.C_OpenSession(free, p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION);
    lib.C_Login(session, p11.CKU_SO, '87654321');
    lib.C_InitPIN(session, pin);
    lib.C_Logout(session);
    lib.C_CloseSession(session);
    // Not finalised: the module is shared with the tokens already open.
    return { module: softHsm.module, pin, tokenLabel: label };
  }
  // We were first: leave the module as we found it, and let softhsm2-util write the token.
  lib.C_Finalize();
  lib.close();
  return softHsm.initToken(label, pin);
}

/**
 * Checks the parameters of oauth2/authorize (CSC v2 §8.3.2, RFC 7636 §4.3): scope service, or a credential
 * authorisation as scope=credential with credentialID, numSignatures, hashes (base64url, comma separated) and
 * hashAlgorithmOID, or as authorization_details of type "credential" (RFC 9396) with documentDigests. Throws
 * OAuthError for the redirect.
 */
function authorisationRequest(
  query: Record<string, string | undefined>,
  redirectUri: string,
  knownCredential: (id: string) => boolean,
  scal: '1' | '2',
): Authorisation {
  if (query.response_type !== 'code') throw new OAuthError(400, 'unsupported_response_type', 'response_type must be code');
  if (!query.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge) || query.code_challenge_method !== 'S256') {
    throw new OAuthError(400, 'invalid_request', 'PKCE with code_challenge_method S256 is required');
  }
  const base = { clientId: query.client_id!, redirectUri, state: query.state ?? '', codeChallenge: query.code_challenge };
  const details = query.authorization_details === undefined ? null : credentialDetails(query.authorization_details);
  if (!details && query.scope === 'service') return { ...base, scope: 'service' };
  if (!details && query.scope !== 'credential') throw new OAuthError(400, 'invalid_scope', 'scope must be service or credential');
  const credentialId = details?.credentialId ?? query.credentialID ?? '';
  if (!knownCredential(credentialId)) throw new OAuthError(400, 'invalid_request', 'Invalid parameter credentialID');
  const hashAlgorithmOid = details?.hashAlgorithmOid ?? query.hashAlgorithmOID ?? '';
  const hash = HASHES[hashAlgorithmOid];
  if (!hash) throw new OAuthError(400, 'invalid_request', 'Invalid parameter hashAlgorithmOID');
  const hashes = details?.hashes ?? (query.hashes ?? '').split(',').filter(Boolean).map((h) => (/^[A-Za-z0-9_-]+$/.test(h) ? Buffer.from(h, 'base64url') : null));
  const numSignatures = details ? hashes.length : Number(query.numSignatures);
  if (!Number.isInteger(numSignatures) || numSignatures < 1 || numSignatures > 100) throw new OAuthError(400, 'invalid_request', 'Invalid parameter numSignatures');
  if (hashes.some((h) => h === null || h.length !== hash.length)) throw new OAuthError(400, 'invalid_request', 'Invalid parameter hashes');
  // SCAL2 (CSC v2 §8.3.2): the authorisation is bound to every hash it may sign.
  if (scal === '2' && hashes.length !== numSignatures) throw new OAuthError(400, 'invalid_request', 'numSignatures does not match hashes');
  return { ...base, scope: 'credential', credentialId, hashAlgorithmOid, numSignatures, hashes: (hashes as Buffer[]).map((h) => h.toString('hex')) };
}

/** authorization_details = [{ type: "credential", credentialID, documentDigests: [{ hash, label }], hashAlgorithmOID }]. */
function credentialDetails(raw: string): { credentialId?: string; hashAlgorithmOid?: string; hashes: Array<Buffer | null> } {
  let details: unknown;
  try {
    details = raw.length <= 20_000 ? JSON.parse(raw) : null;
  } catch {
    details = null;
  }
  const [entry] = Array.isArray(details) && details.length === 1 ? (details as Array<Record<string, unknown>>) : [];
  const digests = entry?.documentDigests;
  if (entry?.type !== 'credential' || !Array.isArray(digests) || digests.length === 0 || digests.length > 100) {
    throw new OAuthError(400, 'invalid_authorization_details', 'authorization_details: one object of type credential with documentDigests');
  }
  // The hash of a documentDigest is base64; a base64url one is taken too.
  const hashes = digests.map((d: { hash?: unknown }) =>
    typeof d?.hash === 'string' ? strictBase64(d.hash) ?? (/^[A-Za-z0-9_-]+$/.test(d.hash) ? Buffer.from(d.hash, 'base64url') : null) : null,
  );
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { credentialId: text(entry.credentialID), hashAlgorithmOid: text(entry.hashAlgorithmOID), hashes };
}

/** The C_Sign request over a hash computed elsewhere (PKCS#11 v2.40 §2.3.6 CKM_ECDSA, §2.1.6 CKM_RSA_PKCS over DigestInfo). */
function signRequest(token: Pkcs11Token, kind: CscCredentialKind, hash: 'sha256' | 'sha384' | 'sha512', value: Buffer) {
  return kind === 'ecdsa-p256'
    ? { mechanism: { mechanism: token.p11.CKM_ECDSA }, input: value }
    : { mechanism: { mechanism: token.p11.CKM_RSA_PKCS }, input: digestInfo(hash, value) };
}

/** The QTSP chain, and one signer key per credential generated in the token with its certificate beside it. */
async function issueChain(token: Pkcs11Token, options: CscServerOptions) {
  const signer = options.signer ?? { given: 'An', surname: 'Janssens' };
  const signerName = `${signer.given} ${signer.surname}`;
  const now = Date.now();
  const years = (n: number) => new Date(now + n * 365 * 86_400_000);
  const qtsp = (cn: string): DistinguishedName => [
    { type: 'countryName', value: 'BE' },
    { type: 'organizationName', value: 'Test QTSP NV' },
    { type: 'commonName', value: cn },
  ];
  const rootKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const rootDer = await buildCertificate(
    { subject: qtsp('Test QTSP Root'), subjectPublicKey: rootKeys.publicKey, notBefore: new Date(now - 86_400_000), notAfter: years(20), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] },
    { key: createKeySigner(rootKeys.privateKey) },
  );
  const caDer = await buildCertificate(
    { subject: qtsp('Test QTSP Qualified CA'), subjectPublicKey: caKeys.publicKey, notBefore: new Date(now - 86_400_000), notAfter: years(10), ca: { pathLength: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] },
    { key: createKeySigner(rootKeys.privateKey), certificate: rootDer },
  );
  const subject: DistinguishedName = [
    { type: 'countryName', value: 'BE' },
    { type: 'surname', value: signer.surname },
    { type: 'givenName', value: signer.given },
    ...(signer.serialNumber ? [{ type: 'serialNumber' as const, value: signer.serialNumber }] : []),
    { type: 'commonName', value: signerName },
  ];
  const credentials: CscCredential[] = [];
  for (const kind of options.credentials ?? ['ecdsa-p256', 'rsa-2048']) {
    const label = `qes-${kind}`;
    const generated = await generateTokenKeyPair(token, label, KEY_SPEC[kind].spec);
    const leaf = await buildCertificate(
      {
        subject,
        subjectPublicKey: generated.publicKey,
        notBefore: new Date(now - 3_600_000),
        notAfter: years(2),
        keyUsage: ['nonRepudiation'],
        policies: [QCP_N_QSCD],
        ocspUrl: options.ocspUrl,
        caIssuersUrl: options.caIssuersUrl,
        crlUrls: options.crlUrl ? [options.crlUrl] : undefined,
        extraExtensions: [qcStatementsExtension(options.qcStatements)],
      },
      { key: createKeySigner(caKeys.privateKey), certificate: caDer },
    );
    await storeTokenCertificate(token, label, generated.id, leaf);
    credentials.push({ id: `cred-${kind}-${randomBytes(4).toString('hex')}`, kind, chain: [leaf, caDer, rootDer], label });
  }
  return {
    signerName,
    root: { der: rootDer, pem: toPem(rootDer), certificate: new X509Certificate(rootDer) },
    ca: { der: caDer, certificate: new X509Certificate(caDer), key: caKeys.privateKey },
    credentials,
  };
}

function consentPage(pendingId: string, provider: string, request: Authorisation, signerName: string, credential?: CscCredential): string {
  const what =
    request.scope === 'service'
      ? `<p>Een toepassing vraagt toegang tot uw handtekeningcertificaten bij ${escape(provider)}.</p>`
      : `<p>U plaatst <strong>${request.numSignatures}</strong> gekwalificeerde handtekening(en) als <strong>${escape(signerName)}</strong>` +
        ` met ${escape(credential?.kind === 'rsa-2048' ? 'uw RSA-sleutel' : 'uw sleutel')}.</p>`;
  return page(
    `${provider}: toestemming`,
    `${what}<form method="post" action="/oauth2/authorize/decision">` +
      `<input type="hidden" name="request" value="${escape(pendingId)}">` +
      '<button type="submit" name="decision" value="allow">Toestaan</button> ' +
      '<button type="submit" name="decision" value="deny">Weigeren</button></form>',
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function withQuery(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

function basicCredentials(req: Request): [string?, string?] {
  const match = /^Basic (\S+)$/.exec(req.get('authorization') ?? '');
  if (!match) return [];
  const [user, secret] = Buffer.from(match[1], 'base64').toString('utf8').split(':');
  return [decodeURIComponent(user ?? ''), decodeURIComponent(secret ?? '')];
}

function strictBase64(value: string): Buffer | null {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : null;
}

/** CSC v2 §11.5: validFrom/validTo as GeneralizedTime strings, YYYYMMDDHHMMSSZ. */
function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** A JSON endpoint: what `work` returns, an OAuthError as its JSON (RFC 6749 §5.2), anything else a 500. */
function endpoint(work: (req: Request) => unknown) {
  return async (req: Request, res: Response) => {
    try {
      res.json(await work(req));
    } catch (error) {
      if (error instanceof OAuthError) {
        if (error.status === 401) res.set('www-authenticate', `Bearer error="${error.error}"`);
        res.status(error.status).json({ error: error.error, error_description: error.message });
      } else {
        res.status(500).json({ error: 'server_error', error_description: error instanceof Error ? error.message : 'failure' });
      }
    }
  };
}
