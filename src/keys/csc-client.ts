/**
 * A client of a remote qualified signing service that speaks the Cloud Signature Consortium API v2.0
 * (CSC API v2.0.0.2): service information (§11.1 info), OAuth 2.0 authorisation code flow with PKCE
 * (§8.3.2 oauth2/authorize with scope `service` or `credential`, §8.3.3 oauth2/token), the signer's
 * credentials (§11.4 credentials/list, §11.5 credentials/info) and signing of hashes we computed
 * (§11.10 signatures/signHash).
 *
 * Every call has a deadline and a bounded answer, and every failure is an AppError: `csc_unavailable`
 * (no answer in time: 503; a broken or 5xx answer: 502) or `csc_refused` (422, the provider said no:
 * its `error` code is kept in the problem's extensions, its `error_description` in the message).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { OID } from '../asn1/der.ts';
import type { CscProviderConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { HashAlgorithm, SignatureScheme } from './types.ts';
import { readBounded } from './http-body.ts';

export const CSC_LIMITS = {
  /** Default deadline of one request. */
  timeoutMs: 10_000,
  /** Largest answer read: a credential's chain is a few kB, a signHash answer of 100 hashes some 50 kB. */
  maxResponseBytes: 1024 * 1024,
  /** Certificates, credentials, hashes and signatures accepted in one answer or request. */
  maxItems: 100,
} as const;

export interface CscClientOptions {
  timeoutMs?: number;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
  maxResponseBytes?: number;
}

export interface CscServiceInfo {
  name: string;
  /** Base URI of the provider's OAuth 2.0 server: `{oauth2}/oauth2/authorize` and `{oauth2}/oauth2/token`. */
  oauth2: string;
  methods: string[];
}

export interface CscAuthorizeParams {
  scope: 'service' | 'credential';
  redirectUri: string;
  state: string;
  /** pkceChallenge(verifier): the method is always S256 (RFC 7636 §4.2). */
  codeChallenge: string;
  /** scope `credential` (CSC v2 §8.3.2, REQUIRED-"credential"): what the signer authorises, bound to these hashes (SCAL2). */
  credentialId?: string;
  numSignatures?: number;
  hashes?: readonly Buffer[];
  hashAlgorithmOid?: string;
  lang?: string;
}

export interface CscCredentialInfo {
  /** The signer's certificate first, then its issuers, DER. */
  certificates: Buffer[];
  /** key/algo: OIDs of the key and signature algorithms the credential allows. */
  keyAlgorithms: string[];
  keyLength?: number;
  /** Sole control assurance level (CSC v2 §11.5): "2" means a signature needs a credential authorisation bound to its hashes. */
  scal: '1' | '2';
  /** How many hashes one authorisation may cover. */
  multisign?: number;
}

export interface CscSignHashParams {
  credentialId: string;
  hashes: readonly Buffer[];
  hashAlgorithmOid: string;
  signAlgoOid: string;
  /** Signature activation data; not needed when the access token is the credential-scoped one (CSC v2 §11.10). */
  sad?: string;
}

export interface CscClient {
  readonly provider: CscProviderConfig;
  info(): Promise<CscServiceInfo>;
  authorizeUrl(params: CscAuthorizeParams): Promise<string>;
  exchangeCode(params: { code: string; redirectUri: string; codeVerifier: string }): Promise<{ accessToken: string; expiresIn?: number }>;
  listCredentials(accessToken: string): Promise<string[]>;
  credentialInfo(accessToken: string, credentialId: string): Promise<CscCredentialInfo>;
  /** One signature per hash, in the same order. ECDSA values as the provider sends them (usually DER). */
  signHash(accessToken: string, params: CscSignHashParams): Promise<Buffer[]>;
}

/** PKCE S256 (RFC 7636 §4.2): BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(verifier: string): string {
  // RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) throw new TypeError('A PKCE code verifier is 43 to 128 unreserved characters.');
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

const HASH_OID: Record<HashAlgorithm, string> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const ECDSA_OID: Record<HashAlgorithm, string> = { sha256: OID.ecdsaWithSha256, sha384: OID.ecdsaWithSha384, sha512: OID.ecdsaWithSha512 };
const RSA_OID: Record<HashAlgorithm, string> = { sha256: OID.sha256WithRSA, sha384: OID.sha384WithRSA, sha512: OID.sha512WithRSA };

/**
 * The signAlgo and hashAlgorithmOID of signatures/signHash for our scheme and hash. RSASSA-PSS would need
 * signAlgoParams (CSC v2 §11.10); we do not ask providers for it.
 */
export function cscSignAlgorithm(scheme: SignatureScheme, hash: HashAlgorithm): { signAlgoOid: string; hashAlgorithmOid: string } {
  if (scheme === 'rsa-pss') throw new TypeError('RSASSA-PSS is not requested from CSC providers.');
  return { signAlgoOid: (scheme === 'ecdsa' ? ECDSA_OID : RSA_OID)[hash], hashAlgorithmOid: HASH_OID[hash] };
}

const infoSchema = z.object({
  name: z.string().max(200),
  oauth2: z.string().max(2000),
  methods: z.array(z.string().max(100)).max(CSC_LIMITS.maxItems),
});
const tokenSchema = z.object({
  access_token: z.string().min(1).max(8192),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive().optional(),
});
const listSchema = z.object({ credentialIDs: z.array(z.string().min(1).max(1000)).max(CSC_LIMITS.maxItems) });
const infoCredentialSchema = z.object({
  key: z.object({
    status: z.string().optional(),
    algo: z.array(z.string().regex(/^\d+(\.\d+)+$/)).min(1).max(CSC_LIMITS.maxItems),
    len: z.number().int().positive().optional(),
  }),
  cert: z.object({
    status: z.string().optional(),
    certificates: z.array(z.string()).min(1).max(10),
  }),
  // CSC v2 §11.5: SCAL is OPTIONAL, "1" by default.
  SCAL: z.enum(['1', '2']).optional(),
  multisign: z.number().int().positive().optional(),
});
const signHashSchema = z.object({ signatures: z.array(z.string()).max(CSC_LIMITS.maxItems) });

export function createCscClient(provider: CscProviderConfig, options: CscClientOptions = {}): CscClient {
  const http = providerHttp(provider, options);
  const api = (method: string) => `${provider.baseUrl}/csc/v2/${method}`;
  let info: Promise<CscServiceInfo> | null = null;

  const loadInfo = async (): Promise<CscServiceInfo> => {
    const answer = parse(provider, 'info', infoSchema, await http.json(api('info'), {}));
    return { ...answer, oauth2: oauthBase(provider, answer.oauth2) };
  };

  const client: CscClient = {
    provider,
    info() {
      // The service's description does not change under us: asked once per client, again after a failure.
      info ??= loadInfo().catch((error: unknown) => {
        info = null;
        throw error;
      });
      return info;
    },

    async authorizeUrl(params) {
      const { oauth2 } = await client.info();
      const url = new URL(`${oauth2}/oauth2/authorize`);
      const query = url.searchParams;
      query.set('response_type', 'code');
      query.set('client_id', provider.clientId);
      query.set('redirect_uri', params.redirectUri);
      query.set('scope', params.scope);
      query.set('code_challenge', params.codeChallenge);
      query.set('code_challenge_method', 'S256');
      query.set('state', params.state);
      if (params.lang) query.set('lang', params.lang);
      if (params.scope === 'credential') {
        const hashes = params.hashes ?? [];
        if (!params.credentialId || !params.hashAlgorithmOid || hashes.length === 0 || hashes.length > CSC_LIMITS.maxItems) {
          throw new TypeError('A credential authorisation names the credential, the hash algorithm and 1 to 100 hashes.');
        }
        // CSC v2 §8.3.2: hashes are base64url and comma separated; numSignatures counts what may be signed.
        query.set('credentialID', params.credentialId);
        query.set('numSignatures', String(params.numSignatures ?? hashes.length));
        query.set('hashes', hashes.map((hash) => hash.toString('base64url')).join(','));
        query.set('hashAlgorithmOID', params.hashAlgorithmOid);
      }
      return url.toString();
    },

    async exchangeCode(params) {
      const { oauth2 } = await client.info();
      // RFC 6749 §4.1.3 with the client's credentials in the body (§2.3.1) and the PKCE verifier (RFC 7636 §4.5).
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.code,
        redirect_uri: params.redirectUri,
        code_verifier: params.codeVerifier,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      });
      const answer = parse(provider, 'oauth2/token', tokenSchema, await http.form(`${oauth2}/oauth2/token`, form));
      return { accessToken: answer.access_token, expiresIn: answer.expires_in };
    },

    async listCredentials(accessToken) {
      const answer = parse(provider, 'credentials/list', listSchema, await http.json(api('credentials/list'), {}, accessToken));
      return answer.credentialIDs;
    },

    async credentialInfo(accessToken, credentialId) {
      const body = { credentialID: credentialId, certificates: 'chain', certInfo: true };
      const answer = parse(provider, 'credentials/info', infoCredentialSchema, await http.json(api('credentials/info'), body, accessToken));
      const keyStatus = answer.key.status ?? 'enabled';
      const certStatus = answer.cert.status ?? 'valid';
      if (keyStatus !== 'enabled' || certStatus !== 'valid') {
        const why = keyStatus !== 'enabled' ? `its key is ${clean(keyStatus, 20)}` : `its certificate is ${clean(certStatus, 20)}`;
        throw refused(provider, 'credential_unusable', `The signing credential at ${provider.name} cannot sign: ${why}.`);
      }
      const certificates = answer.cert.certificates.map((value) => certificate(provider, value));
      return { certificates, keyAlgorithms: answer.key.algo, keyLength: answer.key.len, scal: answer.SCAL ?? '1', multisign: answer.multisign };
    },

    async signHash(accessToken, params) {
      if (params.hashes.length === 0 || params.hashes.length > CSC_LIMITS.maxItems) throw new TypeError('signHash takes 1 to 100 hashes.');
      const body = {
        credentialID: params.credentialId,
        ...(params.sad ? { SAD: params.sad } : {}),
        // Standard base64 here, unlike the base64url of the authorisation URL (CSC v2 §11.10 vs §8.3.2).
        hashes: params.hashes.map((hash) => hash.toString('base64')),
        hashAlgorithmOID: params.hashAlgorithmOid,
        signAlgo: params.signAlgoOid,
      };
      const answer = parse(provider, 'signatures/signHash', signHashSchema, await http.json(api('signatures/signHash'), body, accessToken));
      if (answer.signatures.length !== params.hashes.length) {
        throw unavailable(provider, 502, `${provider.name} returned ${answer.signatures.length} signatures for ${params.hashes.length} hashes.`);
      }
      return answer.signatures.map((value) => base64(provider, 'signatures/signHash', value));
    },
  };
  return client;
}

/** POSTs with a deadline and a bounded answer; provider errors become AppErrors. */
function providerHttp(provider: CscProviderConfig, options: CscClientOptions) {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? CSC_LIMITS.timeoutMs;
  const maxBytes = options.maxResponseBytes ?? CSC_LIMITS.maxResponseBytes;

  const post = async (url: string, body: string, contentType: string, accessToken?: string): Promise<unknown> => {
    const what = new URL(url).pathname;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string | null;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': contentType, accept: 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
        body,
        signal,
        // A CSC endpoint answers where it is asked; following a redirect would send the token elsewhere.
        redirect: 'error',
      });
      text = (await readBounded(response, maxBytes))?.toString('utf8') ?? null;
    } catch (cause) {
      // fetch reports a refused redirect as a network error ("unexpected redirect" in its cause): the provider answered, wrongly.
      if (/redirect/i.test(String((cause as { cause?: { message?: unknown } })?.cause?.message))) {
        throw unavailable(provider, 502, `${provider.name} answered ${what} with a redirect, which we do not follow.`, cause);
      }
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : 'no answer';
      throw unavailable(provider, 503, `The signing service ${provider.name} is not reachable (${what}: ${reason}).`, cause);
    }
    if (text === null) throw unavailable(provider, 502, `${provider.name} answered ${what} with more than ${maxBytes} bytes.`);
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) {
      if (json === undefined) throw unavailable(provider, 502, `${provider.name} answered ${what} with something that is not JSON.`);
      return json;
    }
    if (response.status >= 500 || response.status < 400) {
      throw unavailable(provider, 502, `The signing service ${provider.name} failed (${what}: HTTP ${response.status}).`);
    }
    // RFC 6749 §5.2 and CSC v2 §10.1: { error, error_description }.
    const error = json as { error?: unknown; error_description?: unknown } | undefined;
    const code = typeof error?.error === 'string' ? clean(error.error, 64) : `http_${response.status}`;
    const description = typeof error?.error_description === 'string' ? clean(error.error_description, 300) : '';
    throw refused(provider, code, `${provider.name} refused ${what}${description ? `: ${description}` : ` (${code})`}.`, response.status);
  };

  return {
    json: (url: string, body: unknown, accessToken?: string) => post(url, JSON.stringify(body), 'application/json', accessToken),
    form: (url: string, form: URLSearchParams) => post(url, form.toString(), 'application/x-www-form-urlencoded'),
  };
}

function parse<T>(provider: CscProviderConfig, what: string, schema: z.ZodType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw unavailable(provider, 502, `${provider.name} answered ${what} in an unexpected shape.`, undefined, `${issue?.path.join('.')}: ${issue?.message}`);
}

/** The OAuth base must be a URL, and https whenever the API is. */
function oauthBase(provider: CscProviderConfig, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw unavailable(provider, 502, `${provider.name} announced an OAuth server that is not a URL.`);
  }
  const allowed = provider.baseUrl.startsWith('https:') ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol) || url.username || url.password) {
    throw unavailable(provider, 502, `${provider.name} announced an OAuth server we do not use: ${url.origin}.`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Strict base64 (RFC 4648 §4): Buffer.from would skip what is not base64 and hand back other bytes. */
function base64(provider: CscProviderConfig, what: string, value: string): Buffer {
  if (value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw unavailable(provider, 502, `${provider.name} answered ${what} with a value that is not base64.`);
  }
  return Buffer.from(value, 'base64');
}

function certificate(provider: CscProviderConfig, value: string): Buffer {
  const der = base64(provider, 'credentials/info', value);
  try {
    new X509Certificate(der);
  } catch (cause) {
    throw unavailable(provider, 502, `${provider.name} answered credentials/info with a certificate we cannot read.`, cause);
  }
  return der;
}

/** Provider text goes into a public message: printable characters only, and not too much of them. */
function clean(text: string, max: number): string {
  const printable = text.replace(/[^\x20-\x7e\u00a0-\u024f]/g, ' ').trim();
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

function unavailable(provider: CscProviderConfig, status: 502 | 503, message: string, cause?: unknown, detail?: string): AppError {
  return new AppError('csc_unavailable', status, message, {
    cause,
    detail: detail ?? (cause instanceof Error ? cause.message : undefined),
    extensions: { provider: provider.id },
  });
}

function refused(provider: CscProviderConfig, error: string, message: string, providerStatus?: number): AppError {
  return new AppError('csc_refused', 422, message, { extensions: { provider: provider.id, providerError: error }, detail: providerStatus ? `HTTP ${providerStatus}` : undefined });
}
