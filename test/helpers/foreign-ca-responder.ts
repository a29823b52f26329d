/**
 * The OCSP responder (RFC 6960 Appendix A: POST and GET) and CRL distribution point of a CA that is not ours, on
 * 127.0.0.1, for tests of fetching revocation data: answers are built by our own src/keys/ocsp.ts and crl.ts,
 * signed by the CA's key. The CA may be set after start, since a certificate needs the URLs before it exists.
 *
 *   const responder = await startForeignCaResponder();
 *   const card = await createEidCard({ ..., ocspUrl: responder.ocspUrl, crlUrl: responder.crlUrl, caIssuersUrl: responder.caIssuersUrl });
 *   responder.setIssuer(card.citizenCaDer, card.citizenCaKey);
 */
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCrl, type CrlReason, type RevokedEntry } from '../../src/keys/crl.ts';
import { buildOcspResponse, ocspErrorResponse, type CertStatus } from '../../src/keys/ocsp.ts';
import { OcspMalformedError, ocspRequestFromGetPath, parseOcspRequest } from '../../src/keys/ocsp-request.ts';
import { createSigningKey } from '../../src/keys/signing-key.ts';
import type { SigningKey } from '../../src/keys/types.ts';

/** answer: normal; hang: accept and never answer; error: HTTP 500; garbage: 200 with bytes that are no DER. */
export type ResponderMode = 'answer' | 'hang' | 'error' | 'garbage';

export interface ForeignCaResponderOptions {
  issuerCert?: Buffer;
  issuerKey?: KeyObject;
  /** Serials revoked from the start: hex (as X509Certificate.serialNumber) or the INTEGER magnitude. */
  revoked?: ReadonlyArray<string | Buffer>;
  /** How long an OCSP response and a CRL may be cached. Default one hour. */
  validityMs?: number;
}

export interface ForeignCaResponder {
  url: string;
  ocspUrl: string;
  crlUrl: string;
  /** The issuer's certificate (AIA caIssuers). */
  caIssuersUrl: string;
  setIssuer(issuerCert: Buffer, issuerKey: KeyObject): void;
  revoke(serial: string | Buffer, options?: { at?: Date; reason?: CrlReason }): void;
  /** Per endpoint: 'ocsp' and 'crl' separately, or both. */
  setMode(mode: ResponderMode, endpoint?: 'ocsp' | 'crl'): void;
  /** Requests received, by endpoint. */
  readonly requests: { ocsp: number; crl: number; caIssuers: number };
  close(): Promise<void>;
}

const MAX_REQUEST = 64 * 1024;

function serialKey(serial: string | Buffer): string {
  const hex = (Buffer.isBuffer(serial) ? serial.toString('hex') : serial).toLowerCase().replace(/^(00)+(?=..)/, '');
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`Not a serial number: ${String(serial)}`);
  return hex.length % 2 ? `0${hex}` : hex;
}

export async function startForeignCaResponder(options: ForeignCaResponderOptions = {}): Promise<ForeignCaResponder> {
  let issuer: SigningKey | null = null;
  const revoked = new Map<string, RevokedEntry>();
  const modes = { ocsp: 'answer' as ResponderMode, crl: 'answer' as ResponderMode };
  const requests = { ocsp: 0, crl: 0, caIssuers: 0 };
  const validityMs = options.validityMs ?? 3_600_000;
  let crlNumber = 1n;
  const hanging = new Set<ServerResponse>();

  const revoke: ForeignCaResponder['revoke'] = (serial, { at = new Date(), reason } = {}) => {
    const key = serialKey(serial);
    revoked.set(key, { serialNumber: Buffer.from(key, 'hex'), revokedAt: at, reason });
  };
  for (const serial of options.revoked ?? []) revoke(serial);
  const setIssuer = (cert: Buffer, key: KeyObject) => {
    issuer = createSigningKey(key, [cert]);
  };
  if (options.issuerCert && options.issuerKey) setIssuer(options.issuerCert, options.issuerKey);

  const status = async (serial: Buffer): Promise<CertStatus> => {
    const entry = revoked.get(serialKey(serial));
    return entry ? { status: 'revoked', revokedAt: entry.revokedAt, reason: entry.reason } : { status: 'good' };
  };

  async function ocsp(request: IncomingMessage): Promise<Buffer> {
    if (!issuer) return ocspErrorResponse('tryLater');
    try {
      const der =
        request.method === 'POST' ? await body(request) : ocspRequestFromGetPath(request.url!.slice('/ocsp/'.length));
      return await buildOcspResponse({ responder: issuer, request: parseOcspRequest(der), status, now: new Date(), validityMs });
    } catch (error) {
      if (error instanceof OcspMalformedError) return ocspErrorResponse('malformedRequest');
      throw error;
    }
  }

  async function crl(): Promise<Buffer> {
    if (!issuer) throw new Error('no issuer set');
    const now = new Date();
    return buildCrl({ issuer, entries: [...revoked.values()], thisUpdate: now, nextUpdate: new Date(now.getTime() + validityMs), crlNumber: crlNumber++ });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    const endpoint = path === '/ocsp' || path.startsWith('/ocsp/') ? 'ocsp' : path === '/crl' ? 'crl' : path === '/ca.crt' ? 'caIssuers' : null;
    if (!endpoint) return void response.writeHead(404).end();
    requests[endpoint]++;
    if (endpoint === 'caIssuers') {
      if (!issuer) return void response.writeHead(503).end();
      return void response.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(issuer.certificates[0]);
    }
    const mode = modes[endpoint];
    if (mode === 'hang') return void hanging.add(response);
    if (mode === 'error') return void response.writeHead(500).end('internal error');
    if (mode === 'garbage') return void response.writeHead(200).end(Buffer.from('not DER at all'));
    const [type, der] = endpoint === 'ocsp' ? ['application/ocsp-response', await ocsp(request)] : ['application/pkix-crl', await crl()];
    response.writeHead(200, { 'content-type': type, 'content-length': der.length }).end(der);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    ocspUrl: `${url}/ocsp`,
    crlUrl: `${url}/crl`,
    caIssuersUrl: `${url}/ca.crt`,
    setIssuer,
    revoke,
    setMode(mode, endpoint) {
      for (const key of endpoint ? [endpoint] : (['ocsp', 'crl'] as const)) modes[key] = mode;
    },
    requests,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST) throw new OcspMalformedError('request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
