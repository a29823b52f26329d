/**
 * The CLI in a process of its own, as an operator runs it in production: `node dist/cli.js` (`npm run cli:prod`),
 * built once per test run by builtEntry(). Started under tsx, each run took twice as long, which put the CLI suites
 * past CI's 20 minutes on a slow 2-core machine; dist/ is rebuilt whenever src/ is newer, so it is the code under test.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { builtEntry, projectRoot } from './production-build.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Leave the test process's DATABASE_URL out of the CLI's environment (`env` alone says which database). */
  withoutDatabaseUrl?: boolean;
  /** Node options before the script, e.g. a heap limit. */
  nodeOptions?: readonly string[];
  maxBuffer?: number;
  /** `src/cli.ts` under tsx instead of `dist/cli.js`: beside instances that run from source too. */
  fromSource?: boolean;
}

export async function runCli(args: readonly string[], env: Record<string, string>, options: RunCliOptions = {}): Promise<CliRun> {
  const script = options.fromSource ? ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts')] : [(await builtEntry()).cli];
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  if (options.withoutDatabaseUrl) delete inherited.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, [...(options.nodeOptions ?? []), ...script, ...args], { cwd: projectRoot, env: { ...inherited, ...env }, maxBuffer: options.maxBuffer ?? 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
