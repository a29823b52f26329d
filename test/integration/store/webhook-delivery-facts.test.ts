/**
 * Migration 0019 (issue 10): webhook deliveries keep the HTTP status and the duration, never the
 * receiver's answer; the response excerpts older versions wrote into `last_error` are cut back.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { down, up } from '../../../src/store/migrations/20261206_0019_webhook_delivery_facts.ts';
import { freshDbPerTest } from './fresh-db.ts';

describe('store: migration 0019 webhook delivery facts', function () {
  this.timeout(120_000);
  const fresh = freshDbPerTest();

  it('cuts the response bodies out of stored errors and keeps their status; mail errors stay as they were', async () => {
    const db = fresh.db;
    const organisationId = randomUUID();
    await db('organisations').insert({ id: organisationId, slug: `o-${organisationId.slice(0, 8)}`, name: 'Gemeente' });
    const webhookId = randomUUID();
    await db('webhooks').insert({ id: webhookId, organisation_id: organisationId, url: 'https://hooks.example/p', secret: 's', events: '[]' });
    // As an older version left them: before 0019 there was no place for status or duration.
    await down(db);
    const rows = [
      { kind: 'webhook', last_error: 'HTTP 500: {"error":"db password is hunter2"}' },
      { kind: 'webhook', last_error: 'HTTP 302' },
      { kind: 'webhook', last_error: 'no answer within 10000 ms' },
      { kind: 'mail', last_error: 'HTTP 500: not a webhook' },
    ].map((row) => ({ id: randomUUID(), organisation_id: organisationId, payload: '{}', webhook_id: row.kind === 'webhook' ? webhookId : null, ...row }));
    await db('outbox').insert(rows);

    await up(db);
    const after = new Map((await db('outbox').select('id', 'last_error', 'response_status', 'duration_ms')).map((row) => [row.id as string, row]));
    expect(after.get(rows[0]!.id)).to.deep.include({ last_error: 'HTTP 500', response_status: 500, duration_ms: null });
    expect(after.get(rows[1]!.id)).to.deep.include({ last_error: 'HTTP 302', response_status: 302 });
    expect(after.get(rows[2]!.id)).to.deep.include({ last_error: 'no answer within 10000 ms', response_status: null });
    expect(after.get(rows[3]!.id)).to.deep.include({ last_error: 'HTTP 500: not a webhook' });
  });
});
