#!/usr/bin/env node
/**
 * Second step of `npm run build`, after `tsc -p tsconfig.build.json`: the compiled modules find
 * their files next to themselves (`import.meta.dirname`), as they do under src/ with tsx, so every
 * file under src/ that is not TypeScript (web/static, web/docs, …) is copied to the same place
 * under dist/. Compiled modules whose source is gone are removed, so a deleted or renamed
 * module cannot be loaded from a stale build. Plain JavaScript: it runs before anything is built.
 * Last, dist/.build-complete marks a whole build (test/helpers/production-build.ts compares its time).
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

/** Every file below `dir`, as paths relative to it. */
function filesUnder(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) return filesUnder(path.join(dir, entry.name), relative);
    return entry.isFile() ? [relative] : [];
  });
}

const exists = (file) => statSync(file, { throwIfNoEntry: false }) !== undefined;

let copied = 0;
for (const relative of filesUnder(src)) {
  if (relative.endsWith('.ts')) continue;
  const target = path.join(dist, relative);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(src, relative), target);
  copied++;
}

// Only modules tsc wrote are pruned: dist/openapi (npm run lint:openapi) and the assets stay.
let removed = 0;
for (const relative of filesUnder(dist)) {
  if (!relative.endsWith('.js')) continue;
  if (exists(path.join(src, relative)) || exists(path.join(src, relative.replace(/\.js$/, '.ts')))) continue;
  rmSync(path.join(dist, relative));
  removed++;
}

writeFileSync(path.join(dist, '.build-complete'), `${new Date().toISOString()}\n`);
process.stdout.write(`copy-assets: ${copied} asset files copied to dist/${removed > 0 ? `, ${removed} stale modules removed` : ''}\n`);
