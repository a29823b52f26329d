/**
 * Benchmark inputs, generated at bench start in a temp dir (never committed): pdf-lib documents
 * whose pages each draw one uncompressed RGB image of random (incompressible) bytes, and one
 * RSA-2048 key with a self-signed certificate, as PEM and as a legacy-algorithm PKCS#12 that
 * node-forge (@signpdf/signer-p12) can read.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PDFDocument,
  StandardFonts,
  concatTransformationMatrix,
  drawObject,
  popGraphicsState,
  pushGraphicsState,
} from 'pdf-lib';

export interface BenchInput {
  /** Short label used in tables and JSON. */
  id: string;
  label: string;
  path: string;
  bytes: number;
  targetBytes: number;
  objectStreams: boolean;
  pages: number;
}

export interface BenchKeys {
  keyPem: string;
  certPem: string;
  p12: string;
  passphrase: string;
}

export const KB = 1024;
export const MB = 1024 * 1024;

interface InputSpec {
  id: string;
  label: string;
  targetBytes: number;
  objectStreams: boolean;
  pages: number;
}

export const INPUT_SPECS: InputSpec[] = [
  { id: '100k', label: '100 KB', targetBytes: 100 * KB, objectStreams: false, pages: 4 },
  { id: '1m', label: '1 MB', targetBytes: 1 * MB, objectStreams: false, pages: 4 },
  { id: '1m-objstm', label: '1 MB objstm', targetBytes: 1 * MB, objectStreams: true, pages: 16 },
  { id: '10m', label: '10 MB', targetBytes: 10 * MB, objectStreams: false, pages: 4 },
  { id: '50m', label: '50 MB', targetBytes: 50 * MB, objectStreams: false, pages: 7 },
];

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'paraaf-bench-'));
}

/** Generates every input PDF in `dir`; each lands within ±10% of its target size. */
export async function generateInputs(dir: string): Promise<BenchInput[]> {
  const inputs: BenchInput[] = [];
  for (const spec of INPUT_SPECS) {
    const path = join(dir, `input-${spec.id}.pdf`);
    const bytes = await buildPdf(spec.targetBytes, spec.pages, spec.objectStreams);
    writeFileSync(path, bytes);
    const size = statSync(path).size;
    if (Math.abs(size - spec.targetBytes) > spec.targetBytes * 0.1) {
      throw new Error(`Generated ${spec.id} is ${size} bytes, not within 10% of ${spec.targetBytes}.`);
    }
    inputs.push({ ...spec, path, bytes: size });
  }
  return inputs;
}

async function buildPdf(targetBytes: number, pageCount: number, objectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle('Paraaf benchmark document');
  doc.setProducer('Paraaf bench');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  // Per-page overhead (page, content stream, image dict, text) is well under 1 KB; keep 2% slack.
  const imageBytes = Math.floor((targetBytes * 0.98) / pageCount);
  const width = 256;
  const height = Math.max(1, Math.floor(imageBytes / (width * 3)));
  for (let i = 0; i < pageCount; i++) {
    const page = doc.addPage([595, 842]);
    const image = doc.context.stream(randomBytes(width * height * 3), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: width,
      Height: height,
      ColorSpace: 'DeviceRGB',
      BitsPerComponent: 8,
    });
    const imageRef = doc.context.register(image);
    const imageName = page.node.newXObject('Im', imageRef);
    page.drawText(`Benchmark page ${i + 1} of ${pageCount}`, { x: 72, y: 790, size: 14, font });
    // Draw the image scaled to fit under the heading.
    const drawHeight = Math.min(680, (451 * height) / width);
    const drawWidth = (drawHeight * width) / height;
    page.pushOperators(
      pushGraphicsState(),
      concatTransformationMatrix(drawWidth, 0, 0, drawHeight, 72, 760 - drawHeight),
      drawObject(imageName),
      popGraphicsState(),
    );
  }
  return doc.save({ useObjectStreams: objectStreams });
}

/** RSA-2048 key and self-signed certificate via openssl, plus a PKCS#12 with 3DES/SHA-1 (node-forge reads those). */
export function generateKeys(dir: string): BenchKeys {
  const keyPath = join(dir, 'bench.key');
  const certPath = join(dir, 'bench.pem');
  const p12Path = join(dir, 'bench.p12');
  const passphrase = 'bench';
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyPath]);
  run([
    'req', '-new', '-x509', '-key', keyPath, '-out', certPath, '-days', '30', '-sha256',
    '-subj', '/C=BE/O=Paraaf Bench/CN=Paraaf Bench Signer',
    '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation',
  ]);
  run([
    'pkcs12', '-export', '-inkey', keyPath, '-in', certPath, '-out', p12Path, '-passout', `pass:${passphrase}`,
    '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1',
  ]);
  const keys: BenchKeys = { keyPem: keyPath, certPem: certPath, p12: p12Path, passphrase };
  // Fail early if the certificate cannot be parsed.
  new X509Certificate(readFileSync(certPath));
  return keys;
}
