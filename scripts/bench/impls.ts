/**
 * The signers under test. Each `prepare` loads the key material once (setup, untimed) and returns
 * the timed operation: input Buffer in, signed Buffer out. All sign invisibly with the same
 * RSA-2048 key, SHA-256, no timestamp.
 */
import { createHash, createPrivateKey, sign as rsaSign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSigningKey } from '../../src/keys/signing-key.ts';
import { signPdf } from '../../src/pades/sign-pdf.ts';
import type { BenchKeys } from './inputs.ts';

export type SignOp = (pdf: Buffer) => Promise<Buffer>;

export interface Impl {
  id: ImplId;
  label: string;
  prepare(keys: BenchKeys): Promise<SignOp>;
}

export type ImplId = 'floor' | 'ours' | 'signpdf' | 'libpdf' | 'read';

const SIGNER_NAME = 'Bench Signer';
const REASON = 'Benchmark';

/** Roughly the size of our incremental update for an invisible signature (~16.3 KB: /Contents hex, field, xref). */
const FLOOR_TAIL = 16 * 1024;

export const IMPLS: Record<ImplId, Impl> = {
  floor: {
    id: 'floor',
    label: 'floor (sha256 + RSA + copy)',
    async prepare(keys) {
      const key = createPrivateKey(readFileSync(keys.keyPem));
      const tail = Buffer.alloc(FLOOR_TAIL, 0x30);
      return async (pdf) => {
        const digest = createHash('sha256').update(pdf).digest();
        // One private-key operation over a small input, like signing the CMS signed attributes.
        const signature = rsaSign('sha256', Buffer.concat([digest, tail.subarray(0, 64)]), key);
        tail.set(signature, 0);
        return Buffer.concat([pdf, tail], pdf.length + tail.length);
      };
    },
  },
  ours: {
    id: 'ours',
    label: 'Paraaf signPdf',
    async prepare(keys) {
      const key = createSigningKey(createPrivateKey(readFileSync(keys.keyPem)), [
        new X509Certificate(readFileSync(keys.certPem)).raw,
      ]);
      return (pdf) => signPdf(pdf, { key, signer: { name: SIGNER_NAME }, invisible: true, reason: REASON });
    },
  },
  signpdf: {
    id: 'signpdf',
    label: '@signpdf (pdf-lib placeholder + p12)',
    async prepare(keys) {
      const [{ PDFDocument }, placeholder, signpdfModule, p12Module] = await Promise.all([
        import('pdf-lib'),
        import('@signpdf/placeholder-pdf-lib'),
        import('@signpdf/signpdf'),
        import('@signpdf/signer-p12'),
      ]);
      const SignPdf = (signpdfModule as unknown as { SignPdf: new () => { sign(pdf: Buffer, signer: unknown): Promise<Buffer> } }).SignPdf;
      const P12Signer = (p12Module as unknown as { P12Signer: new (p12: Buffer, options: { passphrase: string }) => unknown }).P12Signer;
      const pdflibAddPlaceholder = (placeholder as unknown as { pdflibAddPlaceholder: typeof import('@signpdf/placeholder-pdf-lib').pdflibAddPlaceholder }).pdflibAddPlaceholder;
      const p12 = readFileSync(keys.p12);
      const signer = new SignPdf();
      return async (pdf) => {
        const doc = await PDFDocument.load(pdf);
        pdflibAddPlaceholder({ pdfDoc: doc, reason: REASON, contactInfo: '', name: SIGNER_NAME, location: '' });
        const withPlaceholder = Buffer.from(await doc.save({ useObjectStreams: false }));
        return signer.sign(withPlaceholder, new P12Signer(p12, { passphrase: keys.passphrase }));
      };
    },
  },
  libpdf: {
    id: 'libpdf',
    label: '@libpdf/core',
    async prepare(keys) {
      const { PDF, P12Signer } = await import('@libpdf/core');
      const signer = await P12Signer.create(readFileSync(keys.p12), keys.passphrase);
      return async (pdf) => {
        const doc = await PDF.load(pdf);
        const { bytes } = await doc.sign({ signer, reason: REASON });
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      };
    },
  },
  /** Not a signer: only for the RSS baseline (a process that reads the file and does nothing else). */
  read: {
    id: 'read',
    label: 'read file only',
    async prepare() {
      return async (pdf) => pdf;
    },
  },
};

export const TIMED_IMPLS: ImplId[] = ['floor', 'ours', 'signpdf', 'libpdf'];
