/**
 * What the HTTP benchmarks' clients do, as a staff system and a signer would: create and send an
 * envelope through the API, open the signer page for its `_csrf` and post the signature. Plain
 * `fetch` (undici, keep-alive), a timeout on every request, and a worker pool over a queue.
 * Shared by the single-server section (http.ts), the multi-instance table (cluster-load.ts) and
 * the soak (soak.ts).
 */
import { randomBytes } from 'node:crypto';
import { PDFDocument, StandardFonts, concatTransformationMatrix, drawObject, popGraphicsState, pushGraphicsState, rgb } from 'pdf-lib';
import { max } from './format.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const signal = () => AbortSignal.timeout(REQUEST_TIMEOUT_MS);

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(values: number[]): LatencySummary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: max(values),
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/** Runs `fn` over `items` with `concurrency` workers; items not started before `deadline` are skipped. */
export async function runPool<T>(items: T[], concurrency: number, deadline: number, fn: (item: T, worker: number) => Promise<void>): Promise<{ errors: string[]; skipped: number }> {
  let next = 0;
  let skipped = 0;
  const errors: string[] = [];
  const worker = async (w: number) => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      if (performance.now() > deadline) {
        skipped += 1;
        continue;
      }
      try {
        await fn(items[index], w);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, (_, w) => worker(w)));
  return { errors, skipped };
}

export interface BenchSigner {
  name: string;
  email: string;
  function: string;
}

export const SIGNERS: BenchSigner[] = [
  { name: 'An Peeters', email: 'signer1@benchstad.test', function: 'Algemeen directeur' },
  { name: 'Bart Claes', email: 'signer2@benchstad.test', function: 'Burgemeester' },
];

/**
 * POST /api/v1/envelopes (multipart, send:true) with one document and `signers` in order 1, 2, …
 * (`parallel`: all in order 1); answers the envelope id.
 */
export async function createEnvelope(baseUrl: string, apiKey: string, pdf: Buffer, title: string, signers: BenchSigner[] = SIGNERS, parallel = false): Promise<string> {
  const form = new FormData();
  form.append(
    'envelope',
    JSON.stringify({
      title,
      message: 'Graag tekenen.',
      recipients: signers.map((s, i) => ({ ...s, role: 'signer', order: parallel ? 1 : i + 1 })),
      send: true,
    }),
  );
  form.append('documents', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'besluit.pdf');
  const res = await fetch(`${baseUrl}/api/v1/envelopes`, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}` }, body: form, signal: signal() });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`create+send answered ${res.status}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { id: string }).id;
}

/** The problem's code, or the page's title and first paragraph, for an error message. */
function whatPageSays(body: string): string {
  const code = /"code"\s*:\s*"([^"]+)"/.exec(body)?.[1];
  if (code) return code;
  const text = (pattern: RegExp) => pattern.exec(body)?.[1]?.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
  return [text(/<title>([\s\S]*?)<\/title>/i), text(/<p[^>]*>([\s\S]*?)<\/p>/i)].filter(Boolean).join(': ').slice(0, 160) || body.slice(0, 80);
}

const CSRF = /name="_csrf" value="([^"]+)"/;
function csrfOf(page: string): string | undefined {
  const at = page.indexOf('/sign"');
  return CSRF.exec(at >= 0 ? page.slice(at) : page)?.[1];
}

/** The documents a signer page links for download (`href="/s/<token>/documents/<id>" download`). */
const DOWNLOAD = /href="(\/s\/[^"]+\/documents\/[^"/?]+)" download/g;

/**
 * Opens the signer page on `pageUrl`, downloads each of its documents there (a signer must have opened
 * every document before signing, issue 12; a download counts, as for a browser without JavaScript), and
 * posts the signature to `postUrl` (the same instance, or the next one behind a client-side balancer:
 * the form's `_csrf` is valid on every instance). Answers the client latencies, ms.
 */
export async function signAs(token: string, pageUrl: string, postUrl = pageUrl): Promise<{ get: number; read: number; post: number }> {
  const page = await timed(async () => {
    const res = await fetch(`${pageUrl}/s/${token}`, { signal: signal() });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /s/… answered ${res.status}`);
    return text;
  });
  const csrf = csrfOf(page.value);
  if (!csrf) throw new Error('no _csrf on the signer page');
  const read = await timed(async () => {
    for (const link of new Set([...page.value.matchAll(DOWNLOAD)].map((m) => m[1]!.replace(/&amp;/g, '&')))) {
      const res = await fetch(`${pageUrl}${link}`, { signal: signal() });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET ${link} answered ${res.status}`);
    }
  });
  const post = await timed(async () => {
    const res = await fetch(`${postUrl}/s/${token}/sign`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ consent: 'ja', _csrf: csrf }).toString(),
      redirect: 'manual',
      signal: signal(),
    });
    const body = await res.text();
    if (res.status !== 303 || !res.headers.get('location')?.endsWith('/done')) throw new Error(`POST sign answered ${res.status} (${res.headers.get('location') ?? whatPageSays(body)})`);
  });
  return { get: page.ms, read: read.ms, post: post.ms };
}

/** GET /api/v1/envelopes/:id: its status and first document's id. */
export async function envelopeStatus(baseUrl: string, apiKey: string, id: string): Promise<{ status: string; documentId: string }> {
  const res = await fetch(`${baseUrl}/api/v1/envelopes/${id}`, { headers: { Authorization: `Bearer ${apiKey}` }, signal: signal() });
  const body = (await res.json()) as { status: string; documents: { id: string }[] };
  return { status: body.status, documentId: body.documents[0].id };
}

/** The current PDF of a document. */
export async function downloadDocument(baseUrl: string, apiKey: string, id: string, documentId: string): Promise<Buffer> {
  const res = await fetch(`${baseUrl}/api/v1/envelopes/${id}/documents/${documentId}`, { headers: { Authorization: `Bearer ${apiKey}` }, signal: signal() });
  if (res.status !== 200) throw new Error(`document download answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** A one-page-plus "besluit" with real text and an incompressible image, ~100 KB. */
export async function buildDecisionPdf(targetBytes = 100 * 1024): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle('Besluit van het college van burgemeester en schepenen');
  doc.setProducer('Paraaf bench');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage([595, 842]);
  page.drawText('Gemeente Benchstad', { x: 72, y: 780, size: 18, font: bold });
  page.drawText('Besluit van het college van burgemeester en schepenen — zitting van 12 mei', { x: 72, y: 756, size: 11, font });
  const body = [
    'Het college,',
    'Gelet op het Decreet Lokaal Bestuur van 22 december 2017, artikelen 56 en 279;',
    'Overwegende dat de aanvraag volledig en ontvankelijk werd verklaard;',
    'Overwegende het gunstig advies van de dienst omgeving;',
    'Besluit:',
    'Artikel 1. De omgevingsvergunning wordt verleend onder de voorwaarden in bijlage.',
    'Artikel 2. Dit besluit wordt bekendgemaakt volgens de regels van het decreet.',
  ];
  body.forEach((line, i) => page.drawText(line, { x: 72, y: 720 - i * 16, size: 10, font, color: rgb(0.1, 0.1, 0.1) }));
  // Incompressible image data (a "scanned plan") brings the file to the target size.
  const width = 256;
  const height = Math.max(1, Math.floor((targetBytes - 6 * 1024) / (width * 3)));
  const image = doc.context.stream(randomBytes(width * height * 3), { Type: 'XObject', Subtype: 'Image', Width: width, Height: height, ColorSpace: 'DeviceRGB', BitsPerComponent: 8 });
  const name = page.node.newXObject('Im', doc.context.register(image));
  const drawHeight = 380;
  const drawWidth = (drawHeight * width) / height;
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(drawWidth, 0, 0, drawHeight, 72, 160), drawObject(name), popGraphicsState());
  page.drawText('Burgemeester                                   Algemeen directeur', { x: 72, y: 120, size: 10, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
