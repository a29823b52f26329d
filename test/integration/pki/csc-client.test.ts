/**
 * The CSC API v2 client (src/keys/csc-client.ts) against the test QTSP (test/helpers/csc-server.ts) over real HTTP:
 * the whole remote-signing flow (service authorisation, credentials, credential authorisation bound to hashes,
 * signHash) with signatures checked by node and by `openssl pkeyutl`, the chain by `openssl verify`, the keys by
 * pkcs11-tool; and the refusals: wrong PKCE, replayed code, hash not authorised, hash signed twice, service token at
 * signHash, consent denied; an outage and a hanging provider are csc_unavailable.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, verify, X509Certificate, constants } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { OID } from '../../../src/asn1/der.ts';
import { AppError } from '../../../src/errors.ts';
import { createCscClient, cscSignAlgorithm, pkceChallenge, type CscClient } from '../../../src/keys/csc-client.ts';
import { toPem } from '../../../src/keys/pki-files.ts';
import { completeDeferredSignature, externalSignerFromCertificates, prepareDeferredSignature } from '../../../src/pades/index.ts';
import { readQcStatements } from '../../../src/pades/qc-statements.ts';
import { classifyCertificate } from '../../../src/pades/qualification.ts';
import { parseTrustList } from '../../../src/pades/trust-list.ts';
import { startCscServer, type CscTestServer } from '../../helpers/csc-server.ts';
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.ts';
import { testBuiltInTsa } from '../../helpers/test-tsa.ts';
import { trustListXml } from '../../helpers/trust-list-xml.ts';
import { opensslCmsVerify, pdfsig, qpdfCheck } from '../../helpers/validators.ts';
import { FIXTURES } from '../engine/pki.ts';

const REDIRECT = 'https://paraaf.test/s/csc/callback';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

/** Follows the provider's answer to an authorisation request back to our redirect URI: its query. */
async function redirectBack(url: string, init?: RequestInit): Promise<URLSearchParams> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  expect(response.status, await response.clone().text()).to.equal(302);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).to.equal(REDIRECT);
  return location.searchParams;
}

describe('CSC API v2 client against the test QTSP', function () {
  this.timeout(120_000);
  let softHsm: SoftHsm;
  let server: CscTestServer;
  let client: CscClient;
  let tokenLabel: string;
  let dir: string;
  const verifier = randomBytes(32).toString('base64url');

  /** scope=service, approved at once: a service token. */
  async function serviceToken(): Promise<string> {
    const state = randomBytes(8).toString('hex');
    const back = await redirectBack(await client.authorizeUrl({ scope: 'service', redirectUri: REDIRECT, state, codeChallenge: pkceChallenge(verifier) }));
    expect(back.get('state')).to.equal(state);
    return (await client.exchangeCode({ code: back.get('code')!, redirectUri: REDIRECT, codeVerifier: verifier })).accessToken;
  }

  /** scope=credential for these hashes: the code (not yet exchanged). */
  async function credentialCode(credentialId: string, hashes: Buffer[], hashAlgorithmOid = OID.sha256): Promise<string> {
    const url = await client.authorizeUrl({
      scope: 'credential', redirectUri: REDIRECT, state: 's2', codeChallenge: pkceChallenge(verifier), credentialId, hashes, hashAlgorithmOid,
    });
    return (await redirectBack(url)).get('code')!;
  }

  async function credentialToken(credentialId: string, hashes: Buffer[]): Promise<string> {
    const code = await credentialCode(credentialId, hashes);
    return (await client.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: verifier })).accessToken;
  }

  before(async () => {
    softHsm = createSoftHsm();
    const token = softHsm.initToken('csc-qtsp');
    tokenLabel = token.tokenLabel;
    server = await startCscServer({ softHsm, token, autoApprove: true, signer: { given: 'An', surname: 'Janssens', serialNumber: '85073003328' } });
    client = createCscClient(server.provider, { timeoutMs: 2000 });
    dir = mkdtempSync(join(tmpdir(), 'paraaf-csc-'));
  });

  after(async () => {
    await server?.close();
    softHsm?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    server.outage = false;
    server.delayMs = 0;
    server.autoApprove = true;
  });

  it('computes the PKCE S256 challenge of RFC 7636 Appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).to.equal('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(() => pkceChallenge('short')).to.throw(TypeError);
  });

  it('reads the service information', async () => {
    const info = await client.info();
    expect(info.name).to.equal('Test QTSP');
    expect(info.oauth2).to.equal(server.url);
    expect(info.methods).to.include.members(['oauth2/authorize', 'credentials/info', 'signatures/signHash']);
  });

  it('signs two document hashes with the ECDSA credential, end to end', async () => {
    const accessToken = await serviceToken();
    const credentialIds = await client.listCredentials(accessToken);
    expect(credentialIds).to.deep.equal(server.credentials.map((c) => c.id));
    const credentialId = credentialIds[0];
    const info = await client.credentialInfo(accessToken, credentialId);
    expect(info.scal).to.equal('2');
    expect(info.keyLength).to.equal(256);
    expect(info.keyAlgorithms).to.include(OID.ecdsaWithSha256);
    expect(info.certificates).to.have.length(3);

    // The chain verifies with openssl, independently of our builder; the leaf is the signer's, for non-repudiation only.
    const [leaf, ca, root] = info.certificates;
    writeFileSync(join(dir, 'root.pem'), toPem(root));
    writeFileSync(join(dir, 'ca.pem'), toPem(ca));
    writeFileSync(join(dir, 'leaf.pem'), toPem(leaf));
    const verified = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
    expect(verified.trim()).to.equal(`${join(dir, 'leaf.pem')}: OK`);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).to.match(/X509v3 Key Usage: critical\s+Non Repudiation\s/);
    expect(text).to.include('0.4.0.194112.1.2');
    // QCStatements (1.3.6.1.5.5.7.1.3) as D's reader sees them: a qualified certificate for e-signatures on a QSCD.
    expect(readQcStatements(new X509Certificate(leaf))).to.deep.include({ present: true, compliance: true, sscd: true, types: ['esign'] });
    // With the QTSP's CA on a trusted list, the certificate is qualified: what a qualified step asks (TS 119 615).
    const trustList = parseTrustList(trustListXml({ tsp: 'Test QTSP NV', services: [{ name: 'Test QTSP Qualified CA', type: 'CA/QC', status: 'granted', certificates: [ca] }] }));
    const qualification = classifyCertificate(info.certificates.map((der) => new X509Certificate(der)), new Date(), trustList);
    expect(qualification, qualification.reason ?? '').to.deep.include({ kind: 'qualified', qcCompliance: true, qcSscd: true, qcType: 'esign' });
    const certificate = new X509Certificate(leaf);
    expect(certificate.subject).to.include('CN=An Janssens');

    const documents = [randomBytes(1000), randomBytes(2000)];
    const hashes = documents.map((d) => createHash('sha256').update(d).digest());
    const credentialAccess = await credentialToken(credentialId, hashes);
    const { signAlgoOid, hashAlgorithmOid } = cscSignAlgorithm('ecdsa', 'sha256');
    const before = server.signatureCount;
    const signatures = await client.signHash(credentialAccess, { credentialId, hashes, hashAlgorithmOid, signAlgoOid });
    expect(signatures).to.have.length(2);
    expect(server.signatureCount - before).to.equal(2);
    for (const [i, signature] of signatures.entries()) {
      expect(signature[0], 'DER ECDSA-Sig-Value').to.equal(0x30);
      expect(verify('sha256', documents[i], { key: certificate.publicKey, dsaEncoding: 'der' }, signature)).to.equal(true);
    }
    // openssl checks the first value over the bare digest, with the public key taken from the certificate.
    writeFileSync(join(dir, 'digest.bin'), hashes[0]);
    writeFileSync(join(dir, 'sig.bin'), signatures[0]);
    writeFileSync(join(dir, 'pub.pem'), certificate.publicKey.export({ type: 'spki', format: 'pem' }));
    const openssl = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-in', join(dir, 'digest.bin'), '-sigfile', join(dir, 'sig.bin')], { encoding: 'utf8' });
    expect(openssl).to.include('Signature Verified Successfully');

    // Each authorised hash signs once.
    const again = await rejection(client.signHash(credentialAccess, { credentialId, hashes: [hashes[0]], hashAlgorithmOid, signAlgoOid }));
    expect(again.code).to.equal('csc_refused');
  });

  it('signs with the RSA credential (PKCS#1 v1.5 over SHA-256)', async () => {
    const accessToken = await serviceToken();
    const credentialId = server.credentials.find((c) => c.kind === 'rsa-2048')!.id;
    const info = await client.credentialInfo(accessToken, credentialId);
    expect(info.keyLength).to.equal(2048);
    const document = randomBytes(500);
    const hash = createHash('sha256').update(document).digest();
    const { signAlgoOid, hashAlgorithmOid } = cscSignAlgorithm('rsa-pkcs1', 'sha256');
    const [signature] = await client.signHash(await credentialToken(credentialId, [hash]), { credentialId, hashes: [hash], hashAlgorithmOid, signAlgoOid });
    const key = new X509Certificate(info.certificates[0]).publicKey;
    expect(verify('sha256', document, { key, padding: constants.RSA_PKCS1_PADDING }, signature)).to.equal(true);
  });

  it('makes PAdES signatures that pdfsig, qpdf and openssl accept: two documents under one authorisation, then an RSA countersignature', async () => {
    const accessToken = await serviceToken();
    const [ecdsaId, rsaId] = server.credentials.map((c) => c.id);
    const documents = ['libreoffice-decision.pdf', 'qpdf-objstm.pdf'].map((name) => readFileSync(join(FIXTURES, name)));
    const timeStamper = testBuiltInTsa();

    /** What E's remote-signing flow does: prepare every document, authorise their hashes at once, signHash, complete. */
    async function signAll(credentialId: string, pdfs: Buffer[], y: number): Promise<Buffer[]> {
      const externalSigner = externalSignerFromCertificates((await client.credentialInfo(accessToken, credentialId)).certificates);
      const prepared = await Promise.all(pdfs.map((pdf) =>
        prepareDeferredSignature(pdf, { externalSigner, signer: { name: 'An Janssens' }, placement: { page: 1, x: 50, y, width: 200, height: 60 } })));
      const hashes = prepared.map((p) => p.dataToBeSignedDigest);
      const access = await credentialToken(credentialId, hashes);
      const values = await client.signHash(access, { credentialId, hashes, ...cscSignAlgorithm(externalSigner.scheme, externalSigner.hash) });
      return Promise.all(pdfs.map((pdf, i) => completeDeferredSignature(pdf, prepared[i], values[i], { timeStamper })));
    }

    const signed = await signAll(ecdsaId, documents, 60);
    const [countersigned] = await signAll(rsaId, [signed[0]], 140);
    for (const [i, pdf] of [...signed, countersigned].entries()) {
      const file = join(dir, `signed-${i}.pdf`);
      writeFileSync(file, pdf);
      const { signatures } = await pdfsig(file, [server.root.pem]);
      expect(signatures, `pdfsig ${i}`).to.have.length(i === 2 ? 2 : 1);
      for (const signature of signatures) {
        expect(signature.signerCommonName).to.equal('An Janssens');
        expect(signature.signatureValid, signature.rawStatus).to.equal(true);
        expect(signature.certificateTrusted, signature.rawCertStatus).to.equal(true);
      }
      expect((await qpdfCheck(file)).ok, `qpdf ${i}`).to.equal(true);
      for (let index = 0; index < signatures.length; index++) {
        const cms = await opensslCmsVerify(pdf, index, server.root.pem);
        expect(cms.ok, cms.output).to.equal(true);
      }
    }
  });

  it('starts a second provider while the first token is open: SCAL1 binds the number of signatures, not the hashes', async () => {
    const second = await startCscServer({ softHsm, id: 'other', name: 'Other QTSP', credentials: ['rsa-2048'], scal: '1', autoApprove: true });
    try {
      const other = createCscClient(second.provider);
      const verifier2 = randomBytes(32).toString('base64url');
      const code = async (scope: 'service' | 'credential', extra = {}) =>
        (await redirectBack(await other.authorizeUrl({ scope, redirectUri: REDIRECT, state: 'o', codeChallenge: pkceChallenge(verifier2), ...extra }))).get('code')!;
      const exchange = async (c: string) => (await other.exchangeCode({ code: c, redirectUri: REDIRECT, codeVerifier: verifier2 })).accessToken;
      const service = await exchange(await code('service'));
      const [credentialId] = await other.listCredentials(service);
      const info = await other.credentialInfo(service, credentialId);
      expect(info.scal).to.equal('1');
      expect(new X509Certificate(info.certificates[0]).checkIssued(new X509Certificate(info.certificates[1]))).to.equal(true);
      const authorised = createHash('sha256').update('one').digest();
      const access = await exchange(await code('credential', { credentialId, hashes: [authorised], numSignatures: 1, hashAlgorithmOid: OID.sha256 }));
      const other256 = createHash('sha256').update('two').digest();
      const [signature] = await other.signHash(access, { credentialId, hashes: [other256], ...cscSignAlgorithm('rsa-pkcs1', 'sha256') });
      expect(verify('sha256', Buffer.from('two'), new X509Certificate(info.certificates[0]).publicKey, signature)).to.equal(true);
      const spent = await rejection(other.signHash(access, { credentialId, hashes: [authorised], ...cscSignAlgorithm('rsa-pkcs1', 'sha256') }));
      expect(spent.message).to.include('More hashes than signatures authorised');
    } finally {
      await second.close();
    }
  });

  it('keeps the signer keys in its SoftHSM2 token, sensitive and never extractable', () => {
    const objects = softHsm.pkcs11Tool(['--token-label', tokenLabel, '--login', '--pin', '123456', '--list-objects', '--type', 'privkey']);
    const keys = objects.split(/\n(?=Private Key Object)/).filter((block) => block.startsWith('Private Key Object'));
    expect(keys).to.have.length(2);
    for (const key of keys) {
      expect(key).to.match(/Access:.*\bsensitive\b/);
      expect(key).to.match(/never extractable/);
    }
  });

  it('shows a consent page with "Toestaan", and honours both answers', async () => {
    server.autoApprove = false;
    const url = await client.authorizeUrl({ scope: 'service', redirectUri: REDIRECT, state: 'st-1', codeChallenge: pkceChallenge(verifier) });
    const html = await (await fetch(url)).text();
    expect(html).to.include('Toestaan').and.include('Weigeren');
    const requestId = /name="request" value="([^"]+)"/.exec(html)![1];
    const decide = (decision: string) =>
      redirectBack(`${server.url}/oauth2/authorize/decision`, { method: 'POST', body: new URLSearchParams({ request: requestId, decision }) });
    const allowed = await decide('allow');
    expect(allowed.get('state')).to.equal('st-1');
    expect(allowed.get('code')).to.be.a('string');
    // The pending request is single use.
    expect((await fetch(`${server.url}/oauth2/authorize/decision`, { method: 'POST', body: new URLSearchParams({ request: requestId, decision: 'allow' }), redirect: 'manual' })).status).to.equal(400);

    server.autoApprove = 'deny';
    const denied = await redirectBack(await client.authorizeUrl({ scope: 'service', redirectUri: REDIRECT, state: 'st-2', codeChallenge: pkceChallenge(verifier) }));
    expect(denied.get('error')).to.equal('access_denied');
    expect(denied.get('state')).to.equal('st-2');
  });

  it('refuses a code exchanged with the wrong PKCE verifier', async () => {
    const back = await redirectBack(await client.authorizeUrl({ scope: 'service', redirectUri: REDIRECT, state: 'x', codeChallenge: pkceChallenge(verifier) }));
    const error = await rejection(client.exchangeCode({ code: back.get('code')!, redirectUri: REDIRECT, codeVerifier: randomBytes(32).toString('base64url') }));
    expect(error.code).to.equal('csc_refused');
    expect(error.status).to.equal(422);
    expect(error.extensions).to.deep.include({ provider: 'testqtsp', providerError: 'invalid_grant' });
    expect(error.message).to.include('PKCE verification failed');
  });

  it('refuses a replayed code and revokes the token it gave', async () => {
    const back = await redirectBack(await client.authorizeUrl({ scope: 'service', redirectUri: REDIRECT, state: 'x', codeChallenge: pkceChallenge(verifier) }));
    const code = back.get('code')!;
    const { accessToken } = await client.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: verifier });
    expect(await client.listCredentials(accessToken)).to.have.length(2);
    const replay = await rejection(client.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: verifier }));
    expect(replay.extensions).to.deep.include({ providerError: 'invalid_grant' });
    const revoked = await rejection(client.listCredentials(accessToken));
    expect(revoked.extensions).to.deep.include({ providerError: 'invalid_token' });
  });

  it('refuses a code sent back with another redirect URI', async () => {
    const back = await redirectBack(await client.authorizeUrl({ scope: 'service', redirectUri: REDIRECT, state: 'x', codeChallenge: pkceChallenge(verifier) }));
    const error = await rejection(client.exchangeCode({ code: back.get('code')!, redirectUri: 'https://evil.test/cb', codeVerifier: verifier }));
    expect(error.extensions).to.deep.include({ providerError: 'invalid_grant' });
  });

  it('refuses to sign a hash the signer did not authorise, and a service token at signHash', async () => {
    const credentialId = server.credentials[0].id;
    const authorised = createHash('sha256').update('document').digest();
    const other = createHash('sha256').update('another document').digest();
    const { signAlgoOid, hashAlgorithmOid } = cscSignAlgorithm('ecdsa', 'sha256');
    const before = server.signatureCount;
    const access = await credentialToken(credentialId, [authorised]);
    const notAuthorised = await rejection(client.signHash(access, { credentialId, hashes: [other], hashAlgorithmOid, signAlgoOid }));
    expect(notAuthorised.code).to.equal('csc_refused');
    expect(notAuthorised.message).to.include('Hash is not authorised');
    const wrongCredential = await rejection(
      client.signHash(access, { credentialId: server.credentials[1].id, hashes: [authorised], hashAlgorithmOid, signAlgoOid: OID.sha256WithRSA }),
    );
    expect(wrongCredential.code).to.equal('csc_refused');
    const serviceOnly = await rejection(client.signHash(await serviceToken(), { credentialId, hashes: [authorised], hashAlgorithmOid, signAlgoOid }));
    expect(serviceOnly.code).to.equal('csc_refused');
    expect(server.signatureCount).to.equal(before);
    // The authorised hash still signs.
    expect(await client.signHash(access, { credentialId, hashes: [authorised], hashAlgorithmOid, signAlgoOid })).to.have.length(1);
  });

  it('takes a credential authorisation as authorization_details (RFC 9396) too, bound to its documentDigests', async () => {
    const credentialId = server.credentials[0].id;
    const authorised = createHash('sha256').update('decision 12').digest();
    const url = new URL(`${server.url}/oauth2/authorize`);
    for (const [key, value] of Object.entries({
      response_type: 'code', client_id: server.provider.clientId, redirect_uri: REDIRECT, state: 'rar', code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256',
      authorization_details: JSON.stringify([{ type: 'credential', credentialID: credentialId, documentDigests: [{ hash: authorised.toString('base64'), label: 'Besluit 12' }], hashAlgorithmOID: OID.sha256 }]),
    })) url.searchParams.set(key, value);
    const back = await redirectBack(url.toString());
    const { accessToken } = await client.exchangeCode({ code: back.get('code')!, redirectUri: REDIRECT, codeVerifier: verifier });
    const algorithms = cscSignAlgorithm('ecdsa', 'sha256');
    const other = await rejection(client.signHash(accessToken, { credentialId, hashes: [createHash('sha256').update('decision 13').digest()], ...algorithms }));
    expect(other.message).to.include('Hash is not authorised');
    expect(await client.signHash(accessToken, { credentialId, hashes: [authorised], ...algorithms })).to.have.length(1);
  });

  it('sends a malformed credential authorisation back to the redirect URI with invalid_request', async () => {
    const url = new URL(await client.authorizeUrl({
      scope: 'credential', redirectUri: REDIRECT, state: 'bad', codeChallenge: pkceChallenge(verifier), credentialId: server.credentials[0].id,
      hashes: [randomBytes(20)], hashAlgorithmOid: OID.sha256,
    }));
    const back = await redirectBack(url.toString());
    expect(back.get('error')).to.equal('invalid_request');
    expect(back.get('state')).to.equal('bad');
  });

  it('reports an outage and a provider that does not answer in time as csc_unavailable', async () => {
    server.outage = true;
    const down = await rejection(client.listCredentials('whatever'));
    expect(down.code).to.equal('csc_unavailable');
    expect(down.status).to.equal(502);
    server.outage = false;
    server.delayMs = 3000;
    const slow = await rejection(createCscClient(server.provider, { timeoutMs: 300 }).info());
    expect(slow.code).to.equal('csc_unavailable');
    expect(slow.status).to.equal(503);
    expect(slow.message).to.include('no answer within 300 ms');
  });

  it('refuses an answer larger than the bound', async () => {
    const error = await rejection(createCscClient(server.provider, { maxResponseBytes: 200 }).info());
    expect(error.code).to.equal('csc_unavailable');
    expect(error.message).to.include('more than 200 bytes');
  });
});

describe('CSC API v2 client against a provider that misbehaves', () => {
  const provider = { id: 'odd', name: 'Odd QTSP', baseUrl: 'https://qes.example', clientId: 'c', clientSecret: 's', organisations: ['*'] };
  /** A provider whose every answer is `body` with `status`. */
  const answering = (status: number, body: unknown) =>
    createCscClient(provider, { fetch: async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }) });
  const hash = createHash('sha256').update('x').digest();
  const signParams = { credentialId: 'c1', hashes: [hash], ...cscSignAlgorithm('ecdsa', 'sha256') };

  it('refuses a signHash answer with another number of signatures, or values that are not base64', async () => {
    const two = await rejection(answering(200, { signatures: ['MEUCIQ==', 'MEUCIQ=='] }).signHash('t', signParams));
    expect([two.code, two.status]).to.deep.equal(['csc_unavailable', 502]);
    const notBase64 = await rejection(answering(200, { signatures: ['not base64!'] }).signHash('t', signParams));
    expect(notBase64.message).to.include('not base64');
  });

  it('refuses an answer that is not JSON, or not of the expected shape', async () => {
    expect((await rejection(answering(200, '<html>login</html>').listCredentials('t'))).status).to.equal(502);
    expect((await rejection(answering(200, { credentialIDs: 'c1' }).listCredentials('t'))).message).to.include('unexpected shape');
  });

  it('refuses an OAuth server over plain HTTP when the API is on https', async () => {
    const error = await rejection(answering(200, { name: 'Odd', oauth2: 'http://qes.example', methods: [] }).info());
    expect(error.message).to.include('OAuth server we do not use');
  });

  it('keeps the provider error code and a cleaned description', async () => {
    const error = await rejection(answering(400, { error: 'invalid_request', error_description: 'Bad\u0000 hash\n' + 'x'.repeat(400) }).signHash('t', signParams));
    expect(error.code).to.equal('csc_refused');
    expect(error.extensions).to.deep.equal({ provider: 'odd', providerError: 'invalid_request' });
    expect(error.message).to.match(/^Odd QTSP refused \/csc\/v2\/signatures\/signHash: Bad  hash x+…\.$/);
    expect(error.message.length).to.be.lessThan(400);
  });

  it('does not follow a redirect (the token would go elsewhere), and says so', async () => {
    const redirecting = createServer((_req, res) => void res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      const error = await rejection(createCscClient({ ...provider, baseUrl }).listCredentials('secret-token'));
      expect([error.code, error.status]).to.deep.equal(['csc_unavailable', 502]);
      expect(error.message).to.include('with a redirect');
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('refuses a credential whose key is disabled', async () => {
    const error = await rejection(answering(200, { key: { status: 'disabled', algo: [OID.ecdsaWithSha256] }, cert: { certificates: ['AAAA'] } }).credentialInfo('t', 'c1'));
    expect(error.code).to.equal('csc_refused');
    expect(error.message).to.include('its key is disabled');
  });
});
