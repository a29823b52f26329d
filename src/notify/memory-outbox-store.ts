/**
 * An OutboxStore in memory, for tests only: it keeps the rows a real store would, leases
 * included, so the worker is tested against the same contract as the knex store.
 */
import { randomUUID } from 'node:crypto';
import { mailRecipientKey, type OutboxItem, type OutboxStore } from './outbox.ts';

export interface MemoryOutboxRow extends OutboxItem {
  status: 'pending' | 'sent' | 'dead';
  nextAttemptAt: Date;
  leasedUntil: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  info: Record<string, unknown> | null;
  createdAt: Date;
  deliveryId: string | null;
  deliveryState: 'sending' | 'uncertain' | null;
  recipientKey: string | null;
}

export type EnqueueInput = Pick<OutboxItem, 'organisationId' | 'kind' | 'payload'> &
  Partial<Pick<OutboxItem, 'id' | 'webhookId' | 'event'>>;

export interface MemoryOutboxStore extends OutboxStore {
  enqueue(input: EnqueueInput, at: Date): OutboxItem;
  get(id: string): MemoryOutboxRow | undefined;
  list(): MemoryOutboxRow[];
}

const toItem = (row: MemoryOutboxRow): OutboxItem => ({
  id: row.id,
  organisationId: row.organisationId,
  kind: row.kind,
  // A copy, as a database round trip would give.
  payload: structuredClone(row.payload),
  attempts: row.attempts,
  webhookId: row.webhookId ?? null,
  event: row.event ?? null,
  createdAt: row.createdAt,
});

export function createMemoryOutboxStore(options: { leaseMs?: number } = {}): MemoryOutboxStore {
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const rows = new Map<string, MemoryOutboxRow>();

  function row(id: string): MemoryOutboxRow {
    const found = rows.get(id);
    if (!found) throw new Error(`no outbox item ${id}`);
    return found;
  }

  return {
    enqueue(input, at) {
      const created: MemoryOutboxRow = {
        id: input.id ?? randomUUID(),
        organisationId: input.organisationId,
        kind: input.kind,
        payload: structuredClone(input.payload),
        attempts: 0,
        webhookId: input.webhookId ?? null,
        event: input.event ?? null,
        status: 'pending',
        nextAttemptAt: at,
        leasedUntil: null,
        lastError: null,
        sentAt: null,
        info: null,
        createdAt: at,
        deliveryId: null,
        deliveryState: null,
        recipientKey: input.kind === 'mail' ? mailRecipientKey(input.payload) : null,
      };
      rows.set(created.id, created);
      return toItem(created);
    },

    get(id) {
      const found = rows.get(id);
      return found && structuredClone(found);
    },

    list() {
      return [...rows.values()].map((found) => structuredClone(found));
    },

    async claimDue(now, limit) {
      for (const r of rows.values()) {
        if (r.status === 'pending' && r.deliveryState === 'sending' && r.leasedUntil && r.leasedUntil <= now) {
          Object.assign(r, { status: 'dead', deliveryState: 'uncertain', leasedUntil: null, lastError: 'uncertain: the worker stopped while handing this mail to the mail server' });
        }
      }
      const waitsForEarlier = (r: MemoryOutboxRow) =>
        r.recipientKey !== null &&
        [...rows.values()].some((e) => e.recipientKey === r.recipientKey && e.status === 'pending' && e.createdAt < r.createdAt);
      const due = [...rows.values()]
        .filter((r) => r.status === 'pending' && r.nextAttemptAt <= now && (!r.leasedUntil || r.leasedUntil <= now) && !waitsForEarlier(r))
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
        .slice(0, limit);
      for (const r of due) r.leasedUntil = new Date(now.getTime() + leaseMs);
      return due.map(toItem);
    },

    async markSending(id, deliveryId, at) {
      const r = row(id);
      if (r.status !== 'pending' || r.deliveryState !== null) return false;
      Object.assign(r, { deliveryState: 'sending', deliveryId, sentAt: null });
      void at;
      return true;
    },

    async makeFailedMailsDue(now, exceptIds = []) {
      let count = 0;
      for (const r of rows.values()) {
        if (!exceptIds.includes(r.id) && r.kind === 'mail' && r.status === 'pending' && r.deliveryState === null && r.attempts > 0 && r.lastError !== null && !r.leasedUntil && r.nextAttemptAt > now) {
          r.nextAttemptAt = now;
          count += 1;
        }
      }
      return count;
    },

    async markSent(id, at, info, keptPayload) {
      const r = row(id);
      if (r.status !== 'pending' && r.deliveryState !== 'uncertain') throw new Error(`outbox item ${id} is already ${r.status}`);
      Object.assign(r, { status: 'sent', attempts: r.attempts + 1, sentAt: at, info: info ?? null, leasedUntil: null, deliveryState: null, lastError: null });
      if (keptPayload !== undefined) r.payload = structuredClone(keptPayload);
    },

    async markUncertain(id, error) {
      const r = row(id);
      if (r.status !== 'pending') throw new Error(`outbox item ${id} is already ${r.status}`);
      Object.assign(r, { status: 'dead', deliveryState: 'uncertain', attempts: r.attempts + 1, lastError: `uncertain: ${error}`, leasedUntil: null });
    },

    async markFailed(id, error, nextAttemptAt, info) {
      const r = row(id);
      if (r.status !== 'pending') throw new Error(`outbox item ${id} is already ${r.status}`);
      r.attempts += 1;
      r.lastError = error;
      r.info = info ?? null;
      r.leasedUntil = null;
      r.deliveryState = null;
      if (nextAttemptAt) r.nextAttemptAt = nextAttemptAt;
      else r.status = 'dead';
    },
  };
}
