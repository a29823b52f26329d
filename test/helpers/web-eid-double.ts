/**
 * A Playwright test double of the Web eID browser extension (web-eid.eu) for the qualified signer
 * pages (issue 13). The real extension puts a content script into every page that listens to
 * window messages `{ action: 'web-eid:<command>', libraryVersion, … }`, answers `<action>-ack` at
 * once, asks its native app (which talks PC/SC to the card and shows the PIN dialog), then posts
 * `<action>-success` with the result or `<action>-failure` with `{ error: { code, message } }`.
 *
 * This double is that content script as an init script in the page's own window, and the native
 * app as a binding into node, where the test's eID card (test/helpers/eid-card.ts: a SoftHSM2
 * token, through PKCS#11) signs. It speaks the same messages, so the page's web-eid.js cannot tell
 * the difference; what it checks is what the native app checks (a known command, a supported
 * library version, the certificate of this card, a hash as long as its hash function says).
 *
 * `card: null` is a browser without the extension: requests are seen (and recorded) but nobody
 * answers, not even the ack. `cancel: true` is a signer who closes the PIN dialog.
 */
import type { Page } from 'playwright-core';
import type { HashAlgorithm } from '../../src/keys/types.ts';
import type { EidCard } from './eid-card.ts';

export interface WebEidDoubleOptions {
  card: EidCard | null;
  /** The signer presses "Cancel" in the dialog: `get-signing-certificate` fails with ERR_WEBEID_USER_CANCELLED. */
  cancel?: boolean;
  /**
   * What the native app answers instead of a result, for one command: a blocked PIN, a card pulled out,
   * an app that is missing or too old. Read at each request, so a test may change it between clicks.
   */
  failure?: { on: 'get-signing-certificate' | 'sign'; code: string; message: string } | null;
  /** Runs while the PIN dialog is open, before the card signs (e.g. to look at the page in that state). */
  beforeSign?: (request: WebEidRequest) => Promise<void>;
}

export interface WebEidRequest {
  action: string;
  libraryVersion?: string;
  hash?: string;
  hashFunction?: string;
  certificate?: string;
}

export interface WebEidDouble {
  /** Every request the page posted, in order (also when no extension answers). */
  readonly requests: WebEidRequest[];
  /** How many times the card signed (one PIN entry each). */
  readonly signatures: number;
}

const BINDING = '__paraafWebEidDouble';
const HASHES: Record<string, { name: HashAlgorithm; length: number }> = {
  'SHA-256': { name: 'sha256', length: 32 },
  'SHA-384': { name: 'sha384', length: 48 },
  'SHA-512': { name: 'sha512', length: 64 },
};

type Answer = { ok: true; result: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

/** What the native app answers, for a card in the reader. */
async function nativeApp(card: EidCard, options: WebEidDoubleOptions, request: WebEidRequest, counts: { signatures: number }): Promise<Answer> {
  const refuse = (code: string, message: string): Answer => ({ ok: false, error: { code, message } });
  if (!/^2\.\d+\.\d+/.test(request.libraryVersion ?? '')) return refuse('ERR_WEBEID_VERSION_MISMATCH', `library version ${request.libraryVersion} is not supported`);
  if (options.failure && request.action === `web-eid:${options.failure.on}`) return refuse(options.failure.code, options.failure.message);
  const certificate = card.signatureCertDer.toString('base64');
  const algorithms = Object.keys(HASHES).map((hashFunction) =>
    card.variant === 'ecdsa-p384' ? { cryptoAlgorithm: 'ECC', hashFunction, paddingScheme: 'NONE' } : { cryptoAlgorithm: 'RSA', hashFunction, paddingScheme: 'PKCS1.5' },
  );
  switch (request.action) {
    case 'web-eid:status':
      return { ok: true, result: { library: request.libraryVersion, extension: '2.6.0', nativeApp: '2.6.0' } };
    case 'web-eid:get-signing-certificate':
      if (options.cancel) return refuse('ERR_WEBEID_USER_CANCELLED', 'User cancelled');
      return { ok: true, result: { certificate, supportedSignatureAlgorithms: algorithms } };
    case 'web-eid:sign': {
      if (options.cancel) return refuse('ERR_WEBEID_USER_CANCELLED', 'User cancelled');
      const hash = HASHES[request.hashFunction ?? ''];
      if (!hash) return refuse('ERR_WEBEID_NATIVE_INVALID_ARGUMENT', `unsupported hash function ${request.hashFunction}`);
      if (request.certificate !== certificate) return refuse('ERR_WEBEID_NATIVE_INVALID_ARGUMENT', 'the certificate is not the one on the card');
      const digest = Buffer.from(request.hash ?? '', 'base64');
      if (digest.length !== hash.length) return refuse('ERR_WEBEID_NATIVE_INVALID_ARGUMENT', `a ${request.hashFunction} hash has ${hash.length} bytes, not ${digest.length}`);
      await options.beforeSign?.(request);
      const signature = await card.signHash(digest, hash.name);
      counts.signatures += 1;
      const signatureAlgorithm = algorithms.find((a) => a.hashFunction === request.hashFunction);
      return { ok: true, result: { signature: signature.toString('base64'), signatureAlgorithm } };
    }
    default:
      return refuse('ERR_WEBEID_NATIVE_INVALID_ARGUMENT', `unknown command ${request.action}`);
  }
}

/** The content script, run in the page before its own scripts (serialised by Playwright: no closures). */
function contentScript(args: { binding: string; installed: boolean }): void {
  const commands = /^web-eid:(status|authenticate|get-signing-certificate|sign)$/;
  window.addEventListener('message', (event) => {
    if (event.source !== window || event.origin !== window.location.origin) return;
    const data = event.data as { action?: unknown } | null;
    if (typeof data?.action !== 'string' || !commands.test(data.action)) return;
    const action = data.action;
    const call = (window as unknown as Record<string, (request: unknown, installed: boolean) => Promise<{ ok: boolean; result?: object; error?: object }>>)[args.binding]!;
    const answer = call(data, args.installed);
    if (!args.installed) return;
    window.postMessage({ action: `${action}-ack` }, window.location.origin);
    void answer.then((reply) =>
      window.postMessage(reply.ok ? { action: `${action}-success`, ...reply.result } : { action: `${action}-failure`, error: reply.error }, window.location.origin),
    );
  });
}

export async function installWebEidDouble(page: Page, options: WebEidDoubleOptions): Promise<WebEidDouble> {
  const requests: WebEidRequest[] = [];
  const counts = { signatures: 0 };
  await page.exposeBinding(BINDING, async (_source, request: WebEidRequest, installed: boolean): Promise<Answer | null> => {
    requests.push({ action: request.action, libraryVersion: request.libraryVersion, hash: request.hash, hashFunction: request.hashFunction, certificate: request.certificate });
    if (!installed || !options.card) return null;
    try {
      return await nativeApp(options.card, options, request, counts);
    } catch (error) {
      return { ok: false, error: { code: 'ERR_WEBEID_NATIVE_FATAL', message: error instanceof Error ? error.message : String(error) } };
    }
  });
  await page.addInitScript(contentScript, { binding: BINDING, installed: options.card !== null });
  return {
    requests,
    get signatures() {
      return counts.signatures;
    },
  };
}
