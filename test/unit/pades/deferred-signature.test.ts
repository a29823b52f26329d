/**
 * Deferred signing (src/pades/deferred-signature.ts, external-signer.ts): the signer's key is elsewhere, so the
 * value comes from outside — here from `openssl pkeyutl`, which signs a bare hash as an eID card (Web eID `sign`)
 * or a CSC service (`signatures/signHash`) does, and from node:crypto in the raw r‖s form PKCS#11 tokens return.
 * Each produced PDF is checked by `openssl cms -verify` over the raw ByteRange (test/helpers/validators.ts); the
 * refusals are checked by their codes and statuses.
 */
import { expect } from 'chai';
import { constants, createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../src/errors.ts';
import type { HashAlgorithm } from '../../../src/keys/types.ts';
import {
  completeDeferredSignature,
  deserializePreparedSignature,
  externalSignerFromCertificates,
  prepareDeferredSignature,
  serializePreparedSignature,
  type ExternalSigner,
  type PreparedSignature,
} from '../../../src/pades/index.ts';
import { openssl, pki, type Issued, type Pki } from '../../helpers/openssl-pki.ts';
import { extractSignatures, opensslCmsVerify } from '../../helpers/validators.ts';

const INPUT = readFileSync(join(import.meta.dirname, '../../../fixtures/pdf/libreoffice-decision.pdf'));
const SIGNER = { name: 'Chloé Vermeulen', function: 'Voorzitter' };

/** `openssl pkeyutl -sign` over a bare digest: the key never sees the data, as on a card or a remote QSCD. */
function signDigest(issued: Issued, digest: Buffer, hash: HashAlgorithm, padding: 'pkcs1' | 'pss' | null): Buffer {
  const rsa = padding ? ['-pkeyopt', `digest:${hash}`, '-pkeyopt', `rsa_padding_mode:${padding}`] : [];
  const pss = padding === 'pss' ? ['-pkeyopt', 'rsa_pss_saltlen:digest'] : [];
  return openssl(['pkeyutl', '-sign', '-inkey', issued.keyPath, ...rsa, ...pss], { input: digest });
}

/** IEEE P1363 r‖s, as CKM_ECDSA returns it. */
const rawEcdsa = (key: KeyObject, hash: HashAlgorithm, data: Buffer): Buffer => sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string, status: number): Promise<AppError> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected ${code}`).to.be.instanceOf(AppError);
  expect((error as AppError).code).to.equal(code);
  expect((error as AppError).status).to.equal(status);
  return error as AppError;
}

/** The DER CMS openssl finds in the file, checked against the test root. */
async function expectCmsValid(p: Pki, pdf: Buffer, index = 0): Promise<void> {
  const result = await opensslCmsVerify(pdf, index, p.root.pem);
  expect(result.ok, result.output).to.equal(true);
}

describe('pades/deferred-signature: prepare, sign elsewhere, complete', () => {
  let p: Pki;
  before(() => {
    p = pki();
  });

  describe('externalSignerFromCertificates', () => {
    it('derives scheme, hash and signature size from the leaf key', () => {
      const chainOf = (leaf: Issued) => [leaf.cert.raw, p.intermediate.cert.raw];
      expect(externalSignerFromCertificates(chainOf(p.ec256))).to.include({ scheme: 'ecdsa', hash: 'sha256', signatureSize: 72 });
      expect(externalSignerFromCertificates(chainOf(p.ec384))).to.include({ scheme: 'ecdsa', hash: 'sha384', signatureSize: 104 });
      expect(externalSignerFromCertificates(chainOf(p.rsa))).to.include({ scheme: 'rsa-pkcs1', hash: 'sha256', signatureSize: 256 });
      expect(externalSignerFromCertificates(chainOf(p.rsa), { scheme: 'rsa-pss', hash: 'sha384' })).to.include({ scheme: 'rsa-pss', hash: 'sha384' });
      const signer = externalSignerFromCertificates(chainOf(p.ec384));
      expect(signer.certificates.map((c) => c.toString('hex'))).to.deep.equal(chainOf(p.ec384).map((c) => c.toString('hex')));
    });

    it('takes a P-521 key as ECDSA with SHA-512, and its 132-byte raw values', async () => {
      const pem = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521', '-nodes', '-keyout', 'p521.key', '-subj', '/CN=P-521 Signer', '-days', '1'], { cwd: p.dir });
      const der = openssl(['x509', '-outform', 'DER'], { input: pem });
      const externalSigner = externalSignerFromCertificates([der]);
      expect(externalSigner).to.include({ scheme: 'ecdsa', hash: 'sha512', signatureSize: 139 });
      const prepared = await prepareDeferredSignature(INPUT, { externalSigner, signer: SIGNER, invisible: true });
      const raw = rawEcdsa(createPrivateKey(readFileSync(join(p.dir, 'p521.key'))), 'sha512', prepared.signedAttributes);
      expect(raw.length).to.equal(132);
      const signed = await completeDeferredSignature(INPUT, prepared, raw);
      const result = await opensslCmsVerify(signed, 0, pem.toString());
      expect(result.ok, result.output).to.equal(true);
    });

    it('takes an RSASSA-PSS key (RFC 4055) as PSS only', async () => {
      const der = openssl(['req', '-x509', '-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=PSS', '-days', '1', '-outform', 'DER'], { cwd: p.dir });
      expect(externalSignerFromCertificates([der])).to.include({ scheme: 'rsa-pss', hash: 'sha256', signatureSize: 256 });
      await expectCode(() => externalSignerFromCertificates([der], { scheme: 'rsa-pkcs1' }), 'certificate_unsupported', 422);
    });

    it('refuses other keys, small RSA keys, wrong schemes, unreadable certificates and chains out of order with certificate_unsupported (422)', async () => {
      const ed = openssl(['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=Ed', '-days', '1', '-outform', 'DER'], { cwd: p.dir });
      const rsa1024 = openssl(['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=Small', '-days', '1', '-outform', 'DER'], { cwd: p.dir });
      await expectCode(() => externalSignerFromCertificates([ed]), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([rsa1024]), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([p.rsa.cert.raw], { scheme: 'ecdsa' }), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([p.ec256.cert.raw], { scheme: 'rsa-pss' }), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([Buffer.from('not a certificate')]), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([]), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([p.intermediate.cert.raw, p.ec256.cert.raw]), 'certificate_unsupported', 422);
      await expectCode(() => externalSignerFromCertificates([p.ec256.cert.raw, p.otherRoot.cert.raw]), 'certificate_unsupported', 422);
    });
  });

  describe('prepare and complete', () => {
    let ec384: ExternalSigner;
    let prepared: PreparedSignature;
    before(async () => {
      ec384 = externalSignerFromCertificates([p.ec384.cert.raw, p.intermediate.cert.raw]);
      prepared = await prepareDeferredSignature(INPUT, { externalSigner: ec384, signer: SIGNER, placement: { page: 1, x: 50, y: 50, width: 180, height: 60 } });
    });

    it('returns the update after the base, its gap, and the hash of the signed attributes to sign', () => {
      expect(prepared.baseLength).to.equal(INPUT.length);
      expect(prepared.basePdfSha256).to.equal(createHash('sha256').update(INPUT).digest('hex'));
      expect(prepared.dataToBeSignedDigest.equals(createHash('sha384').update(prepared.signedAttributes).digest())).to.equal(true);
      expect(prepared.signedAttributes[0]).to.equal(0x31); // SET OF, as signed (RFC 5652 §5.4)
      const gap = prepared.update.subarray(prepared.contentsAt, prepared.contentsEnd).toString('latin1');
      expect(gap).to.match(/^<0+>$/);
      // The ByteRange in the update already names the gap at its offset in the whole file.
      const byteRange = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\s*\]/.exec(prepared.update.toString('latin1'))!.slice(1).map(Number);
      expect(byteRange).to.deep.equal([0, INPUT.length + prepared.contentsAt, INPUT.length + prepared.contentsEnd, prepared.update.length - prepared.contentsEnd]);
    });

    it('completes with a raw r‖s ECDSA value, embedding it as DER', async () => {
      const raw = rawEcdsa(p.ec384.key, 'sha384', prepared.signedAttributes);
      expect(raw.length).to.equal(96);
      const signed = await completeDeferredSignature(INPUT, prepared, raw);
      expect(signed.subarray(0, INPUT.length).equals(INPUT)).to.equal(true);
      await expectCmsValid(p, signed);
      // The CMS carries the DER ECDSA-Sig-Value (RFC 5753 §7.2), not the raw form: r and s appear as DER INTEGERs.
      const cms = extractSignatures(signed)[0].contents.toString('hex');
      expect(cms).to.not.include(raw.toString('hex'));
      expect(cms).to.include(raw.subarray(48).toString('hex').replace(/^(00)+/, '').slice(0, 40));
    });

    it('completes with a DER ECDSA value made over the bare digest', async () => {
      const der = signDigest(p.ec384, prepared.dataToBeSignedDigest, 'sha384', null);
      expect(der[0]).to.equal(0x30);
      const signed = await completeDeferredSignature(INPUT, prepared, der);
      await expectCmsValid(p, signed);
      expect(extractSignatures(signed)[0].contents.toString('hex')).to.include(der.toString('hex'));
    });

    it('leaves the prepared state untouched, so completing again gives the same bytes', async () => {
      const before = serializePreparedSignature(prepared);
      const der = signDigest(p.ec384, prepared.dataToBeSignedDigest, 'sha384', null);
      const first = await completeDeferredSignature(INPUT, prepared, der);
      const second = await completeDeferredSignature(INPUT, prepared, der);
      expect(first.equals(second)).to.equal(true);
      expect(serializePreparedSignature(prepared)).to.equal(before);
    });

    it('refuses a document that moved on with document_changed (409)', async () => {
      const der = signDigest(p.ec384, prepared.dataToBeSignedDigest, 'sha384', null);
      await expectCode(completeDeferredSignature(Buffer.concat([INPUT, Buffer.from('\n')]), prepared, der), 'document_changed', 409);
      const sameLength = Buffer.from(INPUT);
      sameLength[100] ^= 0x01;
      await expectCode(completeDeferredSignature(sameLength, prepared, der), 'document_changed', 409);
    });

    it('refuses a value that does not verify with signature_value_invalid (422)', async () => {
      const der = signDigest(p.ec384, prepared.dataToBeSignedDigest, 'sha384', null);
      const flipped = Buffer.from(der);
      flipped[flipped.length - 1] ^= 0x01;
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
      const overOtherData = rawEcdsa(p.ec384.key, 'sha384', Buffer.from('something else'));
      for (const value of [flipped, rawEcdsa(otherKey, 'sha384', prepared.signedAttributes), overOtherData, Buffer.alloc(0), Buffer.alloc(96), der.subarray(1), Buffer.alloc(4096, 1), der.toString('base64') as unknown as Buffer]) {
        await expectCode(completeDeferredSignature(INPUT, prepared, value), 'signature_value_invalid', 422);
      }
    });

    it('refuses attributes that no longer belong to the update with prepared_signature_invalid', async () => {
      const der = signDigest(p.ec384, prepared.dataToBeSignedDigest, 'sha384', null);
      const update = Buffer.from(prepared.update);
      update[update.length - 20] ^= 0x01; // inside the ByteRange, after the gap
      await expectCode(completeDeferredSignature(INPUT, { ...prepared, update }, der), 'prepared_signature_invalid', 500);
    });

    it('fails like signPdf on a page that does not exist', async () => {
      await expectCode(prepareDeferredSignature(INPUT, { externalSigner: ec384, signer: SIGNER, placement: { page: 9, x: 0, y: 0, width: 10, height: 10 } }), 'placement_invalid', 400);
    });
  });

  describe('RSA values made over the digest', () => {
    const cases: { title: string; scheme: 'rsa-pkcs1' | 'rsa-pss'; hash: HashAlgorithm }[] = [
      { title: 'PKCS#1 v1.5, SHA-256', scheme: 'rsa-pkcs1', hash: 'sha256' },
      { title: 'PSS, SHA-256', scheme: 'rsa-pss', hash: 'sha256' },
      { title: 'PSS, SHA-512', scheme: 'rsa-pss', hash: 'sha512' },
    ];
    for (const c of cases) {
      it(c.title, async () => {
        const externalSigner = externalSignerFromCertificates([p.rsa.cert.raw, p.intermediate.cert.raw], { scheme: c.scheme, hash: c.hash });
        const prepared = await prepareDeferredSignature(INPUT, { externalSigner, signer: SIGNER, invisible: true });
        const value = signDigest(p.rsa, prepared.dataToBeSignedDigest, c.hash, c.scheme === 'rsa-pss' ? 'pss' : 'pkcs1');
        const signed = await completeDeferredSignature(INPUT, prepared, value);
        await expectCmsValid(p, signed);
        // A PKCS#1 value where PSS was announced (or the reverse) is refused.
        const other = signDigest(p.rsa, prepared.dataToBeSignedDigest, c.hash, c.scheme === 'rsa-pss' ? 'pkcs1' : 'pss');
        await expectCode(completeDeferredSignature(INPUT, prepared, other), 'signature_value_invalid', 422);
      });
    }

    it('takes back an RSA value whose leading zero octet was dropped or doubled', async () => {
      const externalSigner = externalSignerFromCertificates([p.rsa.cert.raw, p.intermediate.cert.raw], { scheme: 'rsa-pss' });
      const prepared = await prepareDeferredSignature(INPUT, { externalSigner, signer: SIGNER, invisible: true });
      let value = Buffer.alloc(0);
      // PSS is randomised: about one value in 256 starts with a zero octet.
      for (let i = 0; i < 20_000 && value[0] !== 0; i++) {
        value = sign('sha256', prepared.signedAttributes, { key: p.rsa.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      }
      expect(value[0]).to.equal(0);
      const signed = await completeDeferredSignature(INPUT, prepared, value.subarray(1));
      await expectCmsValid(p, signed);
      // …and one given a zero octet too many, as a signed INTEGER would carry it.
      const other = sign('sha256', prepared.signedAttributes, { key: p.rsa.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      await expectCmsValid(p, await completeDeferredSignature(INPUT, prepared, Buffer.concat([Buffer.alloc(1), other])));
    });
  });

  describe('serializePreparedSignature / deserializePreparedSignature', () => {
    let prepared: PreparedSignature;
    let json: string;
    before(async () => {
      const externalSigner = externalSignerFromCertificates([p.ec256.cert.raw, p.intermediate.cert.raw]);
      prepared = await prepareDeferredSignature(INPUT, { externalSigner, signer: SIGNER, invisible: true });
      json = serializePreparedSignature(prepared);
    });

    it('round-trips through a JSON string and completes from it', async () => {
      const parsed = JSON.parse(json) as Record<string, unknown>;
      expect(parsed.update).to.equal(prepared.update.toString('base64'));
      const back = deserializePreparedSignature(json);
      expect(serializePreparedSignature(back)).to.equal(json);
      const raw = rawEcdsa(p.ec256.key, 'sha256', back.signedAttributes);
      const signed = await completeDeferredSignature(INPUT, back, raw);
      await expectCmsValid(p, signed);
    });

    it('refuses what is not its own shape, or does not hold together, with prepared_signature_invalid', async () => {
      const edit = (change: (o: Record<string, any>) => void): string => {
        const o = JSON.parse(json) as Record<string, any>;
        change(o);
        return JSON.stringify(o);
      };
      const gapByte = (offset: number) => (o: Record<string, any>) => {
        const update = Buffer.from(o.update, 'base64');
        update[o.contentsAt + offset] = 0x31;
        o.update = update.toString('base64');
      };
      const bad = [
        'not json',
        '[]',
        'x'.repeat(2 << 20),
        edit((o) => (o.version = 2)),
        edit((o) => delete o.signedAttributes),
        edit((o) => (o.extra = true)),
        edit((o) => (o.contentsAt = -1)),
        edit((o) => (o.contentsAt += 1)),
        edit((o) => (o.contentsEnd = 10 ** 9)),
        edit(gapByte(5)),
        edit((o) => (o.basePdfSha256 = 'abc')),
        edit((o) => (o.dataToBeSignedDigest = Buffer.alloc(32).toString('base64'))),
        edit((o) => (o.signer.signatureSize = 64)),
        edit((o) => (o.signer.hash = 'sha384')), // the digest was made with sha256
        edit((o) => (o.signer.certificates = [...o.signer.certificates].reverse())),
        edit((o) => (o.signer.scheme = 'rsa-pss')),
        edit((o) => (o.update = '%%%')),
      ];
      for (const s of bad) await expectCode(() => deserializePreparedSignature(s), 'prepared_signature_invalid', 500);
    });
  });
});
