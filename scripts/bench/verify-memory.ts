/**
 * Peak RSS of the server process while N clients upload a large PDF to `POST /api/v1/verify` at once
 * (issue 10: 4 × 49 MB took the process to 449 MiB). No test framework: run as
 *
 *   node --import tsx scripts/bench/verify-memory.ts [clients=4] [megabytes=49]
 *
 * The server runs in this process (its verify workers are threads of it, so their memory counts);
 * the uploads are streamed from a file by curl child processes (one loopback address each, so the
 * per-IP limits do not turn them away), so the clients add nothing here.
 * Prints the RSS before, the peak while the requests run, and each answer's status.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer } from '../../src/server.ts';

const MiB = 1024 * 1024;

if (process.argv[2] === 'make') {
  // Child mode: write the large PDF, so its making does not count in the server's RSS.
  const document = await PDFDocument.create();
  document.addPage([595, 842]).drawText('Besluit met grote bijlage', { x: 50, y: 780, size: 14 });
  await document.attach(randomBytes(Number(process.argv[4]) * MiB - 64 * 1024), 'bijlage.bin', { mimeType: 'application/octet-stream' });
  writeFileSync(process.argv[3], await document.save({ useObjectStreams: false }));
  process.exit(0);
}

const clients = Number(process.argv[2] ?? 4);
const megabytes = Number(process.argv[3] ?? 49);
const work = mkdtempSync(join(tmpdir(), 'paraaf-verify-memory-'));
const file = join(work, 'large.pdf');
await new Promise<void>((resolve, reject) => {
  execFile(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'make', file, String(megabytes)], (error) => (error ? reject(error) : resolve()));
});
const pdfBytes = statSync(file).size;

const config = loadConfig({ PORT: '0', DATA_DIR: join(work, 'data'), CERTS_DIR: join(work, 'certs'), LOG_LEVEL: 'silent', NODE_ENV: 'test', MAX_UPLOAD_MB: '60' });
const handle = await startServer(config, { logger: createLogger({ level: 'silent' }), trustAnchors: [], backgroundJobs: false, host: '127.0.0.1' });
await new Promise((resolve) => setTimeout(resolve, 300));
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);

// Each client from its own loopback address (127.0.0.2, .3, …), as separate citizens would be.
const upload = (_: unknown, index: number) => new Promise<string>((resolve) => {
  execFile('curl', ['-s', '--interface', `127.0.0.${index + 2}`, '-o', '/dev/null', '-w', '%{http_code}', '-F', `file=@${file};type=application/pdf`, `${handle.url}/api/v1/verify`], (_error, stdout) => resolve(stdout));
});
const started = Date.now();
const statuses = await Promise.all(Array.from({ length: clients }, upload));
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
await handle.close();
rmSync(work, { recursive: true, force: true });

console.log(JSON.stringify({
  clients,
  pdfMiB: +(pdfBytes / MiB).toFixed(1),
  rssBeforeMiB: +(before / MiB).toFixed(0),
  rssPeakMiB: +(peak / MiB).toFixed(0),
  growthMiB: +((peak - before) / MiB).toFixed(0),
  statuses,
  seconds,
}));
