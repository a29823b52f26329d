/**
 * Failed staff logins per client IP and account (organisation and user), in memory per instance
 * (issue 10). The account's own back-off (src/store/users.ts) is short and capped, so that nobody
 * can keep a real user out for long; this is what stops one client from re-closing it again and
 * again: after FREE_FAILURES wrong passwords from one IP for one account, that IP — and only that
 * IP — waits FIRST_WAIT_MS for that account, doubling with each further failure, at most
 * MAX_WAIT_MS. Attempts while it waits are refused unchecked and do not count anywhere. The
 * right password resets the pair.
 */
export const FREE_FAILURES = 5;
export const FIRST_WAIT_MS = 60_000;
export const MAX_WAIT_MS = 60 * 60_000;
/** Pairs remembered at most; beyond it the least recently failed go first. */
const MAX_ENTRIES = 50_000;

interface Entry {
  failures: number;
  until: number;
  last: number;
}

export interface LoginThrottle {
  /** Until when (epoch ms) this IP must wait before trying this account again; 0 when it need not. */
  waitUntil(ip: string, organisationId: string, userId: string): number;
  failed(ip: string, organisationId: string, userId: string): void;
  succeeded(ip: string, organisationId: string, userId: string): void;
}

export function createLoginThrottle(options: { clock: () => Date }): LoginThrottle {
  const entries = new Map<string, Entry>();
  const keyOf = (ip: string, organisationId: string, userId: string) => `${ip}\u0000${organisationId}\u0000${userId}`;
  const now = () => options.clock().getTime();
  return {
    waitUntil(ip, organisationId, userId) {
      const entry = entries.get(keyOf(ip, organisationId, userId));
      return entry && entry.until > now() ? entry.until : 0;
    },
    failed(ip, organisationId, userId) {
      const key = keyOf(ip, organisationId, userId);
      const at = now();
      const entry = entries.get(key) ?? { failures: 0, until: 0, last: at };
      // A pair quiet for longer than the longest wait starts over.
      if (at - entry.last > MAX_WAIT_MS) entry.failures = 0;
      entry.failures += 1;
      entry.last = at;
      if (entry.failures >= FREE_FAILURES) entry.until = at + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(entry.failures - FREE_FAILURES, 30));
      entries.delete(key);
      entries.set(key, entry);
      while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    },
    succeeded(ip, organisationId, userId) {
      entries.delete(keyOf(ip, organisationId, userId));
    },
  };
}
