/**
 * The verify worker pool (issue 10): verifyPdf in worker threads gives the report it gives in-process,
 * revocation questions are answered by the parent's source, a file that never finishes is stopped at
 * the time limit with 422 verify_too_complex (and the next file gets a fresh worker), and a full queue
 * answers 503 verify_busy instead of waiting.
 */
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RevocationSource } from '../../../src/keys/types.ts';
import { signPdf } from '../../../src/pades/sign-pdf.ts';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { createVerifyPool, type VerifyPool } from '../../../src/pades/verify-pool.ts';
import { localKey, pki } from '../../helpers/openssl-pki.ts';

const HANGING_WORKER = new URL('../../helpers/hanging-verify-worker.ts', import.meta.url);
const HANG = Buffer.from('%HANG forever');

async function failure(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number };
  }
  throw new Error('expected a rejection');
}

describe('verify worker pool', function () {
  this.timeout(60_000);
  let pdf: Buffer;
  let root: X509Certificate;
  let pool: VerifyPool | undefined;

  before(async () => {
    const material = pki();
    root = material.root.cert;
    const key = localKey(material.ec256, [material.intermediate], 'ecdsa', 'sha256');
    pdf = await signPdf(readFileSync(join(import.meta.dirname, '../../../fixtures/pdf/pdflib-decision.pdf')), { key, signer: { name: 'An Peeters' }, invisible: true, timestampReserve: 0 });
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('gives the report verifyPdf gives in-process, asking the parent for revocation', async () => {
    pool = createVerifyPool({ size: 2, maxQueued: 4, timeoutMs: 30_000 });
    const asked: string[] = [];
    const revocation: RevocationSource = {
      async revocationData(certificate) {
        asked.push(certificate.subject);
        return null;
      },
    };
    const at = new Date();
    const inProcess = await verifyPdf(pdf, { trustAnchors: [root], at, revocation });
    const askedInProcess = asked.splice(0);
    const inWorker = await pool.verify(pdf, { trustAnchors: [root], at, revocation });
    expect(inWorker).to.deep.equal(inProcess);
    expect(inWorker.verdict).to.equal('valid');
    expect(asked).to.deep.equal(askedInProcess);
    expect(asked).to.not.be.empty;
  });

  it('passes the errors of verifyPdf on with their code (pdf_invalid, 422)', async () => {
    pool = createVerifyPool({ size: 1, maxQueued: 1, timeoutMs: 30_000 });
    const error = await failure(pool.verify(Buffer.from('not a pdf'), { trustAnchors: [] }));
    expect(error).to.include({ code: 'pdf_invalid', status: 422 });
  });

  it('stops a file that runs past the time limit with 422 verify_too_complex; the next file gets a fresh worker', async () => {
    pool = createVerifyPool({ size: 1, maxQueued: 2, timeoutMs: 1000, worker: HANGING_WORKER });
    const hanging = failure(pool.verify(HANG, { trustAnchors: [] }));
    const next = pool.verify(pdf, { trustAnchors: [root] });
    expect(await hanging).to.include({ code: 'verify_too_complex', status: 422 });
    expect((await next).verdict).to.equal('valid');
  });

  it('answers 503 verify_busy when every worker is busy and the queue is full, and serves again after', async () => {
    pool = createVerifyPool({ size: 1, maxQueued: 1, timeoutMs: 1500, worker: HANGING_WORKER });
    const running = failure(pool.verify(HANG, { trustAnchors: [] }));
    const queued = pool.verify(pdf, { trustAnchors: [root] });
    const load = pool.load();
    expect(load.running + load.queued).to.equal(2);
    expect(await failure(pool.verify(pdf, { trustAnchors: [root] }))).to.include({ code: 'verify_busy', status: 503 });
    expect(await running).to.include({ code: 'verify_too_complex' });
    expect((await queued).verdict).to.equal('valid');
    expect(pool.load()).to.deep.equal({ running: 0, queued: 0 });
  });

  it('close() fails what is running or waiting with 503 verify_unavailable', async () => {
    const closing = createVerifyPool({ size: 1, maxQueued: 1, timeoutMs: 60_000, worker: HANGING_WORKER });
    const running = failure(closing.verify(HANG, { trustAnchors: [] }));
    const waiting = failure(closing.verify(pdf, { trustAnchors: [root] }));
    await closing.close();
    expect(await running).to.include({ code: 'verify_unavailable', status: 503 });
    expect(await waiting).to.include({ code: 'verify_unavailable', status: 503 });
  });
});
