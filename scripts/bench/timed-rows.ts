/** The timing loop of the section workers (levels, qualified): warm-ups, timed runs, then a look at the last output. */

export interface RowPlan {
  warmups: number;
  iterations: number;
}

/**
 * Runs each row's operation `plan.warmups` times untimed, then `plan.iterations` times timed (wall ms), and hands
 * the last output to `inspect` (growth, verification); reports `PROGRESS <row>` so the parent sees it is alive.
 */
export async function timeRows<R extends string>(
  rows: readonly R[],
  runs: Record<R, () => Promise<Buffer | null>>,
  plan: RowPlan,
  inspect: (row: R, last: Buffer) => Promise<void>,
): Promise<Partial<Record<R, number[]>>> {
  const samples: Partial<Record<R, number[]>> = {};
  for (const row of rows) {
    let last: Buffer | null = null;
    for (let i = 0; i < plan.warmups; i++) last = await runs[row]();
    const times: number[] = [];
    for (let i = 0; i < plan.iterations; i++) {
      const start = performance.now();
      last = await runs[row]();
      times.push(performance.now() - start);
    }
    samples[row] = times;
    if (last) await inspect(row, last);
    process.stdout.write(`PROGRESS ${row}\n`);
  }
  return samples;
}
