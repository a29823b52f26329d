/**
 * A SoftHSM2 token in a temporary directory, with its own SOFTHSM2_CONF, for tests of keys in a
 * PKCS#11 token. Needs softhsm2-util (Debian package softhsm2); .ci/run installs it.
 *
 * SoftHSM2 reads SOFTHSM2_CONF in C_Initialize, so set up every token a test file needs before the
 * first token is opened, and close them all (which finalizes the module) in `after`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export interface SoftHsm {
  module: string;
  directory: string;
  conf: string;
  /** Initialises a token with this label and user PIN; returns the options to open it. */
  initToken(label: string, pin?: string): { module: string; pin: string; tokenLabel: string; slot: number };
  /** Runs pkcs11-tool (opensc) against this SoftHSM, e.g. to check objects independently of our code. */
  pkcs11Tool(args: string[]): string;
  cleanup(): void;
}

export function createSoftHsm(): SoftHsm {
  const module = SOFTHSM_MODULE_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!module) throw new Error(`libsofthsm2.so not found (looked in ${SOFTHSM_MODULE_CANDIDATES.join(', ')}); install softhsm2`);
  const directory = mkdtempSync(join(tmpdir(), 'paraaf-softhsm-'));
  const tokens = join(directory, 'tokens');
  mkdirSync(tokens);
  const conf = join(directory, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  return {
    module,
    directory,
    conf,
    initToken(label, pin = '123456') {
      const output = execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '87654321'], {
        env,
        encoding: 'utf8',
        stdio: 'pipe',
      });
      // "The token has been initialized and is reassigned to slot 2053799963"
      const slot = Number(/reassigned to slot (\d+)/.exec(output)?.[1]);
      return { module, pin, tokenLabel: label, slot };
    },
    pkcs11Tool(args) {
      return execFileSync('pkcs11-tool', ['--module', module, ...args], { env, encoding: 'utf8', stdio: 'pipe' });
    },
    cleanup() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
