/**
 * The built-in TSA (src/pades/tsa.ts), every token checked by OpenSSL (`openssl ts -verify`) and by our
 * own checkTimestampToken; requests made by `openssl ts -query` as well as by us; bad requests rejected
 * with the failInfo RFC 3161 §2.4.2 names, never a throw.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { child, octets, readBer } from '../../../src/asn1/ber.ts';
import { octetString, oid, OID, sequence, tlv } from '../../../src/asn1/der.ts';
import { AppError } from '../../../src/errors.ts';
import type { HashAlgorithm } from '../../../src/keys/types.ts';
import { buildEncapsulatedSignedData } from '../../../src/pades/cms-build.ts';
import { encodeTimeStampReq, parseTimeStampResp } from '../../../src/pades/timestamp-protocol.ts';
import { checkTimestampToken } from '../../../src/pades/timestamp-token.ts';
import { createBuiltInTsa } from '../../../src/pades/tsa.ts';
import { localKey, openssl, pki } from '../../helpers/openssl-pki.ts';
import { opensslTsReply, opensslTsText, opensslTsVerify, TEST_TSA_POLICY, testBuiltInTsa, testTsa } from '../../helpers/test-tsa.ts';

const HASHES: HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];

/** `openssl ts -query` with the given options, as DER. */
function opensslQuery(data: Buffer, args: string[]): Buffer {
  const { dir } = pki();
  const id = Math.random().toString(36).slice(2);
  writeFileSync(join(dir, `${id}.dat`), data);
  openssl(['ts', '-query', '-data', `${id}.dat`, ...args, '-out', `${id}.tsq`], { cwd: dir });
  return readFileSync(join(dir, `${id}.tsq`));
}

/** Now, with the milliseconds set: inside the test TSA certificate's validity, which starts at its issue. */
function atMillis(ms: number): Date {
  const at = new Date();
  at.setUTCMilliseconds(ms);
  return at;
}

/** YYYYMMDDhhmmss of a date in UTC. */
const compact = (date: Date): string => date.toISOString().slice(0, 19).replace(/[-:T]/g, '');

/** The TSTInfo DER inside a token. */
function tstInfoOf(token: Buffer): Buffer {
  const signedData = child(child(readBer(token), 1, 0xa0), 0, 0x30);
  return octets(child(child(child(signedData, 2, 0x30), 1, 0xa0), 0));
}

describe('pades/tsa: the built-in RFC 3161 TSA', () => {
  before(() => testTsa());

  for (const hash of HASHES) {
    it(`issues a ${hash} token that openssl ts -verify accepts over the data and over the digest`, async () => {
      const data = randomBytes(1000);
      const digest = createHash(hash).update(data).digest();
      const token = await testBuiltInTsa().timestamp(digest, hash);
      expect(opensslTsVerify({ token, data }).ok, 'over -data').to.equal(true);
      expect(opensslTsVerify({ token, digest }).ok, 'over -digest').to.equal(true);
      expect(opensslTsVerify({ token, digest: createHash(hash).update('other').digest() }).ok, 'other digest').to.equal(false);
      const check = checkTimestampToken(token, { digest, hash });
      expect(check.problems).to.deep.equal([]);
      expect(check).to.include({ imprintMatches: true, signatureValid: true, timeStampingEku: true, policy: TEST_TSA_POLICY });
    });
  }

  it('answers an openssl ts -query request (nonce, certReq) and openssl checks it against the query', async () => {
    const query = opensslQuery(randomBytes(300), ['-sha384', '-cert']);
    const response = await testBuiltInTsa().respond(query);
    expect(opensslTsVerify({ response, query }).ok).to.equal(true);
    const text = opensslTsText(response);
    expect(text).to.match(/Status: Granted\./);
    expect(text).to.match(/Hash Algorithm: sha384/);
    expect(text).to.match(/Nonce: 0x[0-9A-F]+/);
    expect(text).to.match(/Ordering: no/);
    expect(text).to.match(/TSA: DirName:.*CN=Paraaf Test TSA tsa/);
  });

  it('writes genTime with milliseconds, the accuracy, a fresh positive 16-byte serial and the policy', async () => {
    const at = atMillis(345);
    const tsa = testBuiltInTsa(() => at, 1500);
    const digest = randomBytes(32);
    const first = checkTimestampToken(await tsa.timestamp(digest, 'sha256'), { digest, hash: 'sha256' });
    const second = checkTimestampToken(await tsa.timestamp(digest, 'sha256'), { digest, hash: 'sha256' });
    expect(first.genTime?.toISOString()).to.equal(at.toISOString());
    expect(first.accuracyMs).to.equal(1500);
    expect(first.serialNumber).to.match(/^[0-9a-f]{2,32}$/);
    expect(first.serialNumber).to.not.equal(second.serialNumber);
    const info = readBer(tstInfoOf(await tsa.timestamp(digest, 'sha256')));
    expect(child(info, 4, 0x18).content.toString('latin1')).to.equal(`${compact(at)}.345Z`);
    const serial = child(info, 3, 0x02).content;
    expect(serial.length).to.be.at.most(16);
    expect(serial[0] & 0x80).to.equal(0);
    const text = opensslTsText(await tsa.respond(encodeTimeStampReq({ digest, hash: 'sha256' })));
    expect(text).to.match(new RegExp(`Time stamp: \\w+ +\\d+ ${at.toISOString().slice(11, 23).replace('.', '\\.')} ${at.getUTCFullYear()} GMT`));
    expect(text).to.match(/Accuracy: 0x01 seconds, 0x01F4 millis/);
  });

  it('drops the trailing zeros of the fraction and leaves accuracy out when it is 0 (DER, X.690 §11.7)', async () => {
    const tenth = atMillis(100);
    const tsa = testBuiltInTsa(() => tenth, 0);
    const digest = randomBytes(32);
    const info = readBer(tstInfoOf(await tsa.timestamp(digest, 'sha256')));
    expect(child(info, 4, 0x18).content.toString('latin1')).to.equal(`${compact(tenth)}.1Z`);
    expect(info.children.filter((node) => node.tag === 0x30)).to.have.length(1); // only messageImprint
    const second = atMillis(0);
    const whole = testBuiltInTsa(() => second);
    const infoWhole = readBer(tstInfoOf(await whole.timestamp(digest, 'sha256')));
    expect(child(infoWhole, 4, 0x18).content.toString('latin1')).to.equal(`${compact(second)}Z`);
  });

  it('puts the TSA chain in the token only when certReq is set', async () => {
    const digest = randomBytes(32);
    const tsa = testBuiltInTsa();
    const without = parseTimeStampResp(await tsa.respond(encodeTimeStampReq({ digest, hash: 'sha256' }))).token!;
    const withCerts = parseTimeStampResp(await tsa.respond(encodeTimeStampReq({ digest, hash: 'sha256', certReq: true }))).token!;
    expect(checkTimestampToken(withCerts, { digest, hash: 'sha256' }).certificates).to.have.length(2);
    const bare = checkTimestampToken(without, { digest, hash: 'sha256' });
    expect(bare.certificates).to.have.length(0);
    expect(bare.signatureValid).to.equal(false); // no signer certificate to check against
    expect(opensslTsVerify({ token: without, digest }).ok, 'openssl with -untrusted tsa.pem').to.equal(true);
  });

  it('echoes the nonce and signs with signing-certificate-v2 (RFC 5816)', async () => {
    const digest = randomBytes(48);
    const nonce = Buffer.from('00ff00ff00ff00ff', 'hex');
    const query = encodeTimeStampReq({ digest, hash: 'sha384', nonce: nonce.subarray(1), certReq: true });
    const response = await testBuiltInTsa().respond(query);
    expect(opensslTsVerify({ response, query }).ok).to.equal(true);
    const token = parseTimeStampResp(response).token!;
    expect(checkTimestampToken(token, { digest, hash: 'sha384' }).nonce?.toString('hex')).to.equal('ff00ff00ff00ff');
    const cmsText = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], { input: token }).toString();
    expect(cmsText).to.include('id-smime-aa-signingCertificateV2');
    expect(cmsText).to.include('id-smime-ct-TSTInfo');
  });

  it('accepts a request for its own policy and rejects another policy with unacceptedPolicy', async () => {
    const digest = randomBytes(32);
    const tsa = testBuiltInTsa();
    const own = parseTimeStampResp(await tsa.respond(encodeTimeStampReq({ digest, hash: 'sha256', policy: TEST_TSA_POLICY })));
    expect(own.status).to.equal(0);
    const other = await tsa.respond(encodeTimeStampReq({ digest, hash: 'sha256', policy: '1.2.3.4' }));
    expect(parseTimeStampResp(other)).to.include({ status: 2, token: null });
    expect(parseTimeStampResp(other).failInfo).to.deep.equal(['unacceptedPolicy']);
    expect(opensslTsText(other)).to.match(/Status: Rejected[\s\S]*requested TSA policy is not supported/i);
  });

  describe('bad requests: a rejection TimeStampResp, never a throw', () => {
    const cases: { title: string; request: () => Buffer; failInfo: string; openssl: RegExp }[] = [
      { title: 'garbage', request: () => Buffer.from('not DER at all'), failInfo: 'badDataFormat', openssl: /data submitted has the wrong format/i },
      { title: 'a truncated request', request: () => encodeTimeStampReq({ digest: randomBytes(32), hash: 'sha256' }).subarray(0, 20), failInfo: 'badDataFormat', openssl: /data submitted has the wrong format/i },
      { title: 'a SHA-1 imprint (openssl ts -query -sha1)', request: () => opensslQuery(randomBytes(10), ['-sha1']), failInfo: 'badAlg', openssl: /unrecognized or unsupported algorithm/i },
      { title: 'an imprint of the wrong length', request: () => encodeTimeStampReq({ digest: randomBytes(20), hash: 'sha256' }), failInfo: 'badDataFormat', openssl: /data submitted has the wrong format/i },
      { title: 'version 2', request: () => withVersion(2), failInfo: 'badRequest', openssl: /transaction not permitted or supported/i },
      { title: 'request extensions', request: withExtensions, failInfo: 'unacceptedExtension', openssl: /requested extension is not supported/i },
      { title: 'a negative nonce', request: withNegativeNonce, failInfo: 'badRequest', openssl: /transaction not permitted or supported/i },
    ];
    for (const c of cases) {
      it(`${c.title} → rejection, failInfo ${c.failInfo}`, async () => {
        const response = await testBuiltInTsa().respond(c.request());
        const parsed = parseTimeStampResp(response);
        expect(parsed.status).to.equal(2);
        expect(parsed.token).to.equal(null);
        expect(parsed.failInfo).to.deep.equal([c.failInfo]);
        expect(parsed.statusText[0]).to.be.a('string').and.not.equal('');
        const text = opensslTsText(response);
        expect(text).to.match(/Status: Rejected\./);
        expect(text).to.match(c.openssl);
      });
    }
  });

  it('refuses a certificate that is not a TSA certificate (RFC 3161 §2.3)', () => {
    const p = pki();
    const signer = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
    expect(() => createBuiltInTsa({ key: signer, policy: TEST_TSA_POLICY, clock: () => new Date() })).to.throw(/timeStamping/);
    const nonCritical = localKey(testTsa().nonCritical, [p.root], 'rsa-pkcs1', 'sha256');
    expect(() => createBuiltInTsa({ key: nonCritical, policy: TEST_TSA_POLICY, clock: () => new Date() })).to.throw(/critical/);
  });

  it('issues nothing outside its certificate validity: a rejection (systemFailure), TimestampError from timestamp()', async () => {
    const late = new Date(testTsa().tsa.cert.validTo);
    late.setUTCDate(late.getUTCDate() + 1);
    const tsa = testBuiltInTsa(() => late);
    const response = parseTimeStampResp(await tsa.respond(encodeTimeStampReq({ digest: randomBytes(32), hash: 'sha256' })));
    expect(response).to.include({ status: 2, token: null });
    expect(response.failInfo).to.deep.equal(['systemFailure']);
    const error = await tsa.timestamp(randomBytes(32), 'sha256').then(() => null, (e: unknown) => e);
    expect(error).to.include({ code: 'timestamp_unavailable', status: 503 });
    const early = testBuiltInTsa(() => new Date(new Date(testTsa().tsa.cert.validFrom).getTime() - 60_000));
    expect(parseTimeStampResp(await early.respond(encodeTimeStampReq({ digest: randomBytes(32), hash: 'sha256' }))).status).to.equal(2);
  });

  it('throws TimestampError (503) from timestamp() for a digest of the wrong length', async () => {
    const error = await testBuiltInTsa().timestamp(randomBytes(31), 'sha256').then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(AppError);
    expect(error).to.include({ code: 'timestamp_unavailable', status: 503 });
  });
});

describe('pades/timestamp-token: checkTimestampToken', () => {
  before(() => testTsa());

  it('accepts a token made by OpenSSL acting as the TSA (ESS v2, ordering, accuracy with millis)', () => {
    const data = randomBytes(500);
    const digest = createHash('sha256').update(data).digest();
    const query = opensslQuery(data, ['-sha256', '-cert']);
    const token = parseTimeStampResp(opensslTsReply(query)).token!;
    const check = checkTimestampToken(token, { digest, hash: 'sha256' });
    expect(check.problems).to.deep.equal([]);
    expect(check).to.include({ imprintMatches: true, signatureValid: true, timeStampingEku: true, accuracyMs: 1500, policy: TEST_TSA_POLICY });
    expect(check.tsaCertificate?.subject).to.include('Paraaf Test TSA tsa');
  });

  it('reports an imprint for other data or with another hash', async () => {
    const digest = randomBytes(32);
    const token = await testBuiltInTsa().timestamp(digest, 'sha256');
    const other = checkTimestampToken(token, { digest: randomBytes(32), hash: 'sha256' });
    expect(other.imprintMatches).to.equal(false);
    expect(other.signatureValid).to.equal(true);
    expect(other.problems).to.include('timestamp imprint does not match the expected digest');
    const otherHash = checkTimestampToken(token, { digest: randomBytes(48), hash: 'sha384' });
    expect(otherHash.imprintMatches).to.equal(false);
  });

  it('reports a TSTInfo changed after signing (message-digest) and a broken signature', async () => {
    const digest = randomBytes(32);
    const token = await testBuiltInTsa().timestamp(digest, 'sha256');
    const genTime = child(readBer(tstInfoOf(token)), 4, 0x18).content;
    const genTimeAt = token.indexOf(genTime) + genTime.length - 2; // the last digit before "Z"
    expect(token.indexOf(genTime)).to.be.greaterThan(0);
    const changedTime = Buffer.from(token);
    changedTime[genTimeAt] ^= 0x01; // another genTime digit
    const timeCheck = checkTimestampToken(changedTime, { digest, hash: 'sha256' });
    expect(timeCheck.signatureValid).to.equal(false);
    expect(opensslTsVerify({ token: changedTime, digest }).ok).to.equal(false);
    const brokenSignature = Buffer.from(token);
    brokenSignature[brokenSignature.length - 10] ^= 0x01;
    expect(checkTimestampToken(brokenSignature, { digest, hash: 'sha256' }).signatureValid).to.equal(false);
  });

  it('reports a token signed by a certificate without the timeStamping usage', async () => {
    const p = pki();
    const digest = randomBytes(32);
    const real = await testBuiltInTsa().timestamp(digest, 'sha256');
    const leaf = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
    // Without the tsa name, which would name the real TSA and so fail on its own.
    const unnamed = sequence(...readBer(tstInfoOf(real)).children.filter((node) => node.tag !== 0xa0).map((node) => node.raw));
    const forged = await buildEncapsulatedSignedData({ key: leaf, contentType: OID.tstInfo, content: unnamed, includeCertificates: true });
    const check = checkTimestampToken(forged, { digest, hash: 'sha256' });
    expect(check).to.include({ imprintMatches: true, signatureValid: true, timeStampingEku: false });
    expect(check.problems.join('; ')).to.match(/timeStamping/);
    const nonCriticalKey = localKey(testTsa().nonCritical, [p.root], 'rsa-pkcs1', 'sha256');
    const nonCritical = await buildEncapsulatedSignedData({ key: nonCriticalKey, contentType: OID.tstInfo, content: unnamed, includeCertificates: true });
    expect(checkTimestampToken(nonCritical, { digest, hash: 'sha256' }).timeStampingEku).to.equal(false);
  });

  it('reports a TSTInfo whose tsa name is not the signer (RFC 3161 §2.4.2) and a token with two SignerInfos', async () => {
    const digest = randomBytes(32);
    const real = await testBuiltInTsa().timestamp(digest, 'sha256');
    const otherName = tlv(0xa0, tlv(0xa4, readBer(pki().root.cert.raw).children[0].children[5].raw)); // the root's subject
    const renamed = sequence(...readBer(tstInfoOf(real)).children.map((node) => (node.tag === 0xa0 ? otherName : node.raw)));
    const token = await buildEncapsulatedSignedData({ key: testTsa().key, contentType: OID.tstInfo, content: renamed, includeCertificates: true });
    const check = checkTimestampToken(token, { digest, hash: 'sha256' });
    expect(check.signatureValid).to.equal(false);
    expect(check.problems).to.include('TSTInfo tsa name is not the subject of the TSA certificate');
    expect(opensslTsVerify({ token, digest }).ok, 'openssl agrees').to.equal(false);

    const signedData = child(child(readBer(real), 1, 0xa0), 0, 0x30);
    const signerInfos = signedData.children[signedData.children.length - 1];
    const doubled = tlv(0x31, signerInfos.children[0].raw, signerInfos.children[0].raw);
    const twoSigners = sequence(oid(OID.signedData), tlv(0xa0, sequence(...signedData.children.slice(0, -1).map((n) => n.raw), doubled)));
    expect(checkTimestampToken(twoSigners, { digest, hash: 'sha256' }).signatureValid).to.equal(false);
  });

  it('never throws on garbage, a plain CMS signature or an empty buffer', async () => {
    const p = pki();
    const key = localKey(p.ec256, [p.intermediate], 'ecdsa', 'sha256');
    const detached = await buildEncapsulatedSignedData({ key, contentType: OID.data, content: Buffer.from('hi'), includeCertificates: true });
    for (const input of [Buffer.alloc(0), randomBytes(200), Buffer.from('3003020101', 'hex'), detached]) {
      const check = checkTimestampToken(input, { digest: randomBytes(32), hash: 'sha256' });
      expect(check.signatureValid).to.equal(false);
      expect(check.problems).to.not.be.empty;
    }
  });
});

/** A request with `extra` appended inside its SEQUENCE. */
function requestWith(extra: Buffer): Buffer {
  const der = encodeTimeStampReq({ digest: randomBytes(32), hash: 'sha256' });
  return sequence(readBer(der).content, extra);
}

function withVersion(version: number): Buffer {
  const der = Buffer.from(encodeTimeStampReq({ digest: randomBytes(32), hash: 'sha256' }));
  der[4] = version; // SEQUENCE header (2 bytes), INTEGER tag and length, then the version
  return der;
}

/** extensions [0] IMPLICIT Extensions, with one Extension { extnID, extnValue } (RFC 3161 §2.4.1). */
function withExtensions(): Buffer {
  return requestWith(tlv(0xa0, sequence(oid('1.2.3.4.5'), octetString(Buffer.from([5, 0])))));
}

function withNegativeNonce(): Buffer {
  return requestWith(Buffer.from([0x02, 0x02, 0xff, 0x01]));
}
