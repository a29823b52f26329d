/**
 * What a signature costs at each PAdES level (issue 9), in its own process, on one input:
 *
 *   node --import tsx scripts/bench/levels-worker.ts <pdf> <plan.json>
 *
 * Every timed run does what the service does per signer: a one-shot certificate from the
 * organisation's CA (dev PKI in a temp dir), then
 * - B-B:              signPdf;
 * - B-T (in-process): signPdf with the built-in TSA called directly;
 * - B-T (HTTP):       signPdf with the HTTP client against the built-in TSA on 127.0.0.1 (a real round trip);
 * - B-LT:             B-T in-process, then the /DSS revision with our CA's OCSP responses (addValidationData);
 * - B-LTA:            B-LT, then the completion step (extendToLta: document timestamp and its TSA's data).
 * The floor is SHA-256 over the file plus one P-256 signature. Answers one line `RESULT <json>`.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createOwnRevocationSource, loadOrCreateDevPki, type SigningKey, type TimeStamper } from '../../src/keys/index.ts';
import { addValidationData } from '../../src/pades/ltv.ts';
import { extendToLta } from '../../src/pades/sign-at-level.ts';
import { signPdf } from '../../src/pades/sign-pdf.ts';
import { createHttpTimeStamper } from '../../src/pades/timestamp-client.ts';
import { createBuiltInTsa } from '../../src/pades/tsa.ts';
import { verifyPdf } from '../../src/pades/verify-pdf.ts';
import { makeTempDir } from './inputs.ts';
import { timeRows, type RowPlan } from './timed-rows.ts';

export const LEVEL_ROWS = ['floor', 'B-B', 'B-T', 'B-T-http', 'B-LT', 'B-LTA'] as const;
export type LevelRow = (typeof LEVEL_ROWS)[number];

export type LevelPlan = RowPlan;

export interface LevelsResult {
  status: 'ok' | 'failed';
  reason?: string;
  /** Wall ms of each timed run, per row. */
  samples: Partial<Record<LevelRow, number[]>>;
  /** Bytes the level adds to the input file (one signature; B-LTA includes the completion step). */
  growth: Partial<Record<LevelRow, number>>;
  /** PAdES level our verifier reports for each output. */
  verified: Partial<Record<LevelRow, string>>;
}

const POLICY = '1.3.6.1.4.1.99999.1.1';

async function main(): Promise<void> {
  const [pdfPath, planJson] = process.argv.slice(2);
  const plan = JSON.parse(planJson) as LevelPlan;
  const pdf = readFileSync(pdfPath);
  const dir = makeTempDir();
  const tsaServer = createServer();
  try {
    const pki = await loadOrCreateDevPki({ directory: join(dir, 'pki') });
    const issuer = pki.issuer;
    const builtIn = createBuiltInTsa({ key: pki.tsaKey, policy: POLICY, clock: () => new Date() });
    tsaServer.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        res.setHeader('content-type', 'application/timestamp-reply');
        res.end(await builtIn.respond(Buffer.concat(chunks)));
      });
    });
    await new Promise<void>((resolve) => tsaServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(tsaServer.address() as AddressInfo).port}/pki/tsa`;
    const overHttp = createHttpTimeStamper({ urls: [url], timeoutMs: 10_000 });
    const revocation = createOwnRevocationSource({
      authorityFor: (cert) => pki.authorities.authorityFor(cert),
      status: async () => ({ status: 'good' }),
      clock: () => new Date(),
      ocspValidityMs: 7 * 24 * 3600_000,
    });
    const extra = [pki.rootCertificate];
    const oneShot = (): Promise<SigningKey> => issuer.issueOneShot({ name: 'An Peeters', email: 'an@example.be', title: 'Algemeen directeur' });
    const signWith = async (timeStamper?: TimeStamper): Promise<Buffer> =>
      signPdf(pdf, { key: await oneShot(), signer: { name: 'An Peeters', function: 'Algemeen directeur' }, invisible: true, timeStamper });
    const floorKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const runs: Record<LevelRow, () => Promise<Buffer | null>> = {
      floor: async () => {
        sign('sha256', createHash('sha256').update(pdf).digest(), floorKey);
        return null;
      },
      'B-B': () => signWith(),
      'B-T': () => signWith(builtIn),
      'B-T-http': () => signWith(overHttp),
      'B-LT': async () => addValidationData(await signWith(builtIn), { revocation, extraCertificates: extra }),
      'B-LTA': async () =>
        extendToLta(await addValidationData(await signWith(builtIn), { revocation, extraCertificates: extra }), { timeStamper: builtIn, revocation, extraCertificates: extra }),
    };
    const result: LevelsResult = { status: 'ok', samples: {}, growth: {}, verified: {} };
    result.samples = await timeRows(LEVEL_ROWS, runs, plan, async (row, last) => {
      result.growth[row] = last.length - pdf.length;
      const report = await verifyPdf(last, { trustAnchors: [pki.rootCertificate] });
      const signature = report.signatures.find((s) => s.subFilter !== 'ETSI.RFC3161');
      result.verified[row] = `${report.verdict}, ${signature?.level.achieved ?? 'no level'}`;
    });
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } catch (error) {
    process.stdout.write(`RESULT ${JSON.stringify({ status: 'failed', reason: error instanceof Error ? error.message : String(error), samples: {}, growth: {}, verified: {} })}\n`);
  } finally {
    tsaServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// scripts/bench.ts imports LEVEL_ROWS from here: only run when started as the worker.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
