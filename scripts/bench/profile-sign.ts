/**
 * `npx tsx scripts/bench/profile-sign.ts [--postgres] [--n 40] [--out dir] [--top 40] [--no-profile]`: where
 * the ordinary sign request (a signer in parallel, neither mailing the next nor completing, one at a time)
 * spends its time inside the bench server (scripts/bench/http-server.ts). N such requests run under the V8
 * CPU profiler, which writes `<out>/sign-<db>.cpuprofile` (open it in Chrome DevTools) and the requests'
 * spans beside it (`.spans.json`); printed: server time, server CPU and statements per request (medians),
 * the engine as the request makes it (B-T + B-LT) in the same process, and the functions with the most
 * self and inclusive time over the samples taken within the sign requests (not their page views).
 * With --no-profile only the figures, to compare two trees under the same load.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase, dropTestDatabase } from '../cluster/instances.ts';
import { median, ms } from './format.ts';
import { buildDecisionPdf, createEnvelope, SIGNERS, signAs } from './http-client.ts';
import type { EngineResult, ServerStats } from './http-server.ts';
import { startMailSink } from './mail-sink.ts';
import { startServerChild } from './server-child.ts';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
};
const postgres = process.argv.includes('--postgres');
const n = Number(arg('--n', '40'));
const out = resolve(arg('--out', 'bench-results'));
/** --no-profile: the figures only, without the profiler's own cost (to compare two trees). */
const profiling = !process.argv.includes('--no-profile');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Self and inclusive time per function (name url:line) over the samples within `spans` (µs), the top `limit` of each. */
function summarizeProfile(path: string, spans: Array<[number, number]>, limit: number): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const within = (t: number) => sorted.some(([a, b]) => t >= a && t <= b);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const url = node.callFrame.url.replace(/^file:\/\/.*?\/(src|scripts|node_modules)\//, '$1/');
    return `${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (!within(t)) return;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') return;
    busy += dt;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
    }
  });
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([l, us]) => `${(us / 1000 / n).toFixed(2).padStart(6)} ms/req ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${l}`);
  return [`busy ${(busy / 1000 / n).toFixed(2)} ms per request`, '-- self --', ...top(self), '-- inclusive --', ...top(inclusive)];
}

const pdf = await buildDecisionPdf();
const sink = await startMailSink();
const database = postgres ? await createTestDatabase() : undefined;
const server = await startServerChild({ BENCH_SMTP_URL: sink.url, ...(database ? { BENCH_DATABASE_URL: database.url } : {}) });
try {
  const { url, apiKey } = server.ready;
  const ids: string[] = [];
  for (let i = 0; i < n + 10; i++) ids.push(await createEnvelope(url, apiKey, pdf, `Besluit ${i}`, SIGNERS, true));
  await server.call({ cmd: 'deliver' }, 120_000);
  const links = sink.links(SIGNERS[0].email);
  const tokens = ids.map((id) => links.get(id)!);
  for (const token of tokens.slice(0, 10)) await signAs(token, url);
  mkdirSync(out, { recursive: true });
  const path = join(out, `sign-${postgres ? 'postgres' : 'sqlite'}.cpuprofile`);
  await server.call({ cmd: 'stats-reset', attribution: 'one-at-a-time' });
  if (profiling) await server.call({ cmd: 'profile-start' });
  for (const token of tokens.slice(10)) await signAs(token, url);
  if (profiling) await server.call({ cmd: 'profile-stop', path });
  const stats = await server.call<ServerStats>({ cmd: 'stats' });
  const signs = stats.requests.filter((r) => r.kind === 'sign');
  if (profiling) writeFileSync(path.replace(/\.cpuprofile$/, '.spans.json'), JSON.stringify(signs.map((r) => r.spanUs)));
  const engine = await server.call<EngineResult>({ cmd: 'engine', envelopeId: ids[0], warmups: 10, iterations: 30, budgetMs: 8_000 }, 60_000);
  const lt = median(engine.asWorkflow.total);
  const serverMs = median(signs.map((r) => r.serverMs));
  const cpuMs = median(signs.map((r) => r.cpuMs));
  console.log(`${postgres ? 'PostgreSQL' : 'SQLite'}: ${signs.length} sign requests: server p50 ${ms(serverMs)} ms, cpu p50 ${ms(cpuMs)} ms, statements ${median(signs.map((r) => r.statements))}; engine B-T+B-LT ${ms(lt)} ms (signPdf+TSA ${ms(median(engine.asWorkflow.signPdfWithTimestamp))}, B-LT ${ms(median(engine.asWorkflow.validationRevision))}); overhead ${ms(serverMs - lt)} ms; blob put ${ms(median(signs.map((r) => r.blobPutMs)))}`);
  if (profiling) console.log(summarizeProfile(path, signs.map((r) => r.spanUs!), Number(arg('--top', '40'))).join('\n'));
} finally {
  await server.stop();
  await sink.close();
  if (database) await dropTestDatabase(database.name);
}
