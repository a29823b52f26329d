import { expect } from 'chai';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { certificateFields, subjectPublicKeyBits } from '../../../src/asn1/certificate-fields.ts';
import { contextConstructed, integer, octetString, oid, OID, sequence, boolean } from '../../../src/asn1/der.ts';
import {
  buildOcspResponse,
  ocspErrorResponse,
  ocspResponseFor,
  type CertStatus,
} from '../../../src/keys/ocsp.ts';
import { OcspMalformedError, ocspRequestFromGetPath, parseOcspRequest } from '../../../src/keys/ocsp-request.ts';
import { buildCrl } from '../../../src/keys/crl.ts';
import { createOwnRevocationSource } from '../../../src/keys/own-revocation-source.ts';
import { openssl, tempDir } from './helpers.ts';
import { opensslAsync, revocationPki, type RevocationPki } from './revocation-pki.ts';

const serialOf = (cert: X509Certificate): string => Buffer.from(cert.serialNumber, 'hex').toString('hex');
const VALIDITY = 3_600_000;

describe('keys/ocsp', () => {
  const dir = tempDir('ocsp');
  after(dir.cleanup);
  let pki: RevocationPki;
  /** Our CA's records: leaf0 good, leaf1 revoked (keyCompromise), anything else unknown. */
  let revokedAt: Date;
  const asked: string[] = [];
  const status = async (serial: Buffer): Promise<CertStatus> => {
    asked.push(serial.toString('hex'));
    if (serial.toString('hex') === serialOf(pki.leaves[0])) return { status: 'good' };
    if (serial.toString('hex') === serialOf(pki.leaves[1])) return { status: 'revoked', revokedAt, reason: 'keyCompromise' };
    return { status: 'unknown' };
  };

  before(async () => {
    pki = await revocationPki(dir.path, 'ec');
    revokedAt = new Date('2026-02-03T04:05:06Z');
  });
  beforeEach(() => {
    asked.length = 0;
  });

  function request(...args: string[]): Buffer {
    openssl(dir.path, 'ocsp', ...args, '-reqout', 'req.der');
    return readFileSync(join(dir.path, 'req.der'));
  }

  async function respond(requestDer: Buffer): Promise<void> {
    const der = await buildOcspResponse({ responder: pki.issuingKey, request: parseOcspRequest(requestDer), status, now: new Date(), validityMs: VALIDITY });
    writeFileSync(join(dir.path, 'resp.der'), der);
  }

  /** openssl's reading of resp.der for `cert`, checked against the root (no nonce: there is no request). */
  const check = (cert: string, digest = '-sha1') =>
    opensslAsync(dir.path, 'ocsp', '-respin', 'resp.der', digest, '-issuer', 'issuing.pem', '-cert', cert, '-CAfile', 'root.pem', '-no_nonce');

  describe('parseOcspRequest', () => {
    it('reads an openssl request: SHA-1 CertID, serial and nonce', () => {
      const parsed = parseOcspRequest(request('-issuer', 'issuing.pem', '-cert', 'leaf0.pem'));
      expect(parsed.certIds).to.have.length(1);
      const [id] = parsed.certIds;
      expect(id.hashAlgorithm).to.equal('sha1');
      expect(id.serialNumber.toString('hex')).to.equal(serialOf(pki.leaves[0]));
      expect(id.issuerKeyHash).to.have.length(20);
      expect(parsed.nonce).to.have.length(18); // extnValue: OCTET STRING of openssl's 16 random octets
      expect(parsed.nonce![0]).to.equal(0x04);
    });

    it('reads SHA-256 CertIDs, several certificates and no nonce', () => {
      const parsed = parseOcspRequest(request('-sha256', '-issuer', 'issuing.pem', '-cert', 'leaf0.pem', '-cert', 'leaf2.pem', '-no_nonce'));
      expect(parsed.certIds.map((id) => id.hashAlgorithm)).to.deep.equal(['sha256', 'sha256']);
      expect(parsed.certIds.map((id) => id.serialNumber.toString('hex'))).to.deep.equal([serialOf(pki.leaves[0]), serialOf(pki.leaves[2])]);
      const issuer = certificateFields(pki.issuing.raw);
      expect(parsed.certIds[0].issuerNameHash).to.deep.equal(createHash('sha256').update(issuer.subject.raw).digest());
      const keyBits = subjectPublicKeyBits(issuer.subjectPublicKeyInfo.raw);
      expect(parsed.certIds[1].issuerKeyHash).to.deep.equal(createHash('sha256').update(keyBits).digest());
      expect(parsed.nonce).to.equal(null);
    });

    const certId = (hashOid: string, length: number, serial = Buffer.from([1])) =>
      sequence(sequence(oid(hashOid)), octetString(Buffer.alloc(length, 1)), octetString(Buffer.alloc(length, 2)), integer(serial));
    const nonceExt = (value: Buffer, critical = false) =>
      sequence(oid(OID.ocspNonce), ...(critical ? [boolean(true)] : []), octetString(value));
    const ocspRequest = (ids: Buffer[], extensions?: Buffer[], version?: number) =>
      sequence(
        sequence(
          ...(version === undefined ? [] : [contextConstructed(0, integer(version))]),
          sequence(...ids.map((id) => sequence(id))),
          ...(extensions ? [contextConstructed(2, sequence(...extensions))] : []),
        ),
      );

    it('gives an unsupported hash algorithm a null algorithm instead of failing', () => {
      const parsed = parseOcspRequest(ocspRequest([certId('2.16.840.1.101.3.4.2.4', 28)]));
      expect(parsed.certIds[0].hashAlgorithm).to.equal(null);
    });

    const malformed: Record<string, Buffer> = {
      'an empty body': Buffer.alloc(0),
      garbage: Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      'trailing bytes': Buffer.concat([ocspRequest([certId(OID.sha1, 20)]), Buffer.from([0])]),
      'a truncated request': ocspRequest([certId(OID.sha1, 20)]).subarray(0, 30),
      'an empty request list': ocspRequest([]),
      'seventeen certificates': ocspRequest(Array.from({ length: 17 }, () => certId(OID.sha1, 20))),
      'a SHA-1 hash of the wrong length': ocspRequest([certId(OID.sha1, 32)]),
      'a CertID missing its serial': sequence(sequence(sequence(sequence(sequence(oid(OID.sha1)), octetString(Buffer.alloc(20)), octetString(Buffer.alloc(20)))))),
      'a 33-octet nonce (RFC 8954 §2.1)': ocspRequest([certId(OID.sha1, 20)], [nonceExt(octetString(Buffer.alloc(33, 7)))]),
      'an empty nonce': ocspRequest([certId(OID.sha1, 20)], [nonceExt(octetString(Buffer.alloc(0)))]),
      'two nonces': ocspRequest([certId(OID.sha1, 20)], [nonceExt(octetString(Buffer.alloc(8))), nonceExt(octetString(Buffer.alloc(8)))]),
      'an unknown critical extension': ocspRequest([certId(OID.sha1, 20)], [sequence(oid('1.2.3.4'), boolean(true), octetString(Buffer.alloc(1)))]),
      'version 2': ocspRequest([certId(OID.sha1, 20)], undefined, 1),
      'more than 16 KiB': Buffer.concat([Buffer.from([0x30, 0x82, 0x40, 0x01]), Buffer.alloc(0x4001)]),
    };
    for (const [name, der] of Object.entries(malformed)) {
      it(`rejects ${name} as ocsp_malformed (400)`, () => {
        expect(() => parseOcspRequest(der)).to.throw(OcspMalformedError).with.property('code', 'ocsp_malformed');
        try {
          parseOcspRequest(der);
        } catch (error) {
          expect((error as OcspMalformedError).status).to.equal(400);
          expect((error as OcspMalformedError).expose).to.equal(true);
        }
      });
    }

    it('never fails other than with ocsp_malformed, whatever byte of a request is changed or cut', () => {
      const der = request('-sha256', '-issuer', 'issuing.pem', '-cert', 'leaf0.pem', '-cert', 'leaf1.pem');
      for (let i = 0; i < der.length; i++) {
        for (const value of [0x00, 0x80, 0xff, der[i] ^ 0x01]) {
          const mutated = Buffer.from(der);
          mutated[i] = value;
          for (const input of [mutated, der.subarray(0, i)]) {
            try {
              parseOcspRequest(input);
            } catch (error) {
              expect(error, `byte ${i} = ${value}`).to.be.instanceOf(OcspMalformedError);
            }
          }
        }
      }
    });

    it('accepts a 32-octet nonce, a version 1 field and an unknown non-critical extension', () => {
      const der = ocspRequest([certId(OID.sha1, 20)], [nonceExt(octetString(Buffer.alloc(32, 7))), sequence(oid('1.2.3.4'), octetString(Buffer.alloc(1)))], 0);
      expect(parseOcspRequest(der).nonce).to.have.length(34);
    });

    it('decodes the GET form (RFC 6960 Appendix A.1)', () => {
      const der = request('-issuer', 'issuing.pem', '-cert', 'leaf0.pem');
      expect(ocspRequestFromGetPath(encodeURIComponent(der.toString('base64')))).to.deep.equal(der);
      expect(() => ocspRequestFromGetPath('%E0%A4%A')).to.throw(OcspMalformedError);
      expect(() => ocspRequestFromGetPath('not base64!')).to.throw(OcspMalformedError);
    });
  });

  describe('buildOcspResponse, checked by openssl ocsp', () => {
    it('answers good, signed by the issuing CA', async () => {
      await respond(request('-issuer', 'issuing.pem', '-cert', 'leaf0.pem'));
      const result = await check('leaf0.pem');
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain('Response verify OK');
      expect(result.stdout).to.match(/^leaf0\.pem: good\n\s+This Update: .+\n\s+Next Update: .+/);
    });

    it('answers revoked with the reason and the revocation time', async () => {
      await respond(request('-sha256', '-issuer', 'issuing.pem', '-cert', 'leaf1.pem'));
      const result = await check('leaf1.pem', '-sha256');
      expect(result.stderr).to.contain('Response verify OK');
      expect(result.stdout).to.contain('leaf1.pem: revoked');
      expect(result.stdout).to.contain('Reason: keyCompromise');
      expect(result.stdout).to.contain('Revocation Time: Feb  3 04:05:06 2026 GMT');
    });

    it('answers unknown for a serial the CA does not know', async () => {
      await respond(request('-issuer', 'issuing.pem', '-cert', 'leaf2.pem'));
      const result = await check('leaf2.pem');
      expect(result.stderr).to.contain('Response verify OK');
      expect(result.stdout).to.contain('leaf2.pem: unknown');
    });

    it('answers every CertID of a request, and unknown without asking for another CA', async () => {
      const der = request('-issuer', 'issuing.pem', '-cert', 'leaf0.pem', '-cert', 'leaf1.pem', '-issuer', 'other-ca.pem', '-cert', 'other-leaf.pem');
      await respond(der);
      expect(asked).to.deep.equal([serialOf(pki.leaves[0]), serialOf(pki.leaves[1])]);
      const text = openssl(dir.path, 'ocsp', '-respin', 'resp.der', '-resp_text', '-noverify');
      expect(text.match(/Cert Status: (\w+)/g)).to.deep.equal(['Cert Status: good', 'Cert Status: revoked', 'Cert Status: unknown']);
      expect(text).to.contain('OCSP Response Status: successful (0x0)');
      expect(text).to.match(/Responder Id: [0-9A-F]{40}/);
    });

    it('echoes the nonce over HTTP, where openssl checks it (RFC 8954)', async () => {
      const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          void (async () => {
            let body: Buffer;
            try {
              body = await buildOcspResponse({ responder: pki.issuingKey, request: parseOcspRequest(Buffer.concat(chunks)), status, now: new Date(), validityMs: VALIDITY });
            } catch {
              body = ocspErrorResponse('malformedRequest');
            }
            res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body);
          })();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pki/zoersel/ocsp`;
        const ask = (cert: string) => opensslAsync(dir.path, 'ocsp', '-url', url, '-issuer', 'issuing.pem', '-cert', cert, '-CAfile', 'root.pem');
        const good = await ask('leaf0.pem');
        expect(good.code, good.stderr).to.equal(0);
        expect(good.stderr).to.contain('Response verify OK');
        expect(good.stderr).to.not.contain('nonce');
        expect(good.stdout).to.contain('leaf0.pem: good');
        const revoked = await ask('leaf1.pem');
        expect(revoked.stdout).to.contain('leaf1.pem: revoked');
        expect(revoked.stderr).to.not.contain('nonce');
      } finally {
        server.close();
      }
    });

    it('makes error responses openssl reads', async () => {
      for (const [status, text] of [
        ['malformedRequest', 'malformedrequest (1)'],
        ['internalError', 'internalerror (2)'],
        ['tryLater', 'trylater (3)'],
        ['unauthorized', 'unauthorized (6)'],
      ] as const) {
        writeFileSync(join(dir.path, 'error.der'), ocspErrorResponse(status));
        const out = await opensslAsync(dir.path, 'ocsp', '-respin', 'error.der', '-resp_text', '-noverify');
        expect(out.stdout + out.stderr).to.contain(`Responder Error: ${text}`);
      }
    });
  });

  describe('ocspResponseFor (no request, for embedding)', () => {
    for (const certIdHash of ['sha1', 'sha256'] as const) {
      it(`answers for one certificate with a ${certIdHash} CertID`, async () => {
        const der = await ocspResponseFor({ responder: pki.issuingKey, certificate: pki.leaves[1], status, now: new Date(), validityMs: VALIDITY, certIdHash });
        writeFileSync(join(dir.path, 'resp.der'), der);
        const result = await check('leaf1.pem', `-${certIdHash}`);
        expect(result.stderr).to.contain('Response verify OK');
        expect(result.stdout).to.contain('leaf1.pem: revoked');
        expect(openssl(dir.path, 'ocsp', '-respin', 'resp.der', '-resp_text', '-noverify')).to.not.contain('Nonce');
      });
    }

    it('takes a fixed status and refuses a certificate of another CA', async () => {
      const der = await ocspResponseFor({ responder: pki.issuingKey, certificate: pki.leaves[2].raw, status: { status: 'good' }, now: new Date(), validityMs: VALIDITY });
      writeFileSync(join(dir.path, 'resp.der'), der);
      expect((await check('leaf2.pem')).stdout).to.contain('leaf2.pem: good');
      await ocspResponseFor({ responder: pki.issuingKey, certificate: pki.otherLeaf, status: { status: 'good' }, now: new Date(), validityMs: VALIDITY }).then(
        () => expect.fail('should throw'),
        (error: Error) => expect(error.message).to.contain('not issued by the responder'),
      );
    });
  });

  describe('createOwnRevocationSource', () => {
    const source = () =>
      createOwnRevocationSource({
        authorityFor: async (issuer) => (issuer.raw.equals(pki.issuing.raw) ? pki.issuingKey : issuer.raw.equals(pki.root.raw) ? pki.rootKey : null),
        status: async (_issuer, serial) => status(serial),
        clock: () => new Date(),
        ocspValidityMs: VALIDITY,
      });

    it('gives an OCSP response signed in-process by the issuer, which openssl verifies', async () => {
      const data = await source().revocationData(pki.leaves[0], pki.issuing);
      expect(data?.crls).to.deep.equal([]);
      expect(data?.ocsps).to.have.length(1);
      writeFileSync(join(dir.path, 'resp.der'), data!.ocsps[0]);
      const result = await check('leaf0.pem');
      expect(result.stderr).to.contain('Response verify OK');
      expect(result.stdout).to.contain('leaf0.pem: good');
    });

    it('answers for the issuing CA itself with the root as responder', async () => {
      const data = await source().revocationData(pki.issuing, pki.root);
      writeFileSync(join(dir.path, 'resp.der'), data!.ocsps[0]);
      const result = await opensslAsync(dir.path, 'ocsp', '-respin', 'resp.der', '-issuer', 'root.pem', '-cert', 'issuing.pem', '-CAfile', 'root.pem', '-no_nonce');
      expect(result.stderr).to.contain('Response verify OK');
      expect(result.stdout).to.contain('issuing.pem: unknown'); // our test status function only knows leaves
    });

    it('returns null for an issuer that is not ours, or a certificate the issuer did not sign', async () => {
      const otherCa = new X509Certificate(Buffer.from(pki.otherIssuingKey.certificates[0]));
      expect(await source().revocationData(pki.otherLeaf, otherCa)).to.equal(null);
      expect(await source().revocationData(pki.otherLeaf, pki.issuing)).to.equal(null);
    });

    it('adds the issuer CRL when asked, or gives only the CRL when the issuer key is not at hand', async () => {
      const crl = await buildCrl({ issuer: pki.rootKey, entries: [], thisUpdate: new Date(), nextUpdate: new Date(Date.now() + VALIDITY), crlNumber: 3n });
      const withCrl = createOwnRevocationSource({
        authorityFor: async (issuer) => (issuer.raw.equals(pki.issuing.raw) ? pki.issuingKey : null),
        status: async (_issuer, serial) => status(serial),
        clock: () => new Date(),
        ocspValidityMs: VALIDITY,
        crlFor: async (issuer) => (issuer.raw.equals(pki.root.raw) ? crl : null),
      });
      const forCa = await withCrl.revocationData(pki.issuing, pki.root);
      expect(forCa).to.deep.equal({ ocsps: [], crls: [crl] });
      const forLeaf = await withCrl.revocationData(pki.leaves[0], pki.issuing);
      expect(forLeaf?.ocsps).to.have.length(1);
      expect(forLeaf?.crls).to.deep.equal([]);
    });

    it('fails loudly when authorityFor gives the key of another CA', async () => {
      const wrong = createOwnRevocationSource({
        authorityFor: async () => pki.otherIssuingKey,
        status: async () => ({ status: 'good' }),
        clock: () => new Date(),
        ocspValidityMs: VALIDITY,
      });
      await wrong.revocationData(pki.leaves[0], pki.issuing).then(
        () => expect.fail('should throw'),
        (error: Error) => expect(error.message).to.contain('another CA'),
      );
    });
  });
});
