/**
 * The qualified-signature section of `npm run bench` (issue 13): what the server does for a signer whose key is
 * elsewhere (prepare, keep the pending state, verify and embed the value) beside an internal signature, the floor
 * and @libpdf/core's external-signer hook, on 1 MB and 10 MB. Each input runs in its own process
 * (scripts/bench/qualified-worker.ts).
 */
import { max, median, min, ms, ratio, table } from './format.ts';
import type { BenchInput } from './inputs.ts';
import { QUALIFIED_ROWS, type QualifiedPlan, type QualifiedResult, type QualifiedRow } from './qualified-worker.ts';

export interface QualifiedCell {
  input: BenchInput;
  result: QualifiedResult;
}

/** bench.ts's child runner: script, args, silence and total limits; answers the worker's RESULT. */
export type RunWorker = (script: string, args: string[]) => Promise<{ result?: QualifiedResult; error?: string }>;

export async function qualifiedCells(inputs: BenchInput[], quick: boolean, run: RunWorker, log: (line: string) => void): Promise<QualifiedCell[]> {
  const out: QualifiedCell[] = [];
  for (const input of inputs.filter((i) => i.id === '1m' || i.id === '10m')) {
    const plan: QualifiedPlan = quick ? { warmups: 1, iterations: 3 } : input.id === '1m' ? { warmups: 5, iterations: 15 } : { warmups: 2, iterations: 7 };
    const outcome = await run('scripts/bench/qualified-worker.ts', [input.path, JSON.stringify(plan)]);
    const result = outcome.result ?? { status: 'failed' as const, reason: outcome.error, samples: {}, verified: {} };
    log(`  ${input.label.padEnd(12)} qualified ${result.status === 'ok' ? 'done' : `failed: ${result.reason}`}`);
    out.push({ input, result });
  }
  return out;
}

const LABEL: Record<QualifiedRow, string> = {
  floor: 'floor (sha384 + one P-384 signature)',
  internal: 'Paraaf signPdf, key in process',
  deferred: 'Paraaf deferred: prepare + keep state + value + complete',
  libpdf: '@libpdf/core sign() with an external Signer',
};

export function qualifiedReport(cells: QualifiedCell[]): string[] {
  const out = [
    'A signer who brings their own key (eID, remote QES): server work per document, P-384, B-B (ms, median over n; × internal = median ÷ our internal signature; × libpdf = median ÷ @libpdf/core)',
  ];
  const rows: string[][] = [];
  for (const { input, result } of cells) {
    if (result.status !== 'ok') {
      rows.push([input.label, `failed: ${result.reason}`, '', '', '', '', '', '']);
      continue;
    }
    const internal = median(result.samples.internal ?? []);
    const libpdf = median(result.samples.libpdf ?? []);
    QUALIFIED_ROWS.forEach((row, index) => {
      const samples = result.samples[row] ?? [];
      const m = median(samples);
      rows.push([
        index === 0 ? input.label : '',
        LABEL[row],
        ms(m),
        `${ms(min(samples))}–${ms(max(samples))}`,
        String(samples.length),
        row === 'floor' ? '' : ratio(m / internal),
        row === 'floor' ? '' : ratio(m / libpdf),
        result.verified[row] ?? 'n/a',
      ]);
    });
    rows.push(['', `pending state kept per document: ${result.pendingStateBytes?.toLocaleString('en') ?? '?'} B`, '', '', '', '', '', '']);
  }
  out.push(table(['input', 'signer', 'median', 'spread', 'n', '× internal', '× libpdf', 'verified'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l']));
  return out;
}

