/**
 * createHttpTimeStamper against local HTTP servers on 127.0.0.1: one answering with our built-in TSA,
 * one that is down (connection refused), one that is slow (timeout), and ones that answer garbage, an
 * error status, a rejection, a token for another imprint, a token without our nonce, or a token signed
 * by a certificate that is not a TSA's. Good tokens are checked by `openssl ts -verify`.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { child, octets, readBer } from '../../../src/asn1/ber.ts';
import { OID } from '../../../src/asn1/der.ts';
import { AppError, TimestampError } from '../../../src/errors.ts';
import { buildEncapsulatedSignedData } from '../../../src/pades/cms-build.ts';
import { createHttpTimeStamper } from '../../../src/pades/timestamp-client.ts';
import { encodeTimeStampReq, grantedResponse, parseTimeStampReq, rejectionResponse, parseTimeStampResp } from '../../../src/pades/timestamp-protocol.ts';
import type { BuiltInTsa } from '../../../src/pades/tsa.ts';
import { localKey, pki } from '../../helpers/openssl-pki.ts';
import { opensslTsVerify, testBuiltInTsa, testTsa } from '../../helpers/test-tsa.ts';

type Handler = (body: Buffer, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Local {
  url: string;
  hits: number;
  contentTypes: string[];
  server: Server;
}

const servers: Server[] = [];

async function serve(handler: Handler): Promise<Local> {
  const local: Local = { url: '', hits: 0, contentTypes: [], server: createServer() };
  local.server.on('request', (req, res) => {
    local.hits++;
    local.contentTypes.push(req.headers['content-type'] ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve(handler(Buffer.concat(chunks), req, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => local.server.listen(0, '127.0.0.1', resolve));
  servers.push(local.server);
  local.url = `http://127.0.0.1:${(local.server.address() as AddressInfo).port}/tsa`;
  return local;
}

function reply(res: ServerResponse, body: Buffer, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/timestamp-reply', 'content-length': body.length });
  res.end(body);
}

/** A URL on which nothing listens: a port that was just free. */
async function downUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/tsa`;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).to.be.instanceOf(TimestampError);
  return error as AppError;
}

describe('pades/timestamp-client: createHttpTimeStamper', () => {
  let tsa: BuiltInTsa;
  let good: Local;
  const digest = createHash('sha256').update('council decision').digest();

  before(async () => {
    testTsa();
    tsa = testBuiltInTsa();
    good = await serve(async (body, _req, res) => reply(res, await tsa.respond(body)));
  });

  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('gets a token from the TSA that openssl ts -verify accepts, posting application/timestamp-query', async () => {
    const before = good.hits;
    const token = await createHttpTimeStamper({ urls: [good.url], timeoutMs: 5000 }).timestamp(digest, 'sha256');
    expect(good.hits).to.equal(before + 1);
    expect(good.contentTypes.at(-1)).to.equal('application/timestamp-query');
    expect(opensslTsVerify({ token, digest }).ok).to.equal(true);
  });

  it('sends a nonce and certReq, and works for SHA-512 too', async () => {
    let seen: ReturnType<typeof parseTimeStampReq> | null = null;
    const spy = await serve(async (body, _req, res) => {
      seen = parseTimeStampReq(body);
      reply(res, await tsa.respond(body));
    });
    const digest512 = createHash('sha512').update('x').digest();
    const token = await createHttpTimeStamper({ urls: [spy.url], timeoutMs: 5000 }).timestamp(digest512, 'sha512');
    expect(seen).to.have.property('request');
    const request = (seen as unknown as { request: { nonce: Buffer | null; certReq: boolean; hash: string } }).request;
    expect(request.nonce).to.not.equal(null);
    expect(request.certReq).to.equal(true);
    expect(request.hash).to.equal('sha512');
    expect(opensslTsVerify({ token, digest: digest512 }).ok).to.equal(true);
  });

  it('skips a TSA that is down (connection refused) and uses the next one', async () => {
    const token = await createHttpTimeStamper({ urls: [await downUrl(), good.url], timeoutMs: 5000 }).timestamp(digest, 'sha256');
    expect(opensslTsVerify({ token, digest }).ok).to.equal(true);
  });

  it('gives up on a slow TSA after timeoutMs and uses the next one', async () => {
    const slow = await serve(async (body, _req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      if (!res.destroyed) reply(res, await tsa.respond(body));
    });
    const started = Date.now();
    const token = await createHttpTimeStamper({ urls: [slow.url, good.url], timeoutMs: 300 }).timestamp(digest, 'sha256');
    expect(Date.now() - started).to.be.below(3000);
    expect(slow.hits).to.equal(1);
    expect(opensslTsVerify({ token, digest }).ok).to.equal(true);
  });

  it('tries the URLs in order and stops at the first good token', async () => {
    const second = await serve(async (body, _req, res) => reply(res, await tsa.respond(body)));
    await createHttpTimeStamper({ urls: [good.url, second.url], timeoutMs: 5000 }).timestamp(digest, 'sha256');
    expect(second.hits).to.equal(0);
  });

  describe('bad answers are not used', () => {
    const otherDigest = createHash('sha256').update('another document').digest();
    const bad: { title: string; detail: RegExp; handler: () => Handler }[] = [
      { title: 'garbage', detail: /not a TimeStampResp/, handler: () => (_body, _req, res) => reply(res, Buffer.from('<html>oops</html>')) },
      { title: 'HTTP 500', detail: /HTTP 500/, handler: () => (_body, _req, res) => reply(res, Buffer.alloc(0), 500) },
      {
        title: 'a rejection',
        detail: /status 2 \(timeNotAvailable, clock not synchronised\)/,
        handler: () => (_body, _req, res) => reply(res, rejectionResponse('timeNotAvailable', 'clock not synchronised')),
      },
      {
        title: 'a token for another imprint',
        detail: /another message imprint/,
        handler: () => async (body, _req, res) => {
          const request = parseTimeStampReq(body);
          if (!('request' in request)) throw new Error('bad request');
          const nonce = request.request.nonce ? readBer(request.request.nonce).content : undefined;
          reply(res, await tsa.respond(encodeTimeStampReq({ digest: otherDigest, hash: 'sha256', nonce, certReq: true })));
        },
      },
      {
        title: 'a token without our nonce (a replayed answer)',
        detail: /nonce/,
        handler: () => async (_body, _req, res) => reply(res, await tsa.respond(encodeTimeStampReq({ digest, hash: 'sha256', certReq: true }))),
      },
      {
        title: 'a token signed by a certificate that is not a TSA certificate',
        detail: /not a TSA certificate/,
        handler: () => async (body, _req, res) => {
          const real = parseTimeStampResp(await tsa.respond(body)).token!;
          const signedData = child(child(readBer(real), 1, 0xa0), 0, 0x30);
          const info = octets(child(child(child(signedData, 2, 0x30), 1, 0xa0), 0));
          const p = pki();
          const key = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
          reply(res, grantedResponse(await buildEncapsulatedSignedData({ key, contentType: OID.tstInfo, content: info, includeCertificates: true })));
        },
      },
      {
        title: 'a token whose signature does not verify',
        detail: /signature is not valid/,
        handler: () => async (body, _req, res) => {
          const response = Buffer.from(await tsa.respond(body));
          response[response.length - 5] ^= 0x01; // inside the RSA signature value, the last field
          reply(res, response);
        },
      },
    ];

    for (const c of bad) {
      it(`${c.title} → TimestampError (503) naming the URL, or the next TSA`, async () => {
        const server = await serve(c.handler());
        const error = await failure(createHttpTimeStamper({ urls: [server.url], timeoutMs: 5000 }).timestamp(digest, 'sha256'));
        expect(error).to.include({ code: 'timestamp_unavailable', status: 503, expose: false });
        expect(error.message).to.match(/try again in a few minutes/);
        expect(error.detail).to.include(server.url).and.match(c.detail);
        const token = await createHttpTimeStamper({ urls: [server.url, good.url], timeoutMs: 5000 }).timestamp(digest, 'sha256');
        expect(opensslTsVerify({ token, digest }).ok).to.equal(true);
      });
    }
  });

  it('when every TSA fails: TimestampError whose detail names each of them and why', async () => {
    const down = await downUrl();
    const slow = await serve(() => undefined); // never answers
    const error = await failure(createHttpTimeStamper({ urls: [down, slow.url], timeoutMs: 300 }).timestamp(digest, 'sha256'));
    expect(error.detail).to.include(`${down}: fetch failed (ECONNREFUSED)`);
    expect(error.detail).to.include(`${slow.url}: no answer within the timeout`);
  });

  it('refuses a token whose genTime is far from the local clock (RFC 3161 §2.4.2), within accuracy + skew it is fine', async () => {
    const ahead = () => new Date(Date.now() + 3_600_000);
    const error = await failure(createHttpTimeStamper({ urls: [good.url], timeoutMs: 5000, clock: ahead }).timestamp(digest, 'sha256'));
    expect(error.detail).to.match(/genTime .* s from the local clock/);
    const slightly = () => new Date(Date.now() + 60_000);
    const token = await createHttpTimeStamper({ urls: [good.url], timeoutMs: 5000, clock: slightly }).timestamp(digest, 'sha256');
    expect(opensslTsVerify({ token, digest }).ok).to.equal(true);
    const strict = createHttpTimeStamper({ urls: [good.url], timeoutMs: 5000, clock: slightly, maxClockSkewMs: 1000 });
    await failure(strict.timestamp(digest, 'sha256'));
  });

  it('does not follow a redirect: the TSA URL is configured exactly', async () => {
    const redirecting = await serve((_body, _req, res) => {
      res.writeHead(307, { location: good.url }).end();
    });
    const error = await failure(createHttpTimeStamper({ urls: [redirecting.url], timeoutMs: 5000 }).timestamp(digest, 'sha256'));
    expect(error.detail).to.include(redirecting.url).and.match(/redirect/i);
  });

  it('uses an injected fetch and refuses URLs that are not http(s)', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      calls.push(String(input));
      const body = Buffer.from(init!.body as Uint8Array);
      return new Response(new Uint8Array(await tsa.respond(body)), { status: 200 });
    };
    const token = await createHttpTimeStamper({ urls: ['https://tsa.example/'], timeoutMs: 1000, fetch: fakeFetch }).timestamp(digest, 'sha256');
    expect(calls).to.deep.equal(['https://tsa.example/']);
    expect(opensslTsVerify({ token, digest }).ok).to.equal(true);
    expect(() => createHttpTimeStamper({ urls: ['file:///etc/passwd'], timeoutMs: 1000 })).to.throw(/http/);
    expect(() => createHttpTimeStamper({ urls: [], timeoutMs: 1000 })).to.throw(/at least one/);
  });

  it('a random digest is never confused with another request (fresh nonces)', async () => {
    const stamper = createHttpTimeStamper({ urls: [good.url], timeoutMs: 5000 });
    const digests = [randomBytes(32), randomBytes(32)];
    const tokens = await Promise.all(digests.map((d) => stamper.timestamp(d, 'sha256')));
    tokens.forEach((token, i) => expect(opensslTsVerify({ token, digest: digests[i] }).ok).to.equal(true));
  });
});
