/**
 * Deferred signing end to end: a signer whose key we never hold (a node P-384 key standing in for an eID card,
 * in a chain shaped like a Belgian eID's from test/helpers/eid-card.ts; the openssl-made RSA leaf
 * standing in for a remote QSCD) signs the hash prepareDeferredSignature hands out, and completeDeferredSignature
 * turns the value into a signed PDF. Every result passes pdfsig (trusted), qpdf --check, openssl cms -verify and
 * verifyPdf (check.ts), the signature timestamp passes openssl ts -verify, an earlier signature stays valid, and
 * prepare + complete writes byte for byte what signPdf writes with the same key and time.
 */
import { expect } from 'chai';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareForSigning } from '../../../src/pdf/prepare.ts';
import type { HashAlgorithm } from '../../../src/keys/types.ts';
import { checkSignedData } from '../../../src/pades/cms-verify.ts';
import {
  completeDeferredSignature,
  deserializePreparedSignature,
  externalSignerFromCertificates,
  prepareDeferredSignature,
  serializePreparedSignature,
  extendToLta,
  signPdf,
  type ExternalSigner,
} from '../../../src/pades/index.ts';
import { buildEidChain } from '../../helpers/eid-card.ts';
import { opensslOcsp, opensslTsa } from '../../helpers/ltv-doubles.ts';
import { localKey, openssl, pki, type Issued, type Pki } from '../../helpers/openssl-pki.ts';
import { opensslTsVerify, testBuiltInTsa } from '../../helpers/test-tsa.ts';
import { extractSignatures } from '../../helpers/validators.ts';
import { expectAllValid, pemText } from './check.ts';
import { FIXTURES, OTHER_TOOL_ROOT } from './pki.ts';

const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const PLACEMENT = { page: 1, x: 300, y: 60, width: 200, height: 60 };
const SIGNER = { name: 'Jan Peeters', function: 'Algemeen directeur' };

/** A card's key: generated here and used only to sign, its chain shaped like a Belgian eID's (test/helpers/eid-card.ts). */
interface Card {
  key: KeyObject;
  chain: Buffer[];
  rootPem: string;
}

async function p384Card(): Promise<Card> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const eid = await buildEidChain({ subjectPublicKey: publicKey, name: { given: 'Jan', surname: 'Peeters' } });
  return { key: privateKey, chain: eid.chain, rootPem: eid.rootPem };
}

/** `openssl pkeyutl -sign` over a bare digest, as a card or a CSC signHash does: DER for EC, PKCS#1 or PSS for RSA. */
function signDigest(keyPath: string, digest: Buffer, hash: HashAlgorithm, padding: 'pkcs1' | 'pss' | null): Buffer {
  const rsa = padding ? ['-pkeyopt', `digest:${hash}`, '-pkeyopt', `rsa_padding_mode:${padding}`] : [];
  const pss = padding === 'pss' ? ['-pkeyopt', 'rsa_pss_saltlen:digest'] : [];
  return openssl(['pkeyutl', '-sign', '-inkey', keyPath, ...rsa, ...pss], { input: digest });
}

/** The signature value and signature-time-stamp tokens of the file's signature `index`, as found by the raw byte scan. */
function signerInfoOf(pdf: Buffer, index: number): { value: Buffer; tokens: Buffer[] } {
  const check = checkSignedData(extractSignatures(pdf)[index].contents, () => Buffer.alloc(0));
  return { value: check.signatureValue!, tokens: check.timestampTokens };
}

describe('engine: deferred signatures, checked by pdfsig (NSS), openssl, qpdf and verifyPdf', () => {
  let p: Pki;
  let card: Card;
  before(async () => {
    p = pki();
    card = await p384Card();
  });

  it('an eID-like P-384 key signs between two others, raw r‖s, with a signature timestamp (B-T); all stay valid', async () => {
    const first = await signPdf(fixture('libreoffice-decision.pdf'), {
      key: localKey(p.ec256, [p.intermediate], 'ecdsa', 'sha256'),
      signer: { name: 'Bart De Smet', function: 'Voorzitter' },
      placement: { page: 1, x: 50, y: 60, width: 200, height: 60 },
    });
    const externalSigner = externalSignerFromCertificates(card.chain);
    expect(externalSigner).to.include({ scheme: 'ecdsa', hash: 'sha384' });
    const prepared = await prepareDeferredSignature(first, { externalSigner, signer: SIGNER, placement: PLACEMENT });
    // What the server keeps between the two requests, and reads back for the second.
    const pending = deserializePreparedSignature(serializePreparedSignature(prepared));
    const raw = sign('sha384', pending.signedAttributes, { key: card.key, dsaEncoding: 'ieee-p1363' });
    const signed = await completeDeferredSignature(first, pending, raw, { timeStamper: testBuiltInTsa() });

    expect(signed.subarray(0, first.length).equals(first), 'the earlier revision is untouched').to.equal(true);
    const { report, pdfsig } = await expectAllValid(signed, [p.root.pem, card.rootPem], { count: 2, label: 'deferred after one-shot' });
    expect(pdfsig.map((s) => s.signerCommonName)).to.deep.equal(['Bart De Smet', 'Jan Peeters (Signature)']);
    expect(pdfsig[1].hashAlgorithm).to.equal('SHA-384');
    expect(report.signatures[1].integrity.signatureAlgorithm).to.equal('ecdsa-sha384');
    expect(report.signatures[1].level.achieved).to.equal('B-T');
    expect(report.signatures[0].coverage.changes, 'the later signature is the only change after the first').to.have.length.greaterThan(0);

    const { value, tokens } = signerInfoOf(signed, 1);
    expect(tokens).to.have.length(1);
    const ts = opensslTsVerify({ token: tokens[0], digest: createHash('sha384').update(value).digest() });
    expect(ts.ok, ts.output).to.equal(true);

    // A later signer: all three signatures stay valid.
    const third = await signPdf(signed, {
      key: localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256'),
      signer: { name: 'An Peeters', function: 'Secretaris' },
      placement: { page: 1, x: 50, y: 140, width: 200, height: 60 },
    });
    const after = await expectAllValid(third, [p.root.pem, card.rootPem], { count: 3, label: 'one-shot after deferred' });
    expect(after.pdfsig.map((s) => s.signerCommonName)).to.deep.equal(['Bart De Smet', 'Jan Peeters (Signature)', 'An Peeters']);
  });

  it('extends to B-LT and B-LTA as a signature made with a key we hold', async () => {
    const input = fixture('pdflib-decision.pdf');
    // A leaf of the openssl test CA, whose OCSP answers the double of ltv-doubles.ts gives.
    const externalSigner = externalSignerFromCertificates([p.ec384.cert.raw, p.intermediate.cert.raw]);
    const prepared = await prepareDeferredSignature(input, { externalSigner, signer: SIGNER, placement: PLACEMENT });
    const raw = sign('sha384', prepared.signedAttributes, { key: p.ec384.key, dsaEncoding: 'ieee-p1363' });
    const signed = await completeDeferredSignature(input, prepared, raw, { timeStamper: opensslTsa() });
    const lta = await extendToLta(signed, { timeStamper: opensslTsa(), revocation: opensslOcsp(), extraCertificates: [p.root.cert] });
    const { report } = await expectAllValid(lta, p.root.pem, { count: 1, label: 'deferred B-LTA' });
    const signature = report.signatures.find((s) => s.subFilter === 'ETSI.CAdES.detached')!;
    expect(signature.level.achieved).to.equal('B-LTA');
  });

  const cases: { title: string; scheme: 'ecdsa' | 'rsa-pkcs1' | 'rsa-pss'; hash: HashAlgorithm; algorithm: string }[] = [
    { title: 'ECDSA P-384, DER over the digest', scheme: 'ecdsa', hash: 'sha384', algorithm: 'ecdsa-sha384' },
    { title: 'RSA-2048 PKCS#1 v1.5, SHA-256', scheme: 'rsa-pkcs1', hash: 'sha256', algorithm: 'rsa-pkcs1-sha256' },
    { title: 'RSA-2048 PSS, SHA-256', scheme: 'rsa-pss', hash: 'sha256', algorithm: 'rsa-pss-sha256' },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const issued: Issued = c.scheme === 'ecdsa' ? p.ec384 : p.rsa;
      const externalSigner = externalSignerFromCertificates([issued.cert.raw, p.intermediate.cert.raw], { scheme: c.scheme, hash: c.hash });
      const input = fixture('qpdf-objstm.pdf');
      const prepared = await prepareDeferredSignature(input, { externalSigner, signer: SIGNER, placement: PLACEMENT });
      const padding = c.scheme === 'ecdsa' ? null : c.scheme === 'rsa-pss' ? 'pss' : 'pkcs1';
      const signed = await completeDeferredSignature(input, prepared, signDigest(issued.keyPath, prepared.dataToBeSignedDigest, c.hash, padding));
      const { report } = await expectAllValid(signed, p.root.pem, { count: 1, label: c.title });
      expect(report.signatures[0].integrity.signatureAlgorithm).to.equal(c.algorithm);
    });
  }

  /** Same key, same time, same options: the deferred path must write what signPdf writes. */
  async function bothWays(input: Buffer, signer: ExternalSigner, keyPath: string, options: { fieldName?: string } = {}) {
    // One time for both (it is in the bytes), within the test certificates' validity (made when the tests run).
    const signingTime = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const common = { signer: SIGNER, placement: PLACEMENT, signingTime, reason: 'Besluit', location: 'Teststad', ...options };
    const viaSignPdf = await signPdf(input, { ...common, key: localKey(p.rsa, [p.intermediate], 'rsa-pkcs1', 'sha256') });
    const prepared = await prepareDeferredSignature(input, { ...common, externalSigner: signer });
    const deferred = await completeDeferredSignature(input, prepared, signDigest(keyPath, prepared.dataToBeSignedDigest, 'sha256', 'pkcs1'));
    return { viaSignPdf, deferred };
  }

  /**
   * The bytes after `base` with the /Contents gap and the trailer /ID blanked: a file without an /ID gets a
   * random one in each update (ISO 32000-1 §14.4), and with it a different digest and signature value.
   */
  function structure(signed: Buffer, base: number): string {
    const update = signed.subarray(base).toString('latin1');
    return update.replace(/\/Contents <[0-9a-f]+>/, '/Contents <>').replace(/\/ID \[<[0-9a-f]+> ?<[0-9a-f]+>\]/g, '/ID []');
  }

  /** Byte for byte when the base has an /ID; else the same but for the /ID (and so the value). */
  function expectSameAsSignPdf(input: Buffer, deferred: Buffer, viaSignPdf: Buffer): void {
    expect(structure(deferred, input.length)).to.equal(structure(viaSignPdf, input.length));
    if (/\/ID\s*\[/.test(input.toString('latin1'))) expect(deferred.equals(viaSignPdf), 'byte for byte').to.equal(true);
  }

  for (const name of ['libreoffice-decision.pdf', 'qpdf-objstm.pdf', 'signed-by-openssl.pdf']) {
    it(`writes what signPdf writes (RSA PKCS#1 is deterministic): ${name}`, async () => {
      const input = fixture(name);
      const signer = externalSignerFromCertificates([p.rsa.cert.raw, p.intermediate.cert.raw]);
      const { viaSignPdf, deferred } = await bothWays(input, signer, p.rsa.keyPath);
      expectSameAsSignPdf(input, deferred, viaSignPdf);
      const roots = name === 'signed-by-openssl.pdf' ? [p.root.pem, pemText(OTHER_TOOL_ROOT)] : [p.root.pem];
      await expectAllValid(deferred, roots, { label: `same as signPdf ${name}` });
    });
  }

  it('fills a prepared empty signature field as signPdf does', async () => {
    const { pdf: input, fields } = prepareForSigning(fixture('libreoffice-form.pdf'), { signers: [{ label: 'De algemeen directeur', ...SIGNER }] });
    const signer = externalSignerFromCertificates([p.rsa.cert.raw, p.intermediate.cert.raw]);
    const { viaSignPdf, deferred } = await bothWays(input, signer, p.rsa.keyPath, { fieldName: fields[0].fieldName });
    expectSameAsSignPdf(input, deferred, viaSignPdf);
    await expectAllValid(deferred, p.root.pem, { label: 'field' });
  });
});
