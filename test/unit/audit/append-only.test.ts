/**
 * The audit trail is append-only (DESIGN §6): no code under src/ updates, deletes or truncates
 * `audit_events`, nor its anchors (`audit_anchors`, `audit_anchor_heads`), neither through knex nor
 * in raw SQL. The database triggers of migrations 0010 and 0016 back this up
 * (test/integration/audit-trail/append-only.test.ts, anchors.test.ts).
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.join(import.meta.dirname, '../../../src');

/** Every statement that names the audit table (up to its `;`) and goes on to change or remove rows. */
export function auditWrites(source: string): string[] {
  const found: string[] = [];
  const knexCall = /['"`]audit_(events|anchors|anchor_heads)['"`]/g;
  for (let match = knexCall.exec(source); match; match = knexCall.exec(source)) {
    const end = source.indexOf(';', match.index);
    const statement = source.slice(match.index, end === -1 ? undefined : end);
    if (/\.\s*(update|delete|del|truncate|upsert|onConflict)\s*\(/.test(statement)) found.push(statement.trim());
  }
  const rawSql = /\b(update\s+(only\s+)?|delete\s+from\s+(only\s+)?|truncate\s+(table\s+)?(only\s+)?|replace\s+into\s+|insert\s+or\s+replace\s+into\s+)["`]?audit_(events|anchors|anchor_heads)\b/gi;
  for (const match of source.matchAll(rawSql)) found.push(match[0]);
  return found;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('audit: append-only in the code', () => {
  it('finds the writes it looks for (the scan is not vacuous)', () => {
    expect(auditWrites(`await db('audit_events').where({ id }).update({ details: '{}' });`)).to.have.length(1);
    expect(auditWrites(`await trx<AuditEventRow>("audit_events")\n  .where({ chain })\n  .del();`)).to.have.length(1);
    expect(auditWrites('await db(`audit_events`).truncate();')).to.have.length(1);
    expect(auditWrites(`await db.raw('DELETE FROM audit_events WHERE seq > ?', [3]);`)).to.have.length(1);
    expect(auditWrites(`await db.raw('update audit_events set hash = ?', [h]);`)).to.have.length(1);
    expect(auditWrites(`await db('audit_anchor_heads').where({ anchor_seq: 3 }).del();`)).to.have.length(1);
    expect(auditWrites(`await db.raw('UPDATE audit_anchors SET digest = ?', [d]);`)).to.have.length(1);
    expect(auditWrites(`await db('audit_events').insert(row); await db('envelopes').update({ status });`)).to.have.length(0);
    expect(auditWrites(`CREATE TRIGGER t BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW`)).to.have.length(0);
  });

  it('no module under src/ updates, deletes or truncates audit rows', () => {
    const files = sourceFiles(SRC);
    expect(files.length).to.be.greaterThan(50);
    const offenders = files.flatMap((file) => auditWrites(readFileSync(file, 'utf8')).map((statement) => `${path.relative(SRC, file)}: ${statement.split('\n')[0]}`));
    expect(offenders, offenders.join('\n')).to.deep.equal([]);
  });
});
