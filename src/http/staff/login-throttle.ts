/**
 * Failed staff logins per client IP and account (organisation and user), issue 10, counted in the
 * deployment's rate-limit store (RATE_LIMIT_STORE: memory, or PostgreSQL or Redis shared by every
 * instance, issue 11 — else a client spreading its guesses over the instances would get a free budget
 * on each). The account's own back-off (src/store/users.ts) is short and capped, so that nobody can keep
 * a real user out for long; this is what stops one client from re-closing it again and again: after
 * FREE_FAILURES wrong passwords from one IP for one account, that IP — and only that IP — waits
 * FIRST_WAIT_MS for that account, doubling with each further failure, at most MAX_WAIT_MS. Attempts while
 * it waits are refused unchecked and do not count anywhere. The right password resets the pair.
 */
import type { LoginFailures, RateLimitStore } from '../../store/rate-limit-store.ts';

export const FREE_FAILURES = 5;
export const FIRST_WAIT_MS = 60_000;
export const MAX_WAIT_MS = 60 * 60_000;

export interface LoginThrottle {
  /** Until when (epoch ms) this IP must wait before trying this account again; 0 when it need not. */
  waitUntil(ip: string, organisationId: string, userId: string): Promise<number>;
  /** Counts a wrong password; returns until when the IP now waits for this account (0: it need not). */
  failed(ip: string, organisationId: string, userId: string): Promise<number>;
  succeeded(ip: string, organisationId: string, userId: string): Promise<void>;
}

/**
 * The wait follows from the count and the last failure alone, so the store keeps only those two:
 * until = last failure + FIRST_WAIT_MS × 2^(failures − FREE_FAILURES), capped.
 */
function waitEnd(entry: LoginFailures | null): number {
  if (!entry || entry.failures < FREE_FAILURES) return 0;
  return entry.lastMs + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(entry.failures - FREE_FAILURES, 30));
}

export function createLoginThrottle(options: { clock: () => Date; store: RateLimitStore }): LoginThrottle {
  const { store } = options;
  // Ids are UUIDs and an IP has no '|': the key is unambiguous, and fits a text column and a Redis key alike.
  const keyOf = (ip: string, organisationId: string, userId: string) => `${ip}|${organisationId}|${userId}`;
  const now = () => options.clock().getTime();
  const pending = (until: number) => (until > now() ? until : 0);
  return {
    async waitUntil(ip, organisationId, userId) {
      return pending(waitEnd(await store.loginFailures(keyOf(ip, organisationId, userId))));
    },
    async failed(ip, organisationId, userId) {
      // A pair quiet for longer than the longest wait starts over.
      return pending(waitEnd(await store.recordLoginFailure(keyOf(ip, organisationId, userId), now(), MAX_WAIT_MS)));
    },
    async succeeded(ip, organisationId, userId) {
      await store.clearLoginFailures(keyOf(ip, organisationId, userId));
    },
  };
}
