/**
 * Fetching revocation data for CAs that are not ours: a Belgian-eID-shaped chain (node keys, no token needed) whose
 * citizen CA answers through the foreign CA responder over HTTP. Each answer is judged by RevocationEvidence, what
 * validation uses, so "good" and "revoked" here are what a report would say.
 */
import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { combineRevocationSources } from '../../../src/keys/combined-revocation-source.ts';
import { createRemoteRevocationSource, REMOTE_REVOCATION_LIMITS } from '../../../src/keys/remote-revocation-source.ts';
import type { RevocationData, RevocationSource } from '../../../src/keys/types.ts';
import { RevocationEvidence, statusAt } from '../../../src/pades/revocation-check.ts';
import { AppError } from '../../../src/errors.ts';
import { buildEidChain, type EidChain, type EidChainOptions } from '../../helpers/eid-card.ts';
import { startForeignCaResponder, type ForeignCaResponder } from '../../helpers/foreign-ca-responder.ts';

const signatureKey = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const NAME = { given: 'An', surname: 'Claes' };

async function chainFor(urls: Partial<EidChainOptions> = {}): Promise<{ leaf: X509Certificate; issuer: X509Certificate; chain: EidChain }> {
  const chain = await buildEidChain({ subjectPublicKey: signatureKey.publicKey, name: NAME, ...urls });
  return { leaf: new X509Certificate(chain.signatureCertDer), issuer: new X509Certificate(chain.citizenCaDer), chain };
}

function statusIn(data: RevocationData | null, leaf: X509Certificate, issuer: X509Certificate): string {
  if (!data) return 'no data';
  return statusAt(new RevocationEvidence(data, 'live').findings(leaf, issuer), new Date()).status;
}

async function expectUnavailable(promise: Promise<unknown>, detail: RegExp): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).to.be.instanceOf(AppError);
  expect((error as AppError).code).to.equal('revocation_unavailable');
  expect((error as AppError).status).to.equal(503);
  expect((error as AppError).detail).to.match(detail);
  return error as AppError;
}

describe('keys/remote-revocation-source', function () {
  this.timeout(30_000);
  let responder: ForeignCaResponder;
  let leaf: X509Certificate;
  let issuer: X509Certificate;
  let chain: EidChain;

  before(async () => {
    responder = await startForeignCaResponder();
    ({ leaf, issuer, chain } = await chainFor({ ocspUrl: responder.ocspUrl, crlUrl: responder.crlUrl, caIssuersUrl: responder.caIssuersUrl }));
    responder.setIssuer(chain.citizenCaDer, chain.citizenCaKey);
  });
  afterEach(() => responder.setMode('answer'));
  after(() => responder.close());

  it('asks the OCSP responder of the AIA and returns its verified answer: good, then revoked', async () => {
    const source = createRemoteRevocationSource({ timeoutMs: 5_000 });
    const before = { ...responder.requests };
    const good = await source.revocationData(leaf, issuer);
    expect(good?.ocsps).to.have.length(1);
    expect(good?.crls).to.have.length(0);
    expect(statusIn(good, leaf, issuer)).to.equal('good');
    expect(responder.requests.ocsp).to.equal(before.ocsp + 1);
    expect(responder.requests.crl).to.equal(before.crl); // no CRL download when OCSP answers

    const { leaf: other } = await chainFor();
    responder.revoke(leaf.serialNumber, { reason: 'keyCompromise' });
    const revoked = await source.revocationData(leaf, issuer);
    expect(statusIn(revoked, leaf, issuer)).to.equal('revoked');
    expect(new RevocationEvidence(revoked!, 'live').findings(leaf, issuer)[0]).to.include({ source: 'ocsp', reason: 'keyCompromise' });
    expect(other.serialNumber).to.not.equal(leaf.serialNumber);
  });

  it('falls back to the CRL of the CRLDP when the OCSP responder fails, and checks the CRL', async () => {
    const fresh = await chainFor({ ocspUrl: responder.ocspUrl, crlUrl: responder.crlUrl });
    // Not the responder's CA yet: its CRL is signed by another CA, so it must not count.
    responder.setMode('error', 'ocsp');
    const source = createRemoteRevocationSource({ timeoutMs: 5_000 });
    await expectUnavailable(source.revocationData(fresh.leaf, fresh.issuer), /OCSP .*HTTP 500.*CRL .*no verifiable statement/);

    const revoked = await source.revocationData(leaf, issuer);
    expect(revoked?.ocsps).to.have.length(0);
    expect(revoked?.crls).to.have.length(1);
    expect(statusIn(revoked, leaf, issuer)).to.equal('revoked'); // revoked in the previous test, listed in the CRL
  });

  it('refuses an OCSP response of another CA: the CertID is not for this issuer', async () => {
    const stranger = await chainFor({ ocspUrl: responder.ocspUrl });
    const source = createRemoteRevocationSource({ timeoutMs: 5_000 });
    await expectUnavailable(source.revocationData(stranger.leaf, stranger.issuer), /no verifiable statement|does not know/);
  });

  it('gives up after the timeout when the responder hangs', async () => {
    responder.setMode('hang');
    const source = createRemoteRevocationSource({ timeoutMs: 300 });
    const started = Date.now();
    await expectUnavailable(source.revocationData(leaf, issuer), /OCSP .*no answer within the timeout.*CRL .*no answer within the timeout/);
    expect(Date.now() - started).to.be.below(3_000);
  });

  it('refuses answers that are not DER', async () => {
    responder.setMode('garbage');
    const source = createRemoteRevocationSource({ timeoutMs: 5_000 });
    await expectUnavailable(source.revocationData(leaf, issuer), /no verifiable statement/);
  });

  it('refuses an OCSP response produced in the future', async () => {
    const source = createRemoteRevocationSource({ timeoutMs: 5_000, clock: () => new Date(Date.now() - 3_600_000) });
    responder.setMode('error', 'crl');
    await expectUnavailable(source.revocationData(leaf, issuer), /produced in the future/);
  });

  it('refuses answers past their nextUpdate, OCSP and CRL alike', async () => {
    // The responder's answers are valid for an hour: two hours on, neither may be relied on.
    const source = createRemoteRevocationSource({ timeoutMs: 5_000, clock: () => new Date(Date.now() + 2 * 3_600_000) });
    await expectUnavailable(source.revocationData(leaf, issuer), /OCSP .*out of date: nextUpdate .* has passed.*CRL .*out of date/);
  });

  it('refuses an OCSP response that echoes another nonce: a replayed answer', async () => {
    let captured: Buffer | null = null;
    const recording = (async (url: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(url, init);
      captured ??= Buffer.from(await response.clone().arrayBuffer());
      return response;
    }) as typeof fetch;
    expect(statusIn(await createRemoteRevocationSource({ timeoutMs: 5_000, fetch: recording }).revocationData(leaf, issuer), leaf, issuer)).to.equal('revoked');
    // A genuine, fresh, correctly signed answer, but to an earlier request.
    const replaying = (async () => new Response(new Uint8Array(captured!), { status: 200 })) as typeof fetch;
    const source = createRemoteRevocationSource({ timeoutMs: 5_000, fetch: replaying });
    await expectUnavailable(source.revocationData(leaf, issuer), /OCSP .*the nonce is not the one sent/);
  });

  it('returns null for a certificate that names no http(s) URL, or when the issuer did not sign it', async () => {
    const source = createRemoteRevocationSource({ timeoutMs: 5_000, fetch: () => Promise.reject(new Error('must not fetch')) });
    const none = await chainFor();
    expect(await source.revocationData(none.leaf, none.issuer)).to.equal(null);
    const ldap = await chainFor({ ocspUrl: 'ldap://ocsp.example/', crlUrl: 'ftp://crl.example/ca.crl' });
    expect(await source.revocationData(ldap.leaf, ldap.issuer)).to.equal(null);
    expect(await source.revocationData(leaf, none.issuer)).to.equal(null);
  });

  it('bounds the size of an answer, declared or streamed, and follows no redirect', async () => {
    const seen: RequestInit[] = [];
    const huge = (declared: boolean) => (async (_url: string | URL | Request, init?: RequestInit) => {
      seen.push(init!);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new Uint8Array(64 * 1024));
        },
      });
      const headers: Record<string, string> = declared ? { 'content-length': String(50 * 1024 * 1024) } : {};
      return new Response(body, { status: 200, headers });
    }) as typeof fetch;
    for (const declared of [true, false]) {
      const source = createRemoteRevocationSource({ timeoutMs: 5_000, fetch: huge(declared), maxBytes: { ocsp: 1024, crl: 4096 } });
      await expectUnavailable(source.revocationData(leaf, issuer), declared ? /larger than 1024.*larger than 4096/ : /answer larger than 1024 bytes.*answer larger than 4096 bytes/);
    }
    expect(seen.every((init) => init.redirect === 'error' && init.signal instanceof AbortSignal)).to.equal(true);
    expect(seen[0]).to.include({ method: 'POST' });
    expect(REMOTE_REVOCATION_LIMITS).to.include({ ocspBytes: 1024 * 1024, crlBytes: 10 * 1024 * 1024 });
  });

  describe('combineRevocationSources', () => {
    const answer = (data: RevocationData | null, calls: string[], name: string): RevocationSource => ({
      async revocationData() {
        calls.push(name);
        return data;
      },
    });
    const data = { ocsps: [Buffer.from('own')], crls: [] };

    it('takes the first source that knows the issuer, our own before the remote one', async () => {
      const calls: string[] = [];
      const combined = combineRevocationSources(answer(data, calls, 'own'), answer({ ocsps: [], crls: [] }, calls, 'remote'));
      expect(await combined.revocationData(leaf, issuer)).to.equal(data);
      expect(calls).to.deep.equal(['own']);
      const fallThrough = combineRevocationSources(answer(null, calls, 'own'), createRemoteRevocationSource({ timeoutMs: 5_000 }));
      expect(statusIn(await fallThrough.revocationData(leaf, issuer), leaf, issuer)).to.equal('revoked');
      expect(await combineRevocationSources(answer(null, [], 'a'), answer(null, [], 'b')).revocationData(leaf, issuer)).to.equal(null);
    });

    it('passes a failure on rather than asking the next source', async () => {
      const calls: string[] = [];
      const failing: RevocationSource = { revocationData: () => Promise.reject(new AppError('revocation_unavailable', 503, 'down')) };
      const combined = combineRevocationSources(failing, answer(data, calls, 'next'));
      const error = await combined.revocationData(leaf, issuer).catch((caught: unknown) => caught);
      expect((error as AppError).code).to.equal('revocation_unavailable');
      expect(calls).to.deep.equal([]);
    });
  });
});
