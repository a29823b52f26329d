/**
 * signPdf with a timeStamper: PAdES B-T (ETSI EN 319 142-1 §6.3). The signature-time-stamp token sits in
 * the SignerInfo's unsigned attributes (id-aa-signatureTimeStampToken, RFC 3161 Appendix A) and its
 * imprint is the hash of the signature value. Checked by pdfsig, qpdf --check, `openssl cms -verify`
 * over the ByteRange, and `openssl ts -verify` over the hash of the signature value — each signature is
 * located by scanning the raw bytes (test/helpers/validators.ts), not by our PDF reader.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { child, octets, oidString, readBer } from '../../../src/asn1/ber.ts';
import { OID } from '../../../src/asn1/der.ts';
import { SignatureError, TimestampError } from '../../../src/errors.ts';
import type { HashAlgorithm, SignatureScheme, TimeStamper } from '../../../src/keys/types.ts';
import { signPdf } from '../../../src/pades/sign-pdf.ts';
import { createHttpTimeStamper } from '../../../src/pades/timestamp-client.ts';
import { checkTimestampToken } from '../../../src/pades/timestamp-token.ts';
import { localKey, openssl, pki, type Issued, type Pki } from '../../helpers/openssl-pki.ts';
import { opensslTsVerify, testBuiltInTsa, testTsa } from '../../helpers/test-tsa.ts';
import { extractSignatures, opensslCmsVerify, pdfsig, qpdfCheck } from '../../helpers/validators.ts';

const INPUT = readFileSync(join(import.meta.dirname, '../../../fixtures/pdf/libreoffice-decision.pdf'));

interface Embedded {
  signatureValue: Buffer;
  tokens: Buffer[];
}

/** The SignerInfo's signature value and its signature-time-stamp tokens (RFC 5652 §5.3). */
function embeddedTokens(cms: Buffer): Embedded {
  const signedData = child(child(readBer(cms), 1, 0xa0), 0, 0x30);
  const signerInfo = child(signedData.children[signedData.children.length - 1], 0, 0x30);
  const signatureValue = octets(signerInfo.children.find((node) => node.tag === 0x04)!);
  const unsigned = signerInfo.children.find((node) => node.tag === 0xa1);
  const tokens = (unsigned?.children ?? [])
    .filter((attribute) => oidString(child(attribute, 0)) === OID.timeStampToken)
    .flatMap((attribute) => child(attribute, 1, 0x31).children.map((value) => value.raw));
  return { signatureValue, tokens };
}

async function writeTemp(p: Pki, pdf: Buffer): Promise<string> {
  const path = join(p.dir, `bt-${randomBytes(6).toString('hex')}.pdf`);
  writeFileSync(path, pdf);
  return path;
}

const CASES: { title: string; leaf: (p: Pki) => Issued; scheme: SignatureScheme; hash: HashAlgorithm }[] = [
  { title: 'RSA PKCS#1 v1.5, SHA-256', leaf: (p) => p.rsa, scheme: 'rsa-pkcs1', hash: 'sha256' },
  { title: 'RSA-PSS, SHA-256', leaf: (p) => p.rsa, scheme: 'rsa-pss', hash: 'sha256' },
  { title: 'ECDSA P-384, SHA-384', leaf: (p) => p.ec384, scheme: 'ecdsa', hash: 'sha384' },
];

describe('pades/sign-pdf: B-T with a signature-time-stamp (timeStamper)', () => {
  let p: Pki;
  before(() => {
    p = pki();
    testTsa();
  });

  for (const c of CASES) {
    it(`${c.title}: pdfsig, qpdf, openssl cms -verify and openssl ts -verify over the signature value`, async () => {
      const key = localKey(c.leaf(p), [p.intermediate], c.scheme, c.hash);
      const at = new Date();
      const signed = await signPdf(INPUT, { key, signer: { name: 'An Peeters' }, signingTime: at, timeStamper: testBuiltInTsa() });
      const path = await writeTemp(p, signed);

      const { signatures } = await pdfsig(path, [p.root.pem]);
      expect(signatures).to.have.length(1);
      expect(signatures[0]).to.include({ signatureValid: true, certificateTrusted: true, totalDocumentSigned: true, subFilter: 'ETSI.CAdES.detached' });
      expect((await qpdfCheck(path)).ok).to.equal(true);
      expect((await opensslCmsVerify(signed, 0, p.root.pem)).ok).to.equal(true);

      const [extracted] = extractSignatures(signed);
      const { signatureValue, tokens } = embeddedTokens(extracted.contents);
      expect(tokens).to.have.length(1);
      const imprint = createHash(c.hash).update(signatureValue).digest();
      const verdict = opensslTsVerify({ token: tokens[0], digest: imprint });
      expect(verdict.ok, verdict.output).to.equal(true);
      const check = checkTimestampToken(tokens[0], { digest: imprint, hash: c.hash });
      expect(check.problems).to.deep.equal([]);
      expect(check.genTime!.getTime()).to.be.at.least(at.getTime() - 1000);
      const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], { input: extracted.contents }).toString();
      expect(printed).to.include('id-smime-aa-timeStampToken');
    });
  }

  it('through the HTTP client and a local TSA server', async () => {
    const tsa = testBuiltInTsa();
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = await tsa.respond(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const key = localKey(p.ec256, [p.intermediate], 'ecdsa', 'sha256');
      const signed = await signPdf(INPUT, { key, signer: { name: 'Bart' }, timeStamper: createHttpTimeStamper({ urls: [url], timeoutMs: 5000 }) });
      const { signatures } = await pdfsig(await writeTemp(p, signed), [p.root.pem]);
      expect(signatures[0]).to.include({ signatureValid: true, certificateTrusted: true });
      const { signatureValue, tokens } = embeddedTokens(extractSignatures(signed)[0].contents);
      expect(opensslTsVerify({ token: tokens[0], digest: createHash('sha256').update(signatureValue).digest() }).ok).to.equal(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('without a timeStamper the signature stays B-B: no unsigned attributes', async () => {
    const key = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
    const signed = await signPdf(INPUT, { key, signer: { name: 'An Peeters' } });
    expect(embeddedTokens(extractSignatures(signed)[0].contents).tokens).to.have.length(0);
  });

  it('a TSA failure fails the signature with TimestampError', async () => {
    const key = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
    const down: TimeStamper = { timestamp: () => Promise.reject(new TimestampError(undefined, { detail: 'test: down' })) };
    const error = await signPdf(INPUT, { key, signer: { name: 'An' }, timeStamper: down }).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(TimestampError);
    expect(error).to.include({ code: 'timestamp_unavailable', status: 503 });
  });

  it('a token larger than the reserve → SignatureError timestamp_too_large', async () => {
    const key = localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256');
    const tsa = testBuiltInTsa();
    const error = await signPdf(INPUT, { key, signer: { name: 'An' }, timeStamper: tsa, timestampReserve: 1000 }).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(SignatureError);
    expect(error).to.include({ code: 'timestamp_too_large' });
    const huge: TimeStamper = { timestamp: async () => randomBytes(7000) };
    const second = await signPdf(INPUT, { key, signer: { name: 'An' }, timeStamper: huge }).then(() => null, (e: unknown) => e);
    expect(second).to.include({ code: 'timestamp_too_large' });
  });
});
