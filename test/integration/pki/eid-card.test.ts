/**
 * The eID test card (test/helpers/eid-card.ts) and the responder of its CA (foreign-ca-responder.ts), checked by
 * tools that share no code with them: node:crypto verifies what the card signs, pkcs11-tool sees the key as sensitive
 * and never extractable, `openssl verify` accepts the chain and `openssl ocsp` reads the responder's answers. Then our
 * remote revocation source fetches good and revoked answers for the card's certificate from that responder.
 */
import { expect } from 'chai';
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '../../../src/keys/dev-pki.ts';
import { createRemoteRevocationSource } from '../../../src/keys/remote-revocation-source.ts';
import { RevocationEvidence, statusAt } from '../../../src/pades/revocation-check.ts';
import { createEidCard, type EidCard, type EidVariant } from '../../helpers/eid-card.ts';
import { startForeignCaResponder, type ForeignCaResponder } from '../../helpers/foreign-ca-responder.ts';
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.ts';

/** stdout and stderr of openssl, whatever its exit status: the assertions read what it says. */
function opensslText(args: string[]): string {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`;
}

/** Asynchronous, so that the in-process responder can answer while openssl waits. */
async function opensslAsync(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)('openssl', args, { encoding: 'utf8' });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
}

describe('eID test card (SoftHSM2) and its CA responder', function () {
  this.timeout(120_000);
  let hsm: SoftHsm;
  const cards = {} as Record<EidVariant, { card: EidCard; responder: ForeignCaResponder; dir: string }>;

  before(async () => {
    // Both cards from one SoftHsm before any token of this process is opened (SOFTHSM2_CONF is read once).
    hsm = createSoftHsm();
    const tokens = { 'ecdsa-p384': hsm.initToken('BELPIC P-384'), 'rsa-2048': hsm.initToken('BELPIC RSA') };
    for (const [variant, surname] of [['ecdsa-p384', 'Peeters'], ['rsa-2048', 'Janssens']] as const) {
      const responder = await startForeignCaResponder();
      const card = await createEidCard({
        softHsm: hsm,
        variant,
        name: { given: 'Jan', surname },
        token: tokens[variant],
        ocspUrl: responder.ocspUrl,
        caIssuersUrl: responder.caIssuersUrl,
        crlUrl: responder.crlUrl,
      });
      responder.setIssuer(card.citizenCaDer, card.citizenCaKey);
      const dir = join(hsm.directory, variant);
      execFileSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'root.pem'), card.rootPem);
      writeFileSync(join(dir, 'ca.pem'), toPem(card.citizenCaDer));
      writeFileSync(join(dir, 'leaf.pem'), toPem(card.signatureCertDer));
      cards[variant] = { card, responder, dir };
    }
  });
  after(async () => {
    for (const { card, responder } of Object.values(cards)) {
      await card.close();
      await responder.close();
    }
    hsm?.cleanup();
  });

  for (const variant of ['ecdsa-p384', 'rsa-2048'] as const) {
    describe(variant, () => {
      it('signs a digest as a card does, and node verifies it against the signature certificate', async () => {
        const { card } = cards[variant];
        const data = randomBytes(200);
        const hash = card.hashAlgorithm;
        const signature = await card.signHash(createHash(hash).update(data).digest(), hash);
        const certificate = new X509Certificate(card.signatureCertDer);
        if (variant === 'ecdsa-p384') {
          expect(hash).to.equal('sha384');
          expect(signature).to.have.length(96); // raw r || s, 48 bytes each (what Web eID hands over)
          expect(verify(hash, data, { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).to.equal(true);
        } else {
          expect(signature).to.have.length(256);
          expect(verify(hash, data, certificate.publicKey, signature)).to.equal(true);
        }
        expect(verify(hash, randomBytes(200), { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).to.equal(false);
      });

      it('keeps the key in the token, sensitive and never extractable, with its certificate under the same id', () => {
        const { card } = cards[variant];
        const tool = (args: string[]) => hsm.pkcs11Tool(['--token-label', card.tokenOptions.tokenLabel, ...args]);
        const keys = tool(['--login', '--pin', card.tokenOptions.pin, '--list-objects', '--type', 'privkey']);
        expect(keys).to.match(variant === 'ecdsa-p384' ? /Private Key Object; EC/ : /Private Key Object; RSA/);
        expect(keys).to.match(/label:\s+Signature/);
        expect(keys).to.match(/Access:.*\bsensitive\b/);
        expect(keys).to.match(/never extractable/);
        expect(keys).to.match(new RegExp(`ID:\\s+${card.keyId.toString('hex')}`));
        const out = join(cards[variant].dir, 'token-cert.der');
        tool(['--read-object', '--type', 'cert', '--id', card.keyId.toString('hex'), '-o', out]);
        const stored = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', out, '-outform', 'DER']);
        expect(Buffer.compare(stored, card.signatureCertDer)).to.equal(0);
      });

      it('has a chain that openssl verifies, shaped like a Belgian eID signature certificate', () => {
        const { dir, card } = cards[variant];
        const verified = opensslText(['verify', '-x509_strict', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'ca.pem'), join(dir, 'leaf.pem')]);
        expect(verified).to.contain('leaf.pem: OK');
        const text = opensslText(['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text', '-nameopt', 'RFC2253']);
        expect(text).to.contain(`Subject: serialNumber=${card.nationalNumber},GN=Jan,SN=${variant === 'ecdsa-p384' ? 'Peeters' : 'Janssens'},CN=Jan`);
        expect(text).to.match(/Issuer: CN=Test Citizen CA,serialNumber=202401,O=[^,]+,C=BE/);
        expect(text).to.match(/X509v3 Key Usage: critical\s+Non Repudiation\s*\n/);
        expect(text).to.contain('Policy: 0.4.0.194112.1.2');
        expect(text).to.match(/OCSP - URI:http:\/\/127\.0\.0\.1:\d+\/ocsp/);
        expect(text).to.match(/CA Issuers - URI:http:\/\/127\.0\.0\.1:\d+\/ca\.crt/);
        expect(text).to.match(/URI:http:\/\/127\.0\.0\.1:\d+\/crl/);
        // OpenSSL 3 prints QcStatements as an unnamed extension: check its DER holds the three ETSI statements.
        const qc = new X509Certificate(card.signatureCertDer).raw.toString('hex');
        for (const statement of ['04008e460101', '04008e460104', '04008e460106', '04008e46010601']) expect(qc).to.contain(statement);
        expect(/^\d{11}$/.test(card.nationalNumber) && 97 - (Number(card.nationalNumber.slice(0, 9)) % 97)).to.equal(Number(card.nationalNumber.slice(9)));
      });
    });
  }

  it('answers openssl ocsp good, then revoked, and serves a CRL that openssl accepts', async () => {
    const { card, responder, dir } = cards['ecdsa-p384'];
    const ask = () =>
      opensslAsync(['ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, 'leaf.pem'), '-url', responder.ocspUrl, '-CAfile', join(dir, 'root.pem'), '-verify_other', join(dir, 'ca.pem')]);
    const good = await ask();
    expect(good).to.contain('Response verify OK');
    expect(good).to.match(/leaf\.pem: good/);
    responder.revoke(new X509Certificate(card.signatureCertDer).serialNumber, { reason: 'keyCompromise' });
    const revoked = await ask();
    expect(revoked).to.contain('Response verify OK');
    expect(revoked).to.match(/leaf\.pem: revoked[\s\S]*Reason: keyCompromise/);
    const crl = Buffer.from(await (await fetch(responder.crlUrl)).arrayBuffer());
    writeFileSync(join(dir, 'ca.crl'), crl);
    const text = opensslText(['crl', '-inform', 'DER', '-in', join(dir, 'ca.crl'), '-noout', '-text', '-CAfile', join(dir, 'ca.pem')]);
    expect(text).to.contain('verify OK');
    expect(text.toLowerCase()).to.contain(new X509Certificate(card.signatureCertDer).serialNumber.toLowerCase());
  });

  it('gives the remote revocation source a good, then a revoked answer for the card, as openssl reads them too', async () => {
    const { card, responder, dir } = cards['rsa-2048'];
    const leaf = new X509Certificate(card.signatureCertDer);
    const issuer = new X509Certificate(card.citizenCaDer);
    const source = createRemoteRevocationSource({ timeoutMs: 5_000 });
    const status = async (name: string) => {
      const data = await source.revocationData(leaf, issuer);
      expect(data?.ocsps).to.have.length(1);
      // The response the source kept, judged by openssl on its own: signature, CertID and status.
      writeFileSync(join(dir, name), data!.ocsps[0]);
      const text = opensslText(['ocsp', '-respin', join(dir, name), '-no_nonce', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, 'leaf.pem'), '-CAfile', join(dir, 'root.pem'), '-verify_other', join(dir, 'ca.pem')]);
      expect(text).to.contain('Response verify OK');
      const ours = statusAt(new RevocationEvidence(data!, 'live').findings(leaf, issuer), new Date()).status;
      expect(text).to.match(new RegExp(`leaf\\.pem: ${ours}`));
      return ours;
    };
    expect(await status('good.der')).to.equal('good');
    responder.revoke(leaf.serialNumber);
    expect(await status('revoked.der')).to.equal('revoked');
  });
});
