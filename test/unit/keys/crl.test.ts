import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate } from '../../../src/keys/certificate-builder.ts';
import { buildCrl, CRL_REASONS, isCrlReason, type RevokedEntry } from '../../../src/keys/crl.ts';
import { openssl, tempDir, writePem } from './helpers.ts';
import { opensslAsync, revocationPki, type RevocationPki } from './revocation-pki.ts';

const serialOf = (hex: string): Buffer => Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');

describe('keys/crl', () => {
  const dir = tempDir('crl');
  after(dir.cleanup);
  const thisUpdate = new Date(Date.now() - 60_000);
  const nextUpdate = new Date(Date.now() + 7 * 86_400_000);

  for (const issuingType of ['ec', 'rsa'] as const) {
    describe(`issued by an ${issuingType} CA`, () => {
      let pki: RevocationPki;
      before(async () => {
        pki = await revocationPki(dir.path, issuingType);
      });

      async function writeCrl(entries: RevokedEntry[], crlNumber = 7n): Promise<void> {
        const der = await buildCrl({ issuer: pki.issuingKey, entries, thisUpdate, nextUpdate, crlNumber });
        writeFileSync(join(dir.path, 'crl.der'), der);
        openssl(dir.path, 'crl', '-inform', 'DER', '-in', 'crl.der', '-out', 'crl.pem');
      }

      it('is a v2 CRL that openssl verifies, with AKI, cRLNumber and reason codes', async () => {
        const revokedAt = new Date('2026-03-01T10:20:30Z');
        await writeCrl(
          [
            { serialNumber: serialOf(pki.leaves[1].serialNumber), revokedAt, reason: 'keyCompromise' },
            { serialNumber: Buffer.from('00ff01', 'hex'), revokedAt, reason: 'superseded' },
            { serialNumber: Buffer.from([5]), revokedAt, reason: 'unspecified' },
            { serialNumber: Buffer.from([6]), revokedAt },
          ],
          123456789012345678901234567890n,
        );
        const result = await opensslAsync(dir.path, 'crl', '-in', 'crl.pem', '-CAfile', 'issuing.pem', '-noout', '-text');
        expect(result.code).to.equal(0);
        expect(result.stderr).to.contain('verify OK');
        const text = result.stdout;
        expect(text).to.contain('Version 2 (0x1)');
        expect(text).to.contain('Issuer: O = Gemeente Zoersel, CN = Gemeente Zoersel \\E2\\80\\94 uitgevende CA');
        expect(text).to.match(/X509v3 CRL Number:\s+123456789012345678901234567890\n/);
        const ski = openssl(dir.path, 'x509', '-in', 'issuing.pem', '-noout', '-ext', 'subjectKeyIdentifier');
        const skiHex = ski.split('\n')[1].trim();
        expect(text).to.match(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${skiHex}`));
        expect(text).to.contain(`Serial Number: ${pki.leaves[1].serialNumber}`);
        expect(text).to.contain('Serial Number: FF01');
        expect(text).to.match(/Serial Number: FF01\s+Revocation Date: Mar {2}1 10:20:30 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Superseded/);
        expect(text).to.match(/Key Compromise/);
        // unspecified is left out (RFC 5280 §5.3.1), like an entry without a reason.
        expect(text).to.match(/Serial Number: 05\s+Revocation Date: [^\n]+\n\s+Serial Number: 06\s+Revocation Date: [^\n]+\n\s+Signature Algorithm/);
      });

      it('makes openssl verify -crl_check reject the revoked leaf and accept the others', async () => {
        await writeCrl([{ serialNumber: serialOf(pki.leaves[1].serialNumber), revokedAt: thisUpdate, reason: 'keyCompromise' }]);
        const check = (leaf: string) =>
          opensslAsync(dir.path, 'verify', '-crl_check', '-CRLfile', 'crl.pem', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', leaf);
        const good = await check('leaf0.pem');
        expect(good.code, good.stderr).to.equal(0);
        expect(good.stdout.trim()).to.equal('leaf0.pem: OK');
        const revoked = await check('leaf1.pem');
        expect(revoked.code).to.not.equal(0);
        expect(revoked.stdout + revoked.stderr).to.contain('certificate revoked');
      });

      it('leaves out revokedCertificates when nothing is revoked (RFC 5280 §5.1.2.6)', async () => {
        await writeCrl([], 0n);
        const result = await opensslAsync(dir.path, 'crl', '-in', 'crl.pem', '-CAfile', 'issuing.pem', '-noout', '-text');
        expect(result.stderr).to.contain('verify OK');
        expect(result.stdout).to.contain('No Revoked Certificates.');
        expect(result.stdout).to.match(/X509v3 CRL Number:\s+0\n/);
      });
    });
  }

  describe('certificate pointers (AIA, CRLDP)', () => {
    let pki: RevocationPki;
    let server: Server;
    let crl: Buffer;
    before(async () => {
      pki = await revocationPki(dir.path, 'ec', 2);
    });
    afterEach(() => server?.close());

    it('writes AIA OCSP + caIssuers and CRLDP that openssl reads', () => {
      const text = openssl(dir.path, 'x509', '-in', 'leaf0.pem', '-noout', '-text');
      expect(text).to.match(/Authority Information Access:\s+OCSP - URI:http:\/\/127\.0\.0\.1:9\/pki\/zoersel\/ocsp\s+CA Issuers - URI:http:\/\/127\.0\.0\.1:9\/pki\/zoersel\/ca\.crt/);
      expect(text).to.match(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/127\.0\.0\.1:9\/pki\/zoersel\/crl/);
      expect(text).to.not.contain('OCSP No Check');
      const caText = openssl(dir.path, 'x509', '-in', 'issuing.pem', '-noout', '-text');
      expect(caText).to.match(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/127\.0\.0\.1:9\/pki\/root\/crl/);
      expect(caText).to.match(/CA Issuers - URI:http:\/\/127\.0\.0\.1:9\/pki\/root\/ca\.crt/);
    });

    it('lets openssl -crl_download fetch the CRL from the CRLDP URL', async () => {
      // A leaf whose CRLDP points at a live local server, which serves the issuing CA's DER CRL.
      server = createServer((req, res) => {
        res.writeHead(req.url === '/pki/zoersel/crl' ? 200 : 404, { 'content-type': 'application/pkix-crl' });
        res.end(req.url === '/pki/zoersel/crl' ? crl : undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const make = async () =>
        buildCertificate(
          {
            subject: [{ type: 'commonName', value: 'Downloaded' }],
            subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
            notBefore: thisUpdate,
            notAfter: nextUpdate,
            keyUsage: ['digitalSignature'],
            crlUrls: [`http://127.0.0.1:${port}/pki/zoersel/crl`],
          },
          { key: pki.issuingKey, certificate: pki.issuing.raw },
        );
      const [good, bad] = [await make(), await make()];
      writePem(join(dir.path, 'dl-good.pem'), good);
      writePem(join(dir.path, 'dl-bad.pem'), bad);
      const badSerial = new X509Certificate(bad).serialNumber;
      crl = await buildCrl({ issuer: pki.issuingKey, entries: [{ serialNumber: serialOf(badSerial), revokedAt: thisUpdate }], thisUpdate, nextUpdate, crlNumber: 1n });
      const verify = (leaf: string) =>
        opensslAsync(dir.path, 'verify', '-crl_check', '-crl_download', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', leaf);
      const ok = await verify('dl-good.pem');
      expect(ok.code, ok.stderr).to.equal(0);
      const revoked = await verify('dl-bad.pem');
      expect(revoked.stdout + revoked.stderr).to.contain('certificate revoked');
    });

    it('marks a delegated responder certificate with id-pkix-ocsp-nocheck', async () => {
      const der = await buildCertificate(
        {
          subject: [{ type: 'commonName', value: 'OCSP responder' }],
          subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
          notBefore: thisUpdate,
          notAfter: nextUpdate,
          keyUsage: ['digitalSignature'],
          extendedKeyUsage: ['1.3.6.1.5.5.7.3.9'],
          ocspNoCheck: true,
        },
        { key: pki.issuingKey, certificate: pki.issuing.raw },
      );
      writePem(join(dir.path, 'responder.pem'), der);
      const text = openssl(dir.path, 'x509', '-in', 'responder.pem', '-noout', '-text');
      expect(text).to.contain('OCSP No Check');
      expect(text).to.contain('OCSP Signing');
    });

    it('refuses a URI that is not IA5 text', async () => {
      const attempt = buildCertificate(
        {
          subject: [{ type: 'commonName', value: 'x' }],
          subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
          notBefore: thisUpdate,
          notAfter: nextUpdate,
          keyUsage: ['digitalSignature'],
          ocspUrl: 'http://gemeente.be/ö cs p',
        },
        { key: pki.issuingKey, certificate: pki.issuing.raw },
      );
      await attempt.then(
        () => expect.fail('should throw'),
        (error: Error) => expect(error.message).to.contain('Not an IA5 URI'),
      );
    });
  });

  it('names every RFC 5280 reason and rejects others', () => {
    expect(CRL_REASONS).to.have.length(10);
    expect(isCrlReason('keyCompromise')).to.equal(true);
    expect(isCrlReason('toString')).to.equal(false);
    expect(isCrlReason('stolen')).to.equal(false);
  });

  it('refuses a CRL number out of range and nextUpdate not after thisUpdate', async () => {
    const pki = await revocationPki(dir.path, 'ec', 1);
    const base = { issuer: pki.issuingKey, entries: [], thisUpdate, nextUpdate };
    await buildCrl({ ...base, crlNumber: -1n }).then(() => expect.fail('should throw'), (e: Error) => expect(e.message).to.contain('cRLNumber'));
    await buildCrl({ ...base, crlNumber: 1n << 160n }).then(() => expect.fail('should throw'), (e: Error) => expect(e.message).to.contain('cRLNumber'));
    await buildCrl({ ...base, nextUpdate: thisUpdate, crlNumber: 1n }).then(
      () => expect.fail('should throw'),
      (e: Error) => expect(e.message).to.contain('nextUpdate'),
    );
  });
});
