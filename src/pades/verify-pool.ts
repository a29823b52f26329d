/**
 * Verification off the event loop (DESIGN §8, issue 10): a small fixed pool of worker threads runs
 * verifyPdf, a bounded queue waits for them, and a job that runs past its time (or past the worker's
 * heap limit) has its worker terminated and answers `verify_too_complex` (422). A full queue answers
 * `verify_busy` (503): the caller is told to come back rather than held. However slow or hostile a
 * file, the HTTP thread only waits for a message.
 */
import { X509Certificate } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import { startWorker, workerUrl } from '../worker-thread.ts';
import type { RevocationData, RevocationSource } from '../keys/types.ts';
import type { ValidationReport } from './report.ts';
import { trustListTransfer, type TrustList, type TrustListTransfer } from './trust-list.ts';
import type { VerifyPdfOptions } from './verify-pdf.ts';

/** Parent → worker. */
export type ToWorker =
  | { type: 'verify'; path?: string; pdf?: Uint8Array; trustAnchors: Uint8Array[]; at?: string; revocation: boolean; trustListId?: string }
  /** Sent once per worker and list, before the first job that uses it: the worker keeps it. */
  | { type: 'trust-list'; list: TrustListTransfer }
  | { type: 'revocation-answer'; id: number; data?: RevocationData | null; error?: string };

/** Worker → parent. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'report'; report: ValidationReport }
  | { type: 'error'; message: string; appError?: { code: string; status: number; message: string; extensions?: Record<string, unknown> } }
  | { type: 'revocation'; id: number; certificate: Uint8Array; issuer: Uint8Array };

export interface VerifyPoolOptions {
  /** Worker threads at most (each verifies one file at a time). */
  size: number;
  /** Jobs waiting for a worker at most; beyond it `verify_busy`. */
  maxQueued: number;
  /** Per job, from the moment a worker takes it. */
  timeoutMs: number;
  /** The V8 heap of each worker (`resourceLimits.maxOldGenerationSizeMb`). */
  maxHeapMb?: number;
  /** The worker module (tests: one that never finishes some files); default verify-worker. */
  worker?: URL;
}

export interface VerifyPool {
  /** verifyPdf on bytes already in memory (they are copied to the worker). */
  verify(pdf: Buffer, options: VerifyPdfOptions): Promise<ValidationReport>;
  /** verifyPdf on a file the worker reads itself: nothing of it is held here while it waits. */
  verifyFile(path: string, options: VerifyPdfOptions): Promise<ValidationReport>;
  /** Jobs running and waiting now. */
  load(): { running: number; queued: number };
  /** Terminates the workers; waiting and running jobs fail with `verify_unavailable`. */
  close(): Promise<void>;
}

export class VerifyBusyError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('verify_busy', 503, 'Too many files are being verified right now; try again in a moment.', { extensions: { retryAfter: retryAfterSeconds } });
  }

  /** A 503 whose cause the caller may know (the queue is full), unlike an internal error. */
  override get expose(): boolean {
    return true;
  }
}

export class VerifyUnavailableError extends AppError {
  constructor() {
    super('verify_unavailable', 503, 'Verification is shutting down; try again shortly.');
  }

  override get expose(): boolean {
    return true;
  }
}

export class VerifyTooComplexError extends AppError {
  constructor(detail: string) {
    super('verify_too_complex', 422, 'This file takes too long or too much memory to verify; it was stopped unverified.', { detail });
  }
}

interface Job {
  message: Extract<ToWorker, { type: 'verify' }>;
  revocation?: RevocationSource;
  trustList?: TrustList;
  resolve: (report: ValidationReport) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Loaded and listening: the time limit counts from here, not from the module loading. */
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  /** The trusted list the worker holds (it keeps the last one sent). */
  trustListId: string | null;
}

const WORKER_URL = workerUrl(import.meta.url, 'verify-worker');

export function createVerifyPool(options: VerifyPoolOptions): VerifyPool {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let closed = false;

  const finish = (slot: Slot): Job | null => {
    const job = slot.job;
    slot.job = null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    return job;
  };

  /** Drops a worker (timed out, crashed, out of memory) and starts the next job on a fresh one. */
  const discard = (slot: Slot, error: Error): void => {
    const index = slots.indexOf(slot);
    if (index < 0) return;
    slots.splice(index, 1);
    finish(slot)?.reject(error);
    void slot.worker.terminate();
    // A worker that dies before it is ready would die again: fail the waiting jobs instead of looping.
    if (!slot.ready) for (const job of queue.splice(0)) job.reject(error);
    dispatch();
  };

  const spawn = (): Slot => {
    const worker = startWorker(options.worker ?? WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 256 } });
    const slot: Slot = { worker, ready: false, job: null, timer: null, trustListId: null };
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        slot.ready = true;
        dispatch();
        return;
      }
      if (message.type === 'revocation') {
        void answerRevocation(slot, message);
        return;
      }
      const job = finish(slot);
      if (!job) return;
      if (message.type === 'report') job.resolve(message.report);
      else if (message.appError) job.reject(new AppError(message.appError.code, message.appError.status, message.appError.message, { extensions: message.appError.extensions, detail: message.message }));
      else job.reject(new Error(message.message));
      dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      discard(slot, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new VerifyTooComplexError(`worker ran out of memory (${options.maxHeapMb ?? 256} MB heap)`) : error);
    });
    worker.on('exit', (code) => discard(slot, new Error(`verify worker exited with code ${code}`)));
    slots.push(slot);
    return slot;
  };

  const answerRevocation = async (slot: Slot, question: Extract<FromWorker, { type: 'revocation' }>): Promise<void> => {
    const source = slot.job?.revocation;
    let answer: ToWorker;
    try {
      const data = source ? await source.revocationData(new X509Certificate(question.certificate), new X509Certificate(question.issuer)) : null;
      answer = { type: 'revocation-answer', id: question.id, data };
    } catch (error) {
      answer = { type: 'revocation-answer', id: question.id, error: error instanceof Error ? error.message : String(error) };
    }
    if (slots.includes(slot)) slot.worker.postMessage(answer);
  };

  const dispatch = (): void => {
    while (!closed && queue.length > 0) {
      const slot = slots.find((s) => s.ready && s.job === null);
      if (!slot) {
        // Start one more worker if allowed and none is already starting; it dispatches when ready.
        if (slots.length < options.size && slots.every((s) => s.ready)) spawn();
        return;
      }
      const job = queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => discard(slot, new VerifyTooComplexError(`verification ran past ${options.timeoutMs} ms`)), options.timeoutMs);
      if (job.trustList && slot.trustListId !== job.trustList.id) {
        slot.worker.postMessage({ type: 'trust-list', list: trustListTransfer(job.trustList) } satisfies ToWorker);
        slot.trustListId = job.trustList.id;
      }
      slot.worker.postMessage(job.message);
    }
  };

  const submit = (message: Job['message'], { revocation, trustList }: VerifyPdfOptions): Promise<ValidationReport> => {
    if (closed) return Promise.reject(new VerifyUnavailableError());
    const running = slots.filter((s) => s.job !== null).length;
    if (running + queue.length >= options.size + options.maxQueued) {
      return Promise.reject(new VerifyBusyError(Math.max(1, Math.ceil(options.timeoutMs / 1000))));
    }
    return new Promise((resolve, reject) => {
      queue.push({ message, revocation, trustList, resolve, reject });
      dispatch();
    });
  };

  const messageOf = (options: VerifyPdfOptions) => ({
    type: 'verify' as const,
    trustAnchors: options.trustAnchors.map((c) => new Uint8Array(c.raw)),
    ...((options.at ?? options.now) ? { at: (options.at ?? options.now)!.toISOString() } : {}),
    revocation: options.revocation !== undefined,
    ...(options.trustList ? { trustListId: options.trustList.id } : {}),
  });

  return {
    verify: (pdf, verifyOptions) => submit({ ...messageOf(verifyOptions), pdf: new Uint8Array(pdf) }, verifyOptions),
    verifyFile: (path, verifyOptions) => submit({ ...messageOf(verifyOptions), path }, verifyOptions),
    load: () => ({ running: slots.filter((s) => s.job !== null).length, queued: queue.length }),
    async close() {
      closed = true;
      const unavailable = () => new VerifyUnavailableError();
      for (const job of queue.splice(0)) job.reject(unavailable());
      const all = slots.splice(0);
      for (const slot of all) finish(slot)?.reject(unavailable());
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}
