/**
 * A small chain built with our own certificate builder for the CRL and OCSP tests: an RSA root, an
 * issuing CA (EC P-256 or RSA) carrying the root's CRLDP and AIA, leaves carrying the issuing CA's
 * OCSP, caIssuers and CRLDP URLs, and an unrelated CA whose leaf we must never vouch for.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildCertificate, type CertificateTemplate } from '../../../src/keys/certificate-builder.ts';
import { createKeySigner, createSigningKey } from '../../../src/keys/signing-key.ts';
import type { SigningKey } from '../../../src/keys/types.ts';
import { writePem } from './helpers.ts';

export interface RevocationPki {
  dir: string;
  root: X509Certificate;
  rootKey: SigningKey;
  issuing: X509Certificate;
  issuingKey: SigningKey;
  leaves: X509Certificate[];
  otherIssuingKey: SigningKey;
  otherLeaf: X509Certificate;
}

export const BASE = 'http://127.0.0.1:9/pki';

function keyPair(type: 'rsa' | 'ec') {
  return type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** Also writes root.pem, issuing.pem, chain.pem (issuing + root), leaf0.pem…, other-ca.pem and other-leaf.pem to `dir`. */
export async function revocationPki(dir: string, issuingType: 'rsa' | 'ec', leafCount = 3): Promise<RevocationPki> {
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const base = { notBefore, notAfter };
  const rootPair = keyPair('rsa');
  const rootDer = await buildCertificate(
    { ...base, subject: [{ type: 'commonName', value: 'Revocation Test Root' }], subjectPublicKey: rootPair.publicKey, ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] },
    { key: createKeySigner(rootPair.privateKey) },
  );
  const rootKey = createSigningKey(rootPair.privateKey, [rootDer]);
  const ca = async (name: string, type: 'rsa' | 'ec'): Promise<SigningKey> => {
    const pair = keyPair(type);
    const template: CertificateTemplate = {
      ...base,
      subject: [{ type: 'organizationName', value: name }, { type: 'commonName', value: `${name} — uitgevende CA` }],
      subjectPublicKey: pair.publicKey,
      ca: { pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      crlUrls: [`${BASE}/root/crl`],
      caIssuersUrl: `${BASE}/root/ca.crt`,
    };
    const der = await buildCertificate(template, { key: rootKey, certificate: rootDer });
    return createSigningKey(pair.privateKey, [der, rootDer]);
  };
  const leaf = async (issuer: SigningKey, slug: string, name: string): Promise<X509Certificate> => {
    const pair = keyPair('ec');
    const der = await buildCertificate(
      {
        ...base,
        subject: [{ type: 'commonName', value: name }],
        subjectPublicKey: pair.publicKey,
        keyUsage: ['digitalSignature', 'nonRepudiation'],
        ocspUrl: `${BASE}/${slug}/ocsp`,
        caIssuersUrl: `${BASE}/${slug}/ca.crt`,
        crlUrls: [`${BASE}/${slug}/crl`],
      },
      { key: issuer, certificate: Buffer.from(issuer.certificates[0]) },
    );
    return new X509Certificate(der);
  };
  const issuingKey = await ca('Gemeente Zoersel', issuingType);
  const otherIssuingKey = await ca('Gemeente Elders', 'ec');
  const leaves: X509Certificate[] = [];
  for (let i = 0; i < leafCount; i++) leaves.push(await leaf(issuingKey, 'zoersel', `Signer ${i}`));
  const otherLeaf = await leaf(otherIssuingKey, 'elders', 'Someone Else');
  const pki: RevocationPki = {
    dir,
    root: new X509Certificate(rootDer),
    rootKey,
    issuing: new X509Certificate(Buffer.from(issuingKey.certificates[0])),
    issuingKey,
    leaves,
    otherIssuingKey,
    otherLeaf,
  };
  writePem(join(dir, 'root.pem'), rootDer);
  writePem(join(dir, 'issuing.pem'), pki.issuing.raw);
  writeFileSync(join(dir, 'chain.pem'), `${pki.issuing.toString()}${pki.root.toString()}`);
  leaves.forEach((cert, i) => writePem(join(dir, `leaf${i}.pem`), cert.raw));
  writePem(join(dir, 'other-ca.pem'), Buffer.from(otherIssuingKey.certificates[0]));
  writePem(join(dir, 'other-leaf.pem'), otherLeaf.raw);
  return pki;
}

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs openssl without blocking the event loop (a test's HTTP server must keep answering); never throws on exit code. */
export async function opensslAsync(cwd: string, ...args: string[]): Promise<OpensslResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)('openssl', args, { cwd, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
