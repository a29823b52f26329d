/**
 * Hostile CMS inputs for verification (issue 10): PDFs whose signature is well-formed but built to make
 * a validator work without end — a loop of CA certificates that all issue one another, hundreds of
 * certificates sharing one issuer name, a chain deeper than any real one, and signed attributes of
 * megabytes and tens of thousands of entries. Built on the fly (node crypto keys, node-forge for the
 * certificate structures) so no key or file has to be committed.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import type { SigningKey } from '../../src/keys/types.ts';
import { signPdf } from '../../src/pades/sign-pdf.ts';

const BASE_PDF = join(import.meta.dirname, '../../fixtures/pdf/pdflib-decision.pdf');
const DAY = 86_400_000;

interface KeyPair {
  privateKey: KeyObject;
  forgePublic: forge.pki.PublicKey;
}

function keyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) };
}

let serial = 1;

/** One X.509 certificate (DER): `subject` holding `subjectKey`, issued by `issuer` and signed with `issuerKey`. */
function certificate(subject: string, subjectKey: KeyPair, issuer: string, issuerKey: KeyPair, ca: boolean): Buffer {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subjectKey.forgePublic;
  cert.serialNumber = (serial++).toString(16).padStart(4, '0');
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer }]);
  cert.setExtensions(ca
    ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
    : [{ name: 'basicConstraints', cA: false, critical: true }, { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true }]);
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption;
  const tbs = Buffer.from(forge.asn1.toDer((forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert)).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, issuerKey.privateKey).toString('binary');
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

function signingKey(leaf: Buffer, key: KeyPair, rest: Buffer[]): SigningKey {
  return {
    certificates: [leaf, ...rest],
    scheme: 'rsa-pkcs1',
    hash: 'sha256',
    signatureSize: 256,
    sign: async (data) => sign('sha256', data, key.privateKey),
  };
}

export interface HostileCms {
  name: string;
  pdf: Buffer;
  /** The root to trust when verifying it (PEM), where the case has one; else a root it does not chain to. */
  anchorPem: string;
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

async function signed(key: SigningKey, extra: { timestampReserve?: number } = {}): Promise<Buffer> {
  return signPdf(readFileSync(BASE_PDF), { key, signer: { name: 'Hostile Signer' }, fieldName: 'Hostile', invisible: true, timestampReserve: extra.timestampReserve ?? 0 });
}

/** `count` CA certificates with one name and one key, each self-issued: every one is a valid issuer of every other. */
async function crowd(name: string, count: number): Promise<Buffer> {
  const caKey = keyPair();
  const leafKey = keyPair();
  const cas = Array.from({ length: count }, () => certificate(name, caKey, name, caKey, true));
  const leaf = certificate('Hostile Signer', leafKey, name, caKey, false);
  return signed(signingKey(leaf, leafKey, cas));
}

/** root → `depth` intermediates → leaf, all in the CMS; the root is trusted. */
async function deepChain(depth: number): Promise<{ pdf: Buffer; root: Buffer }> {
  const key = keyPair();
  const root = certificate('Deep Root', key, 'Deep Root', key, true);
  const chain: Buffer[] = [];
  let issuer = 'Deep Root';
  for (let i = 1; i <= depth; i++) {
    const name = `Deep CA ${i}`;
    chain.unshift(certificate(name, key, issuer, key, true));
    issuer = name;
  }
  const leaf = certificate('Hostile Signer', key, issuer, key, false);
  return { pdf: await signed(signingKey(leaf, key, chain)), root };
}

/**
 * A signature whose signed attributes carry `count` extra attributes and one of `bigBytes`, re-signed so
 * the signature value itself is right: a validator must parse, hash and check all of it.
 */
async function hugeSignedAttributes(count: number, bigBytes: number): Promise<{ pdf: Buffer; root: Buffer }> {
  const key = keyPair();
  const root = certificate('Attr Root', key, 'Attr Root', key, true);
  const leaf = certificate('Hostile Signer', key, 'Attr Root', key, false);
  const reserve = bigBytes + count * 40 + 8192;
  const pdf = await signed(signingKey(leaf, key, []), { timestampReserve: reserve });
  // /Contents is the gap of the ByteRange: `<hex…>`.
  const byteRange = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  let match: RegExpExecArray | null;
  let last: RegExpExecArray | null = null;
  while ((match = byteRange.exec(pdf.toString('latin1')))) last = match;
  const gapStart = Number(last![2]) + 1;
  const gapEnd = Number(last![3]) - 1;
  const cms = Buffer.from(pdf.subarray(gapStart, gapEnd).toString('latin1'), 'hex');
  const asn1 = (forge.asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: { parseAllBytes: boolean }) => forge.asn1.Asn1)(forge.util.createBuffer(cms.toString('binary')), { parseAllBytes: false });
  const signedData = ((asn1.value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[])[0];
  const signerInfos = (signedData.value as forge.asn1.Asn1[]).at(-1)!;
  const signerInfo = (signerInfos.value as forge.asn1.Asn1[])[0];
  const fields = signerInfo.value as forge.asn1.Asn1[];
  const attrs = fields.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 0)!;
  const { asn1: A } = forge;
  const attribute = (oid: string, value: string) =>
    A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
      A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(oid).getBytes()),
      A.create(A.Class.UNIVERSAL, A.Type.SET, true, [A.create(A.Class.UNIVERSAL, A.Type.OCTETSTRING, false, value)]),
    ]);
  const list = attrs.value as forge.asn1.Asn1[];
  for (let i = 0; i < count; i++) list.push(attribute(`2.25.4242.${i}`, 'x'));
  list.push(attribute('2.25.4243', 'A'.repeat(bigBytes)));
  const asSet = A.create(A.Class.UNIVERSAL, A.Type.SET, true, list);
  const signature = sign('sha256', Buffer.from(A.toDer(asSet).getBytes(), 'binary'), key.privateKey);
  const signatureField = fields.find((f) => f.tagClass === A.Class.UNIVERSAL && f.type === A.Type.OCTETSTRING)!;
  signatureField.value = signature.toString('binary');
  const hex = Buffer.from(A.toDer(asn1).getBytes(), 'binary').toString('hex');
  if (hex.length > gapEnd - gapStart) throw new Error('the crafted CMS does not fit the reserve');
  const out = Buffer.from(pdf);
  out.write(hex.padEnd(gapEnd - gapStart, '0'), gapStart, 'latin1');
  return { pdf: out, root };
}

/** The four hostile CMS cases, each with the root to trust. */
export async function hostileCmsCases(): Promise<HostileCms[]> {
  const unrelated = keyPair();
  const unrelatedRoot = certificate('Unrelated Root', unrelated, 'Unrelated Root', unrelated, true);
  const deep = await deepChain(40);
  const attrs = await hugeSignedAttributes(20_000, 2 * 1024 * 1024);
  return [
    { name: 'cms-certificate-loop', pdf: await crowd('Loop CA', 14), anchorPem: pem(unrelatedRoot) },
    { name: 'cms-hundreds-of-certificates', pdf: await crowd('Crowd CA', 400), anchorPem: pem(unrelatedRoot) },
    { name: 'cms-deep-chain', pdf: deep.pdf, anchorPem: pem(deep.root) },
    { name: 'cms-huge-signed-attributes', pdf: attrs.pdf, anchorPem: pem(attrs.root) },
  ];
}
