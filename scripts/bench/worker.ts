/**
 * One benchmark cell in its own process, so a slow or hanging peer can be killed and one
 * implementation's heap does not disturb the next. Started by scripts/bench.ts as
 *
 *   node --expose-gc --import tsx scripts/bench/worker.ts time  <impl> <pdf> <keys.json> <plan.json>
 *   node --expose-gc --import tsx scripts/bench/worker.ts chain <pdf> <keys.json> <plan.json>
 *
 * and answers with one line `RESULT <json>` on stdout.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyPdf } from '../../src/pades/verify-pdf.ts';
import { IMPLS, type ImplId } from './impls.ts';
import type { BenchKeys } from './inputs.ts';

export interface CellPlan {
  warmups: number;
  iterations: number;
  /** Stop iterating (after at least `minIterations`) once this much time went into timed runs. */
  budgetMs: number;
  minIterations: number;
  /** A single run slower than this makes the cell "too slow". */
  tooSlowMs: number;
  /**
   * Force a full GC before every timed run. Off by default: a forced GC also drops compiled
   * JS state (it costs signPdf ~1 ms per run at small sizes), so it measures a colder signer.
   */
  gcEachRun: boolean;
}

export interface TimeResult {
  status: 'ok' | 'too-slow' | 'failed';
  reason?: string;
  samples: number[];
  warmupMs: number[];
  /** Minor page faults during each timed run (fresh memory touched, mostly the output buffer). */
  faults: number[];
  /** CPU time (user + system, all threads) of each timed run, ms: less disturbed by a busy machine than wall time. */
  cpu: number[];
  outputBytes?: number;
  /** Integrity of the produced signature(s) as checked by our own verifier. */
  verified?: string;
}

export interface ChainResult {
  status: 'ok' | 'failed';
  reason?: string;
  /** samples[k] = times of signature k+1 over all rounds. */
  samples: number[][];
  faults: number[][];
  cpu: number[][];
  /** The floor chained the same way (hashing + RSA + copy of its own previous output). */
  floorSamples: number[][];
  floorFaults: number[][];
  floorCpu: number[][];
  verified?: string;
  outputBytes?: number[];
}

const forceGc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let gc = (): void => {};
const faultCount = (): number => process.resourceUsage().minorPageFault;
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function emit(result: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function verify(pdf: Buffer, keys: BenchKeys, expected: number): Promise<string> {
  try {
    const report = await verifyPdf(pdf, { trustAnchors: [new X509Certificate(readFileSync(keys.certPem))] });
    const intact = report.signatures.filter((s) => s.integrity.valid).length;
    return intact === expected && report.signatures.length === expected ? 'ok' : `${intact}/${report.signatures.length} intact, ${expected} expected`;
  } catch (error) {
    return `verifier error: ${(error as Error).message}`;
  }
}

async function timeCell(implId: ImplId, file: string, keys: BenchKeys, plan: CellPlan): Promise<TimeResult> {
  const pdf = readFileSync(file);
  const op = await IMPLS[implId].prepare(keys);
  const result: TimeResult = { status: 'ok', samples: [], warmupMs: [], faults: [], cpu: [] };
  try {
    for (let i = 0; i < Math.max(1, plan.warmups); i++) {
      gc();
      const start = performance.now();
      const out = await op(pdf);
      const ms = performance.now() - start;
      result.warmupMs.push(ms);
      if (i === 0) {
        result.outputBytes = out.length;
        if (implId !== 'floor' && implId !== 'read') result.verified = await verify(out, keys, 1);
      }
      if (ms > plan.tooSlowMs) return { ...result, status: 'too-slow', reason: `one run took ${(ms / 1000).toFixed(1)} s` };
    }
    forceGc();
    let spent = 0;
    while (result.samples.length < plan.iterations && (result.samples.length < plan.minIterations || spent < plan.budgetMs)) {
      gc();
      const faults = faultCount();
      const cpu = cpuMs();
      const start = performance.now();
      await op(pdf);
      const ms = performance.now() - start;
      result.cpu.push(cpuMs() - cpu);
      result.faults.push(faultCount() - faults);
      result.samples.push(ms);
      spent += ms;
      if (ms > plan.tooSlowMs) return { ...result, status: 'too-slow', reason: `one run took ${(ms / 1000).toFixed(1)} s` };
    }
  } catch (error) {
    return { ...result, status: 'failed', reason: (error as Error).message.split('\n')[0].slice(0, 120) };
  }
  return result;
}

/**
 * Signs the file three times in a row (each signing the previous output), `iterations` times
 * over; then the floor the same way, to separate what the signer does from what fresh memory
 * for a growing output costs (glibc reuses a freed buffer of the same size, not a larger one).
 */
async function chainCell(file: string, keys: BenchKeys, plan: CellPlan): Promise<ChainResult> {
  const input = readFileSync(file);
  const result: ChainResult = {
    status: 'ok',
    samples: [[], [], []],
    faults: [[], [], []],
    cpu: [[], [], []],
    floorSamples: [[], [], []],
    floorFaults: [[], [], []],
    floorCpu: [[], [], []],
  };
  try {
    for (const implId of ['ours', 'floor'] as const) {
      const op = await IMPLS[implId].prepare(keys);
      const samples = implId === 'ours' ? result.samples : result.floorSamples;
      const faultSamples = implId === 'ours' ? result.faults : result.floorFaults;
      const cpuSamples = implId === 'ours' ? result.cpu : result.floorCpu;
      for (let round = 0; round < plan.warmups + plan.iterations; round++) {
        if (round === plan.warmups) forceGc();
        let pdf: Buffer = input;
        const sizes: number[] = [];
        for (let k = 0; k < 3; k++) {
          gc();
          const faults = faultCount();
          const cpu = cpuMs();
          const start = performance.now();
          pdf = await op(pdf);
          const ms = performance.now() - start;
          if (round >= plan.warmups) {
            samples[k].push(ms);
            cpuSamples[k].push(cpuMs() - cpu);
            faultSamples[k].push(faultCount() - faults);
          }
          sizes.push(pdf.length);
        }
        if (round === 0 && implId === 'ours') {
          result.verified = await verify(pdf, keys, 3);
          result.outputBytes = sizes;
        }
      }
    }
  } catch (error) {
    return { ...result, status: 'failed', reason: (error as Error).message.split('\n')[0].slice(0, 120) };
  }
  return result;
}

const [mode, ...args] = process.argv.slice(2);
const planArg = JSON.parse(args[args.length - 1]) as CellPlan;
if (planArg.gcEachRun) gc = forceGc;
if (mode === 'time') {
  const [impl, file, keysJson, planJson] = args;
  emit(await timeCell(impl as ImplId, file, JSON.parse(keysJson), JSON.parse(planJson)));
} else if (mode === 'chain') {
  const [file, keysJson, planJson] = args;
  emit(await chainCell(file, JSON.parse(keysJson), JSON.parse(planJson)));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
