/**
 * The worker thread behind `createVerifyPool` (verify-pool.ts): reads one PDF from a path (or takes its
 * bytes), runs verifyPdf on it and posts the report back. Revocation questions go to the parent, whose
 * source reads the database; the worker itself holds no connection.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import type { RevocationData, RevocationSource } from '../keys/types.ts';
import { trustListFromTransfer, type TrustList } from './trust-list.ts';
import { verifyPdf } from './verify-pdf.ts';
import type { FromWorker, ToWorker } from './verify-pool.ts';

const port = parentPort;
if (!port) throw new Error('verify-worker.ts runs only as a worker thread');

const pending = new Map<number, { resolve: (data: RevocationData | null) => void; reject: (error: Error) => void }>();
let nextQuestion = 0;
/** The trusted lists the parent sent last, kept for every job that names them. */
let trustList: TrustList | null = null;
let trustListProblem: string | null = null;

/** Asks the parent's RevocationSource (our own CAs, online) and waits for its answer. */
const revocation: RevocationSource = {
  revocationData(certificate, issuer) {
    const id = nextQuestion++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      port.postMessage({ type: 'revocation', id, certificate: certificate.raw, issuer: issuer.raw } satisfies FromWorker);
    });
  },
};

port.on('message', (message: ToWorker) => {
  if (message.type === 'revocation-answer') {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (!waiting) return;
    if (message.error !== undefined) waiting.reject(new Error(message.error));
    else waiting.resolve(message.data == null ? null : { ocsps: message.data.ocsps.map((b) => Buffer.from(b)), crls: message.data.crls.map((b) => Buffer.from(b)) });
    return;
  }
  if (message.type === 'trust-list') {
    try {
      trustList = trustListFromTransfer(message.list);
      trustListProblem = null;
    } catch (error) {
      trustList = null;
      trustListProblem = error instanceof Error ? error.message : String(error);
    }
    return;
  }
  void run(message);
});

port.postMessage({ type: 'ready' } satisfies FromWorker);

async function run(job: Extract<ToWorker, { type: 'verify' }>): Promise<void> {
  try {
    if (job.trustListId !== undefined && trustList?.id !== job.trustListId) throw new Error(`the trusted list of this job is not loaded in the worker${trustListProblem ? `: ${trustListProblem}` : ''}`);
    const pdf = job.path !== undefined ? await readFile(job.path) : Buffer.from(job.pdf!);
    const report = await verifyPdf(pdf, {
      trustAnchors: job.trustAnchors.map((der) => new X509Certificate(der)),
      ...(job.at !== undefined ? { at: new Date(job.at) } : {}),
      ...(job.revocation ? { revocation } : {}),
      ...(job.trustListId !== undefined && trustList ? { trustList } : {}),
    });
    port!.postMessage({ type: 'report', report } satisfies FromWorker);
  } catch (error) {
    const e = error as { code?: unknown; status?: unknown; message?: unknown; extensions?: unknown; name?: unknown };
    const appError = typeof e?.code === 'string' && typeof e?.status === 'number'
      ? { code: e.code, status: e.status, message: String(e.message), extensions: e.extensions as Record<string, unknown> | undefined }
      : undefined;
    port!.postMessage({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), appError } satisfies FromWorker);
  }
}
