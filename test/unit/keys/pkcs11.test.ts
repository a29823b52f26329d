/**
 * Keys in a PKCS#11 token (SoftHSM2 in a temporary directory with its own SOFTHSM2_CONF): CA, seal, TSA
 * and signer keys generated inside the token sign certificates and PDFs; the results are checked by
 * pdfsig (NSS, trusting only the token's root), qpdf --check, openssl cms -verify and openssl verify,
 * and pkcs11-tool confirms that no private key can leave the token.
 */
import { expect } from 'chai';
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OID } from '../../../src/asn1/der.ts';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { buildCertificate } from '../../../src/keys/certificate-builder.ts';
import { digestInfo, ecdsaRawToDer } from '../../../src/keys/pkcs11-mechanism.ts';
import { generateTokenKeyPair, storeTokenCertificate } from '../../../src/keys/pkcs11-objects.ts';
import { initTokenPki, TOKEN_LABELS } from '../../../src/keys/pkcs11-pki.ts';
import { createTokenPkiServices, type TokenPkiServices } from '../../../src/keys/pkcs11-pki-provider.ts';
import { Pkcs11Token } from '../../../src/keys/pkcs11.ts';
import type { SigningKey, SignatureScheme } from '../../../src/keys/types.ts';
import { signPdf } from '../../../src/pades/sign-pdf.ts';
import { createBuiltInTsa } from '../../../src/pades/tsa.ts';
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.ts';
import { opensslCmsVerify, pdfsig, qpdfCheck } from '../../helpers/validators.ts';
import { openssl, writePem } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/pdf/libreoffice-decision.pdf');
const BASE_URL = 'http://127.0.0.1:9'; // nothing listens there: no validator may depend on it
const ORG = { id: 'org-1', slug: 'zoersel', name: 'Gemeente Zoersel' };

describe('keys/pkcs11 (SoftHSM2)', function () {
  this.timeout(120_000);
  let hsm: SoftHsm;
  let tokenOptions: { module: string; pin: string; tokenLabel: string };
  let otherSlot: number;
  let token: Pkcs11Token;
  let services: TokenPkiServices;
  let rootPem: string;

  before(async () => {
    hsm = createSoftHsm();
    const created = hsm.initToken('paraaf-test');
    tokenOptions = { module: created.module, pin: created.pin, tokenLabel: created.tokenLabel };
    otherSlot = hsm.initToken('other-token').slot;
    token = Pkcs11Token.open(tokenOptions);
    expect(await initTokenPki(token, { baseUrl: BASE_URL })).to.deep.equal([TOKEN_LABELS.root, TOKEN_LABELS.tsa]);
    services = await createTokenPkiServices({ token, baseUrl: BASE_URL, provisionOnFirstUse: true });
    rootPem = services.root.toString();
    writeFileSync(join(hsm.directory, 'root.pem'), rootPem);
  });
  after(async () => {
    await token?.close();
    hsm?.cleanup();
  });

  /** Signs the fixture once with `key` and runs the three validators over the result. */
  async function expectSignedPdfValid(key: SigningKey, name: string): Promise<void> {
    const signed = await signPdf(readFileSync(FIXTURE), { key, signer: { name }, placement: { page: 1, x: 50, y: 50, width: 180, height: 50 } });
    const file = join(hsm.directory, `${name.replace(/\W+/g, '-')}.pdf`);
    writeFileSync(file, signed);
    const checked = await pdfsig(file, [rootPem]);
    expect(checked.signatures, checked.stdout).to.have.length(1);
    expect(checked.signatures[0].rawStatus, checked.stdout).to.equal('Signature is Valid.');
    expect(checked.signatures[0].rawCertStatus, checked.stdout).to.equal('Certificate is Trusted.');
    expect((await qpdfCheck(file)).ok).to.equal(true);
    const chain = key.certificates.slice(1).map((der) => new X509Certificate(der).toString()).join('');
    const cms = await opensslCmsVerify(signed, 0, rootPem, { extraCertsPem: chain });
    expect(cms.ok, cms.output).to.equal(true);
  }

  /** A signer key made by pkcs11-tool (not by our code), certified by the organisation's CA in the token. */
  async function certifiedSigner(label: string, keyType: string, scheme?: SignatureScheme): Promise<SigningKey> {
    const id = Buffer.from(label).toString('hex');
    const login = ['--token-label', tokenOptions.tokenLabel, '--login', '--pin', tokenOptions.pin];
    hsm.pkcs11Tool([...login, '--keypairgen', '--key-type', keyType, '--label', label, '--id', id]);
    const spki = join(hsm.directory, `${label}.pub.der`);
    hsm.pkcs11Tool(['--token-label', tokenOptions.tokenLabel, '--read-object', '--type', 'pubkey', '--id', id, '-o', spki]);
    await services.provider.forOrganisation(ORG); // provisions the CA
    const ca = (await services.authorities.authority(ORG.slug))!;
    const certificate = await buildCertificate(
      {
        subject: [{ type: 'organizationName', value: ORG.name }, { type: 'commonName', value: label }],
        subjectPublicKey: createPublicKey({ key: readFileSync(spki), format: 'der', type: 'spki' }),
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        keyUsage: ['digitalSignature', 'nonRepudiation'],
        extendedKeyUsage: [OID.emailProtection, OID.documentSigning], // NSS wants emailProtection
      },
      { key: ca, certificate: ca.certificates[0] },
    );
    await storeTokenCertificate(token, label, Buffer.from(id, 'hex'), certificate);
    return (await token.signingKey(label, scheme ? { scheme } : {}))!;
  }

  it('signs a PDF with a token RSA key, PKCS#1 v1.5', async () => {
    const key = await certifiedSigner('signer-rsa', 'rsa:2048');
    expect([key.scheme, key.hash, key.signatureSize, key.certificates.length]).to.deep.equal(['rsa-pkcs1', 'sha256', 256, 3]);
    await expectSignedPdfValid(key, 'RSA PKCS1 signer');
  });

  it('signs a PDF with a token RSA key, PSS', async () => {
    const key = await certifiedSigner('signer-pss', 'rsa:2048', 'rsa-pss');
    expect(key.scheme).to.equal('rsa-pss');
    await expectSignedPdfValid(key, 'RSA PSS signer');
  });

  it('signs a PDF with a token ECDSA P-256 key (r || s from the token, DER in the CMS)', async () => {
    const key = await certifiedSigner('signer-ec', 'EC:prime256v1');
    expect([key.scheme, key.hash, key.signatureSize]).to.deep.equal(['ecdsa', 'sha256', 72]);
    await expectSignedPdfValid(key, 'ECDSA signer');
  });

  it("issues a one-shot certificate with the organisation's token CA, and that certificate signs a PDF", async () => {
    const issuer = await services.provider.forOrganisation(ORG);
    const key = await issuer.issueOneShot({ name: 'Liesbeth Van den Broeck', email: 'liesbeth@zoersel.be' });
    const [leaf, ca, root] = key.certificates.map((der) => new X509Certificate(der));
    expect(leaf.subject).to.contain('O=Gemeente Zoersel');
    expect(ca.subject).to.contain('CN=Gemeente Zoersel — uitgevende CA');
    expect(root.raw.equals(services.root.raw)).to.equal(true);
    writePem(join(hsm.directory, 'leaf.pem'), leaf.raw);
    writePem(join(hsm.directory, 'ca.pem'), ca.raw);
    expect(openssl(hsm.directory, 'verify', '-CAfile', 'root.pem', '-untrusted', 'ca.pem', 'leaf.pem')).to.contain('leaf.pem: OK');
    await expectSignedPdfValid(key, 'Liesbeth Van den Broeck');
  });

  it("signs with the organisation's seal, an RSA-3072 key in the token", async () => {
    const seal = await (await services.provider.forOrganisation(ORG)).seal();
    expect(new X509Certificate(seal.certificates[0]).subject).to.contain('CN=Gemeente Zoersel — elektronisch zegel');
    await expectSignedPdfValid(seal, 'Zegel');
  });

  it('gives the TSA key a certificate with the critical timeStamping EKU only, issued by the root', () => {
    writePem(join(hsm.directory, 'tsa.pem'), services.tsaKey.certificates[0]);
    const text = openssl(hsm.directory, 'x509', '-in', 'tsa.pem', '-noout', '-ext', 'extendedKeyUsage');
    expect(text).to.match(/X509v3 Extended Key Usage: critical\s+Time Stamping\s*$/);
    expect(openssl(hsm.directory, 'verify', '-CAfile', 'root.pem', '-purpose', 'timestampsign', 'tsa.pem')).to.contain('tsa.pem: OK');
  });

  it('runs the built-in TSA on the token key: openssl ts -verify accepts its tokens, and a B-T signature passes pdfsig', async () => {
    const tsa = createBuiltInTsa({ key: services.tsaKey, policy: '2.25.1', clock: () => new Date() });
    const digest = createHash('sha384').update('council decision').digest();
    const tsaToken = await tsa.timestamp(digest, 'sha384');
    writeFileSync(join(hsm.directory, 'token.tst'), tsaToken);
    writePem(join(hsm.directory, 'tsa-chain.pem'), services.tsaKey.certificates[0]);
    const verified = openssl(hsm.directory, 'ts', '-verify', '-digest', digest.toString('hex'), '-in', 'token.tst', '-token_in',
      '-CAfile', 'root.pem', '-untrusted', 'tsa-chain.pem');
    expect(verified).to.contain('Verification: OK');
    const issuer = await services.provider.forOrganisation(ORG);
    const key = await issuer.issueOneShot({ name: 'Jef Peeters' });
    const signed = await signPdf(readFileSync(FIXTURE), { key, signer: { name: 'Jef Peeters' }, timeStamper: tsa, invisible: true });
    const file = join(hsm.directory, 'b-t.pdf');
    writeFileSync(file, signed);
    const checked = await pdfsig(file, [rootPem]);
    expect(checked.signatures[0]?.rawStatus, checked.stdout).to.equal('Signature is Valid.');
    expect(checked.signatures[0]?.rawCertStatus, checked.stdout).to.equal('Certificate is Trusted.');
  });

  it('names the CAs that sign CRLs and OCSP responses, and no other key', async () => {
    const ca = (await services.authorities.authority(ORG.slug))!;
    expect((await services.authorities.authority('root'))!.certificates[0].equals(services.root.raw)).to.equal(true);
    expect(await services.authorities.authority('nobody')).to.equal(null);
    expect(await services.authorities.authority('../etc')).to.equal(null);
    const caCert = new X509Certificate(ca.certificates[0]);
    expect((await services.authorities.authorityFor(caCert))!.certificates[0].equals(caCert.raw)).to.equal(true);
    expect(await services.authorities.authorityFor(new X509Certificate(services.tsaKey.certificates[0]))).to.equal(null);
  });

  it('keeps every private key in the token: sensitive, never extractable, private exponent unreadable', async () => {
    const listing = hsm.pkcs11Tool(['--token-label', tokenOptions.tokenLabel, '--login', '--pin', tokenOptions.pin, '--list-objects', '--type', 'privkey']);
    const keys = listing.split('Private Key Object').slice(1);
    expect(keys.length).to.be.greaterThan(5);
    for (const key of keys.filter((k) => !/label:\s+signer-/.test(k))) {
      expect(key).to.match(/Access:\s+sensitive, always sensitive, never extractable, local/);
      expect(key).to.match(/Usage:\s+sign\s*$/m);
    }
    const handle = (await token.privateKeyHandle(TOKEN_LABELS.root))!;
    await token.withSession((session) => {
      expect(() => token.attributes(session, handle, [token.p11.CKA_PRIVATE_EXPONENT])).to.throw(/CKR_ATTRIBUTE_SENSITIVE/);
    });
  });

  it('refuses a second key under a label in use, and a wrong PIN or an unknown token with a clear error', async () => {
    let error: unknown;
    await generateTokenKeyPair(token, TOKEN_LABELS.root, { type: 'ec', curve: 'P-256' }).catch((e) => (error = e));
    expect(error).to.have.property('message').that.contains('already holds a key labelled "paraaf-root"');
    expect(() => Pkcs11Token.open({ ...tokenOptions, tokenLabel: 'other-token', pin: '000000' })).to.throw(/Login to PKCS#11 token "other-token" failed/);
    expect(() => Pkcs11Token.open({ ...tokenOptions, tokenLabel: 'missing' })).to.throw(/No PKCS#11 token label "missing".*"paraaf-test"/);
    expect(() => Pkcs11Token.open({ ...tokenOptions, tokenLabel: undefined })).to.throw(/Several PKCS#11 tokens match/);
  });

  it('opens a token by slot ID (PKCS11_SLOT) without a label', async () => {
    const other = Pkcs11Token.open({ module: tokenOptions.module, pin: tokenOptions.pin, slot: otherSlot });
    try {
      expect(other.label).to.equal('other-token');
    } finally {
      await other.close();
    }
  });

  it('signs concurrently with one key, each signature in its own session', async () => {
    const seal = await (await services.provider.forOrganisation(ORG)).seal();
    const messages = Array.from({ length: 12 }, (_, i) => Buffer.from(`besluit ${i}`));
    const signatures = await Promise.all(messages.map((message) => seal.sign(message)));
    const certificate = new X509Certificate(seal.certificates[0]);
    signatures.forEach((signature, i) => expect(verify('sha256', messages[i], certificate.publicKey, signature)).to.equal(true));
  });

  it('logs in again when the token logged the application out, and reports a token failure as hsm_unavailable', async () => {
    const seal = await (await services.provider.forOrganisation(ORG)).seal();
    await token.withSession((session) => token.lib.C_Logout(session)); // as after an HSM restart
    const message = Buffer.from('na afmelding');
    expect(verify('sha256', message, new X509Certificate(seal.certificates[0]).publicKey, await seal.sign(message))).to.equal(true);
    const handle = (await token.privateKeyHandle(TOKEN_LABELS.root))!;
    let error: unknown;
    // CKM_ECDSA on an RSA key: the token refuses, and the caller gets a clear 503, not a raw PKCS#11 error.
    await token.signRaw(handle, { mechanism: { mechanism: token.p11.CKM_ECDSA }, input: Buffer.alloc(32) }).catch((e) => (error = e));
    expect(error).to.include({ code: 'hsm_unavailable', status: 503 });
  });

  it('finds nothing for a label without a key, and rejects a certificate that belongs to another key', async () => {
    expect(await token.signingKey('no-such-key')).to.equal(null);
    const stray = await generateTokenKeyPair(token, 'stray', { type: 'ec', curve: 'P-256' });
    await storeTokenCertificate(token, 'stray', stray.id, services.tsaKey.certificates[0]);
    let error: unknown;
    await token.signingKey('stray').catch((e) => (error = e));
    expect(error).to.have.property('code', 'key_certificate_mismatch');
  });

  it('rolls the TSA key over inside the token when less than a year is left; the built-in TSA uses it at once, a restart loads it', async () => {
    let offset = 0;
    const now = (): Date => new Date(Date.now() + offset);
    const rolling = await createTokenPkiServices({ token, baseUrl: BASE_URL, now });
    expect(await rolling.currentTsaKey!()).to.equal(rolling.tsaKey);
    offset = 11.1 * 365.25 * 86_400_000;
    const [a, b] = await Promise.all([rolling.currentTsaKey!(), rolling.currentTsaKey!()]);
    expect(a, 'one rollover for simultaneous callers').to.equal(b);
    const next = new X509Certificate(a.certificates[0]);
    expect(next.subject).to.equal('C=BE\nO=Paraaf\nCN=Paraaf Time-Stamping Authority 2');
    expect(a.certificates.at(-1)!.equals(services.root.raw)).to.equal(true);
    expect(await token.privateKeyHandle(TOKEN_LABELS.tsaGeneration(2))).to.not.equal(null);
    expect(await token.privateKeyHandle(TOKEN_LABELS.tsa), 'the old key stays').to.not.equal(null);

    const tsa = createBuiltInTsa({ key: rolling.currentTsaKey!, policy: '2.25.1', clock: now });
    const digest = createHash('sha384').update('besluit na de sleutelwissel').digest();
    writeFileSync(join(hsm.directory, 'rolled.tst'), await tsa.timestamp(digest, 'sha384'));
    writePem(join(hsm.directory, 'tsa-2.pem'), next.raw);
    const verified = openssl(hsm.directory, 'ts', '-verify', '-digest', digest.toString('hex'), '-in', 'rolled.tst', '-token_in',
      '-CAfile', 'root.pem', '-untrusted', 'tsa-2.pem', '-attime', String(Math.floor(now().getTime() / 1000)));
    expect(verified).to.contain('Verification: OK');

    const restarted = await createTokenPkiServices({ token, baseUrl: BASE_URL, now });
    expect(restarted.tsaKey.certificates[0].equals(next.raw)).to.equal(true);
  });
});

describe('keys/pkcs11-mechanism', () => {
  it('wraps the digest in a DigestInfo (RFC 8017 §9.2 note 1 prefix for SHA-256)', () => {
    const digest = Buffer.alloc(32, 0xab);
    expect(digestInfo('sha256', digest).toString('hex')).to.equal('3031300d060960864801650304020105000420' + digest.toString('hex'));
  });

  it('turns r || s into an ECDSA-Sig-Value, adding a zero octet to a high r and dropping leading zeros of s', () => {
    const r = Buffer.alloc(32, 0x80);
    const s = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(30, 0x11)]);
    const der = ecdsaRawToDer(Buffer.concat([r, s]));
    expect(der.toString('hex')).to.equal('3043' + '022100' + r.toString('hex') + '021e' + Buffer.alloc(30, 0x11).toString('hex'));
    expect(() => ecdsaRawToDer(Buffer.alloc(63))).to.throw(/not r \|\| s/);
  });
});

describe('config: PKCS11_*', () => {
  it('reads the module, PIN, token label and slot', () => {
    const config = loadConfig({ PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so', PKCS11_PIN: '1234', PKCS11_TOKEN_LABEL: 'paraaf', PKCS11_SLOT: '7' });
    expect(config.pkcs11).to.deep.equal({ module: '/usr/lib/softhsm/libsofthsm2.so', pin: '1234', tokenLabel: 'paraaf', slot: 7 });
    expect(loadConfig({}).pkcs11).to.equal(undefined);
    expect(loadConfig({ PKCS11_MODULE: '', PKCS11_PIN: '' }).pkcs11).to.equal(undefined);
  });

  it('refuses a relative module path, a module without PIN and a PIN without module', () => {
    expect(() => loadConfig({ PKCS11_MODULE: 'libsofthsm2.so', PKCS11_PIN: '1234' })).to.throw(ConfigError, /PKCS11_MODULE: expected the absolute path/);
    expect(() => loadConfig({ PKCS11_MODULE: '/x/module.so' })).to.throw(ConfigError, /PKCS11_PIN: required with PKCS11_MODULE/);
    expect(() => loadConfig({ PKCS11_PIN: '1234' })).to.throw(ConfigError, /PKCS11_PIN: set PKCS11_MODULE too/);
  });
});
