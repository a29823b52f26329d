/**
 * Password hashing with node's scrypt (no native add-on to build), stored self-describing as
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url) so the cost can be raised later without
 * invalidating existing hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));

/** N = 2^15, r = 8, p = 1: 32 MiB and some 50–100 ms per hash. */
const DEFAULT_COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** Refuse parameters that would make one verification a denial of service (a tampered row). */
const MAX_MEMORY = 256 * 1024 * 1024;

function maxmem(N: number, r: number): number {
  return 128 * N * r + 1024 * 1024;
}

export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: maxmem(cost.N, cost.r) });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || 128 * N * r * p > MAX_MEMORY) return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length < 16) return false;
  const actual = await scrypt(password, salt, expected.length, { N, r, p, maxmem: maxmem(N, r) });
  return timingSafeEqual(actual, expected);
}

/** A password to hand out once: 18 random bytes, 24 characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
