/** Reading a PDF's /DSS with qpdf (independent of src/pdf), for the B-LT tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;
function scratch(): string {
  if (!dir) {
    const made = mkdtempSync(join(tmpdir(), 'paraaf-qpdf-dss-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    dir = made;
  }
  return dir;
}

/** The DSS as qpdf sees it: each array's stream data, decoded by qpdf (`--json-stream-data=inline`). */
export function qpdfDss(pdf: Buffer): { certs: Buffer[]; ocsps: Buffer[]; crls: Buffer[]; extensions: unknown } {
  const path = join(scratch(), `q-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(path, pdf);
  const json = JSON.parse(execFileSync('qpdf', ['--warning-exit-0', '--json=2', '--json-stream-data=inline', '--decode-level=generalized', path], { maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8'));
  const objects = json.qpdf[1] as Record<string, { value?: unknown; stream?: { dict: Record<string, unknown>; data?: string } }>;
  const trailer = objects.trailer.value as Record<string, string>;
  const get = (ref: unknown): any => (typeof ref === 'string' && / R$/.test(ref) ? objects[`obj:${ref}`] : { value: ref });
  const catalog = get(trailer['/Root']).value as Record<string, unknown>;
  const dss = get(catalog['/DSS'])?.value as Record<string, unknown> | undefined;
  const list = (key: string): Buffer[] => {
    const array = dss?.[key] === undefined ? [] : (get(dss[key]).value as string[]);
    return array.map((ref) => Buffer.from(get(ref).stream.data as string, 'base64'));
  };
  return { certs: list('/Certs'), ocsps: list('/OCSPs'), crls: list('/CRLs'), extensions: catalog['/Extensions'] };
}

