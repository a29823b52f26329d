/**
 * The static files of the signer pages (issue 4), served from our own origin so the strict CSP
 * in src/http/app.ts holds: the progressive-enhancement script, its stylesheet and pdf.js
 * (`pdfjs-dist`, modern build, run with `isEvalSupported: false` and `useWasm: false`). The
 * answer is a fixed allow-list by URL path: nothing else under node_modules is reachable.
 * pdf.js lives under its version, so its files may be cached for a year.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const PDFJS_DIR = path.dirname(require.resolve('pdfjs-dist/package.json'));
const STATIC_DIR = path.join(import.meta.dirname, 'static');

export const PDFJS_VERSION = (JSON.parse(readFileSync(path.join(PDFJS_DIR, 'package.json'), 'utf8')) as { version: string }).version;
export const SCRIPT_PATH = '/assets/signer.js';
export const VIEWER_STYLESHEET_PATH = '/assets/signer-viewer.css';
/** The staff send page's enhancement (issue 5): drag and drop, directory search, placement, progress. */
export const STAFF_SEND_SCRIPT_PATH = '/assets/staff-send.js';
export const STAFF_SEND_STYLESHEET_PATH = '/assets/staff-send.css';
/** The page side of the Web eID protocol (issue 13): only the qualified sign form loads it. */
export const WEB_EID_SCRIPT_PATH = '/assets/web-eid.js';
const PDFJS_BASE = `/assets/pdfjs/${PDFJS_VERSION}`;
export const PDFJS_PATHS = {
  library: `${PDFJS_BASE}/pdf.min.mjs`,
  worker: `${PDFJS_BASE}/pdf.worker.min.mjs`,
  /** A directory URL, with its trailing slash, as pdf.js wants `standardFontDataUrl`. */
  standardFonts: `${PDFJS_BASE}/standard_fonts/`,
} as const;

export interface StaticAsset {
  file: string;
  type: string;
  /** Seconds a browser may keep it. */
  maxAge: number;
}

const YEAR = 365 * 24 * 3600;
const HOUR = 3600;

function fontType(name: string): string {
  if (name.endsWith('.ttf')) return 'font/ttf';
  return 'application/octet-stream';
}

/** URL path → file. Built once, from names we chose (and the font files pdf.js ships). */
export function staticAssets(): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>([
    [SCRIPT_PATH, { file: path.join(STATIC_DIR, 'signer.js'), type: 'text/javascript; charset=utf-8', maxAge: HOUR }],
    [WEB_EID_SCRIPT_PATH, { file: path.join(STATIC_DIR, 'web-eid.js'), type: 'text/javascript; charset=utf-8', maxAge: HOUR }],
    [VIEWER_STYLESHEET_PATH, { file: path.join(STATIC_DIR, 'signer-viewer.css'), type: 'text/css; charset=utf-8', maxAge: HOUR }],
    [STAFF_SEND_SCRIPT_PATH, { file: path.join(STATIC_DIR, 'staff-send.js'), type: 'text/javascript; charset=utf-8', maxAge: HOUR }],
    [STAFF_SEND_STYLESHEET_PATH, { file: path.join(STATIC_DIR, 'staff-send.css'), type: 'text/css; charset=utf-8', maxAge: HOUR }],
    [PDFJS_PATHS.library, { file: path.join(PDFJS_DIR, 'build', 'pdf.min.mjs'), type: 'text/javascript; charset=utf-8', maxAge: YEAR }],
    [PDFJS_PATHS.worker, { file: path.join(PDFJS_DIR, 'build', 'pdf.worker.min.mjs'), type: 'text/javascript; charset=utf-8', maxAge: YEAR }],
  ]);
  const fontsDir = path.join(PDFJS_DIR, 'standard_fonts');
  for (const name of readdirSync(fontsDir)) {
    if (/^[A-Za-z0-9_-]+\.(pfb|ttf)$/.test(name)) assets.set(`${PDFJS_PATHS.standardFonts}${name}`, { file: path.join(fontsDir, name), type: fontType(name), maxAge: YEAR });
  }
  return assets;
}
