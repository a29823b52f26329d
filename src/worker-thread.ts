/**
 * Starting a worker thread from this tree (verify-pool.ts, fs-blob-writer.ts): its file is `<name>.ts` when we
 * run from source under tsx and `<name>.js` once built, and a worker started from source registers tsx's
 * loader itself, because hooks registered in the parent do not reach it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The URL of the worker module `name` beside the module at `base` (its import.meta.url), source or built. */
export function workerUrl(base: string, name: string): URL {
  return new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}

/** The ESM build of `tsx/esm/api`, found from here whether this module runs as ESM or (mocha's require) as CJS. */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const exports = (require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href;
}

export function startWorker(url: URL, options: ConstructorParameters<typeof Worker>[1] = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const tsx = JSON.stringify(tsxEsmApi());
  const code = `import(${tsx}).then((api) => api.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(code, { ...options, eval: true });
}
