/**
 * One signature per key type from an openssl-made PKI (independent of src/keys): RSA PKCS#1 v1.5,
 * RSA-PSS, ECDSA P-256 and P-384. Each file is signed once, because poppler 22.12 misreports a
 * second signature by the same leaf certificate in one file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { signPdf } from '../../../src/index.ts';
import type { HashAlgorithm, SignatureScheme } from '../../../src/keys/index.ts';
import { localKey, pki, type Issued, type Pki } from '../../helpers/openssl-pki.ts';
import { expectAllValid } from './check.ts';
import { FIXTURES } from './pki.ts';

interface Case {
  title: string;
  leaf: (p: Pki) => Issued;
  scheme: SignatureScheme;
  hash: HashAlgorithm;
  signatureAlgorithm: RegExp;
}

const CASES: Case[] = [
  { title: 'RSA-2048 PKCS#1 v1.5, SHA-256', leaf: (p) => p.rsa, scheme: 'rsa-pkcs1', hash: 'sha256', signatureAlgorithm: /rsa/i },
  { title: 'RSA-2048 PSS, SHA-256', leaf: (p) => p.rsa, scheme: 'rsa-pss', hash: 'sha256', signatureAlgorithm: /pss/i },
  { title: 'ECDSA P-256, SHA-256', leaf: (p) => p.ec256, scheme: 'ecdsa', hash: 'sha256', signatureAlgorithm: /ecdsa|ec/i },
  { title: 'ECDSA P-384, SHA-384', leaf: (p) => p.ec384, scheme: 'ecdsa', hash: 'sha384', signatureAlgorithm: /ecdsa|ec/i },
];

describe('engine: signature algorithms, checked by pdfsig (NSS), openssl, qpdf and verifyPdf', () => {
  let p: Pki;
  const input = readFileSync(join(FIXTURES, 'libreoffice-decision.pdf'));
  before(() => {
    p = pki();
  });

  for (const c of CASES) {
    it(c.title, async () => {
      const key = localKey(c.leaf(p), [p.intermediate], c.scheme, c.hash);
      const signed = await signPdf(input, { key, signer: { name: 'An Peeters', function: 'Algemeen directeur' }, placement: { page: 1, x: 50, y: 50, width: 160, height: 50 } });
      const { report, pdfsig } = await expectAllValid(signed, p.root.pem, { count: 1, label: c.title });
      expect(report.signatures[0].integrity.digestAlgorithm).to.match(new RegExp(c.hash, 'i'));
      expect(report.signatures[0].integrity.signatureAlgorithm).to.match(c.signatureAlgorithm);
      expect(pdfsig[0].hashAlgorithm).to.equal(c.hash.replace('sha', 'SHA-'));
    });
  }
});
