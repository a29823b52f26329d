/**
 * What a signature by a key that lives elsewhere costs (issue 13: Belgian eID through Web eID, a remote QES
 * through the CSC API), in its own process, on one input:
 *
 *   node --import tsx scripts/bench/qualified-worker.ts <pdf> <plan.json>
 *
 * One P-384 key and certificate (as on an eID card) for every row; the key stays in this process and
 * stands in for the card, so the rows measure the server's work, not a PIN pad:
 * - floor:    SHA-384 over the file plus one P-384 signature;
 * - internal: signPdf with the key as a SigningKey (what a one-shot signature costs, minus issuing);
 * - deferred: prepareDeferredSignature, the pending state serialised and read back (as the service keeps it
 *             between the two requests), the value made over the digest as a card returns it (raw r‖s), then
 *             completeDeferredSignature, which verifies that value before embedding it;
 * - libpdf:   @libpdf/core's sign() with a Signer whose sign() calls out for the value (its external-key hook).
 * B-B throughout (no TSA), so the rows compare the PDF and CMS work. Answers one line `RESULT <json>`.
 */
import { X509Certificate, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { buildCertificate } from '../../src/keys/certificate-builder.ts';
import { createKeySigner, createSigningKey } from '../../src/keys/signing-key.ts';
import {
  completeDeferredSignature,
  deserializePreparedSignature,
  externalSignerFromCertificates,
  prepareDeferredSignature,
  serializePreparedSignature,
} from '../../src/pades/index.ts';
import { signPdf } from '../../src/pades/sign-pdf.ts';
import { verifyPdf } from '../../src/pades/verify-pdf.ts';
import { timeRows, type RowPlan } from './timed-rows.ts';

export const QUALIFIED_ROWS = ['floor', 'internal', 'deferred', 'libpdf'] as const;
export type QualifiedRow = (typeof QUALIFIED_ROWS)[number];

export type QualifiedPlan = RowPlan;

export interface QualifiedResult {
  status: 'ok' | 'failed';
  reason?: string;
  samples: Partial<Record<QualifiedRow, number[]>>;
  /** Bytes of the pending state the service keeps per document between the two requests. */
  pendingStateBytes?: number;
  /** Our verifier's verdict on each output (the root is trusted). */
  verified: Partial<Record<QualifiedRow, string>>;
}

const SIGNER = { name: 'Jan Peeters', function: 'Algemeen directeur' };

/** A root and a P-384 signer certificate, as an eID card's chain is shaped (keys in memory here). */
async function chain(): Promise<{ key: KeyObject; certificates: Buffer[]; root: X509Certificate }> {
  const rootKey = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const key = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 365 * 86400_000);
  const rootDer = await buildCertificate(
    { subject: [{ type: 'countryName', value: 'BE' }, { type: 'commonName', value: 'Bench eID Root' }], subjectPublicKey: rootKey.publicKey, notBefore, notAfter, ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] },
    { key: createKeySigner(rootKey.privateKey) },
  );
  const leafDer = await buildCertificate(
    { subject: [{ type: 'countryName', value: 'BE' }, { type: 'commonName', value: 'Jan Peeters (Signature)' }], subjectPublicKey: key.publicKey, notBefore, notAfter, keyUsage: ['nonRepudiation'] },
    { key: createKeySigner(rootKey.privateKey), certificate: rootDer },
  );
  return { key: key.privateKey, certificates: [leafDer, rootDer], root: new X509Certificate(rootDer) };
}

async function main(): Promise<void> {
  const [pdfPath, planJson] = process.argv.slice(2);
  const plan = JSON.parse(planJson) as QualifiedPlan;
  const pdf = readFileSync(pdfPath);
  try {
    const { key, certificates, root } = await chain();
    const signingKey = createSigningKey(key, certificates);
    const external = externalSignerFromCertificates(certificates);
    const { PDF } = await import('@libpdf/core');
    const libpdfSigner = {
      certificate: new Uint8Array(certificates[0]),
      certificateChain: [new Uint8Array(certificates[1])],
      keyType: 'EC' as const,
      signatureAlgorithm: 'ECDSA' as const,
      // The external hook: the data comes out, a DER ECDSA value goes back in.
      sign: async (data: Uint8Array) => new Uint8Array(sign('sha384', data, key)),
    };
    let pendingStateBytes = 0;
    const runs: Record<QualifiedRow, () => Promise<Buffer | null>> = {
      floor: async () => {
        sign('sha384', createHash('sha384').update(pdf).digest(), key);
        return null;
      },
      internal: () => signPdf(pdf, { key: signingKey, signer: SIGNER, invisible: true }),
      deferred: async () => {
        const prepared = await prepareDeferredSignature(pdf, { externalSigner: external, signer: SIGNER, invisible: true });
        const kept = serializePreparedSignature(prepared);
        pendingStateBytes = Buffer.byteLength(kept);
        const restored = deserializePreparedSignature(kept);
        // A card signs the digest; over the same bytes node's sign() gives the same kind of value.
        const value = sign('sha384', restored.signedAttributes, { key, dsaEncoding: 'ieee-p1363' });
        return completeDeferredSignature(pdf, restored, value);
      },
      libpdf: async () => {
        const doc = await PDF.load(pdf);
        const { bytes } = await doc.sign({ signer: libpdfSigner, digestAlgorithm: 'SHA-384' });
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
    };
    const result: QualifiedResult = { status: 'ok', samples: {}, verified: {} };
    result.samples = await timeRows(QUALIFIED_ROWS, runs, plan, async (row, last) => {
      const report = await verifyPdf(last, { trustAnchors: [root] });
      result.verified[row] = `${report.verdict}, ${report.signatures[0]?.level.achieved ?? 'no level'}`;
    });
    result.pendingStateBytes = pendingStateBytes;
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } catch (error) {
    if (process.env.BENCH_DEBUG) console.error(error);
    process.stdout.write(`RESULT ${JSON.stringify({ status: 'failed', reason: error instanceof Error ? error.message : String(error), samples: {}, verified: {} })}\n`);
  }
}

// scripts/bench.ts imports QUALIFIED_ROWS from here: only run when started as the worker.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
