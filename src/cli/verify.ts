import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyPdf, type SignatureReport } from '../pades/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';

export async function runVerify(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' }, trust: { type: 'string', multiple: true } }, 1);
  const [file] = positionals;
  const pdf = await readFile(file).catch(() => {
    throw new UsageError(`Cannot read ${file}.`);
  });
  const anchors = await trustAnchors(values.trust ?? [], context);
  const report = await verifyPdf(pdf, { trustAnchors: anchors });
  if (values.json) context.out(JSON.stringify(report, null, 2));
  else {
    context.out(`${file}: ${report.verdict} (${report.signatures.length} signature(s), ${report.revisions} revision(s))`);
    report.signatures.forEach((s, i) => context.out(describe(s, i)));
  }
  return report.valid ? 0 : 1;
}

/** The given roots, or by default the development root under CERTS_DIR. */
export async function trustAnchors(files: string[], context: CliContext): Promise<X509Certificate[]> {
  const paths = files.length > 0 ? files : [path.join(context.config.certsDir, 'dev', 'root-ca.pem')].filter((p) => existsSync(p));
  return Promise.all(
    paths.map(async (p) => {
      try {
        return new X509Certificate(await readFile(p));
      } catch {
        throw new UsageError(`Cannot read a PEM certificate from ${p}.`);
      }
    }),
  );
}

function describe(s: SignatureReport, index: number): string {
  const lines = [
    `#${index + 1} ${s.fieldName}: ${s.valid ? 'VALID' : 'NOT VALID'}`,
    `   signer:    ${s.signer?.subject ?? 'unknown'}`,
    `   time (/M): ${s.signingTime ?? 'none'}`,
    `   integrity: ${s.integrity.valid ? 'intact' : 'BROKEN'} (${s.integrity.digestAlgorithm ?? '?'}, ${s.integrity.signatureAlgorithm ?? '?'})`,
    `   coverage:  revision ${s.coverage.revision} of ${s.coverage.revisions}; after it: ${s.coverage.modificationsAfter}`,
    `   chain:     ${s.chain.trusted ? 'trusted' : 'NOT trusted'}${s.chain.reason ? ` — ${s.chain.reason}` : ''}`,
    `   level:     ${s.level.achieved ?? 'none'}${s.level.reasons.length ? ` (${s.level.reasons.join('; ')})` : ''}`,
  ];
  for (const problem of s.problems) lines.push(`   problem:   ${problem}`);
  return lines.join('\n');
}
