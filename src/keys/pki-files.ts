/**
 * Files of a PKI kept on disk (development PKI, DESIGN §5): durable writes, PEM, PKCS#12, and directories that
 * appear whole or not at all.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificateTemplate } from './certificate-builder.ts';
import { writePkcs12 } from './pkcs12.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeySpec = { type: 'rsa'; modulusLength: number } | { type: 'ec'; namedCurve: string };

/**
 * The keys that sign at every signature: the issuing CAs (the one-shot certificate and our OCSP answer about it)
 * and the TSA (the signature timestamp). ECDSA P-256: OpenSSL signs with it in ~20 µs against ~600 µs for P-384
 * (`openssl speed ecdsap256 ecdsap384` on this machine), three times per signature (issue 11); 128-bit strength
 * like the one-shot P-256 leaves they certify, and listed for long-term use by ETSI TS 119 312 and SOG-IS.
 */
export const PER_SIGNATURE_KEY = { type: 'ec', namedCurve: 'P-256' } as const satisfies KeySpec;

/** Key generation on the libuv thread pool: RSA-3072 can take a second and must not block the loop. */
export async function generateKeys(spec: KeySpec): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return spec.type === 'rsa'
    ? generateKeyPairAsync('rsa', { modulusLength: spec.modulusLength })
    : generateKeyPairAsync('ec', { namedCurve: spec.namedCurve });
}

/** From a minute ago (clock skew) to `years` ahead, capped at `cap` (a certificate never outlives its issuer). */
export function validity(now: Date, years: number, cap?: Date): Pick<CertificateTemplate, 'notBefore' | 'notAfter'> {
  let notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  if (cap && cap < notAfter) notAfter = new Date(cap);
  return { notBefore: new Date(now.getTime() - 60_000), notAfter };
}

export function writeP12(directory: string, name: string, privateKey: KeyObject, chain: readonly Buffer[], password: string, friendlyName: string): void {
  writeDurable(join(directory, name), writePkcs12(privateKey, chain, password, { friendlyName }), 0o600);
}

/** Creates `file` (never overwrites: flag wx) and fsyncs it. */
export function writeDurable(file: string, data: string | Buffer, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Fills a private temporary sibling directory and renames it into place. rename(2) succeeds onto a missing or
 * empty directory and fails with ENOTEMPTY/EEXIST once another process has put its files there, so of two
 * processes starting at once exactly one wins and the other loads the winner's files. Nobody ever sees a
 * half-written directory. Returns false when another process won.
 */
export async function createDirectoryAtomically(directory: string, fill: (temp: string) => Promise<void>): Promise<boolean> {
  const parent = dirname(directory);
  mkdirSync(parent, { recursive: true });
  const temp = mkdtempSync(join(parent, `.${basename(directory)}.tmp-`));
  try {
    await fill(temp);
    chmodSync(temp, 0o755); // the PEM certificates are public; the .p12 files stay 0600
    fsyncPath(temp);
    try {
      renameSync(temp, directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw error;
    }
    fsyncPath(parent);
    return true;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
