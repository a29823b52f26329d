/**
 * Peak resident memory of signing one file once, in a fresh process:
 *
 *   node --import tsx scripts/bench/rss-child.ts <impl> <pdf> <keys.json>
 *
 * Loads the signer (setup), reads the file, signs it once, then answers `RESULT <json>` with
 * process.resourceUsage().maxRSS. `read` only reads the file: the baseline for the others.
 */
import { readFileSync } from 'node:fs';
import { IMPLS, type ImplId } from './impls.ts';

export interface RssResult {
  status: 'ok' | 'failed';
  reason?: string;
  /** Peak RSS of the whole process, in bytes. */
  maxRss: number;
  /** RSS once the signer is loaded, before the file is read, in bytes. */
  rssBeforeRead: number;
  ms?: number;
  outputBytes?: number;
}

const [impl, file, keysJson] = process.argv.slice(2);
const op = await IMPLS[impl as ImplId].prepare(JSON.parse(keysJson));
const rssBeforeRead = process.memoryUsage.rss();
let result: RssResult;
try {
  const pdf = readFileSync(file);
  const start = performance.now();
  const out = await op(pdf);
  const ms = performance.now() - start;
  result = { status: 'ok', maxRss: process.resourceUsage().maxRSS * 1024, rssBeforeRead, ms, outputBytes: out.length };
} catch (error) {
  result = { status: 'failed', reason: (error as Error).message.split('\n')[0], maxRss: process.resourceUsage().maxRSS * 1024, rssBeforeRead };
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
