/**
 * An envelope's audit events in the two forms that leave the service for independent checking.
 *
 * CSV (RFC 4180): one row per event, the columns of DESIGN §6
 * with exactly the values that are hashed (`details` as canonical JSON), then `hash`. UTF-8
 * with a byte order mark so Excel reads accents right; CRLF line ends; null is an empty field.
 *
 * A field a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR:
 * an actor label, a user agent) gets a single quote in front (OWASP, CSV injection), and so does
 * a field that already starts with a quote, which keeps the rule reversible: to recompute a hash,
 * drop one leading `'` from every field that has one. The hash itself is over the stored value.
 */
import type { AuditEventRecord } from '../store/audit-event-repository.ts';
import { canonicalJson, GENESIS_HASH, hashedFields } from './chain.ts';

export const AUDIT_CSV_COLUMNS = [
  'id',
  'organisation_id',
  'envelope_id',
  'seq',
  'occurred_at',
  'actor_kind',
  'actor_id',
  'actor_label',
  'action',
  'ip',
  'user_agent',
  'details',
  'document_sha256',
  'prev_hash',
  'hash',
] as const;

/** RFC 4180 §2: a field with a quote, comma or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return canonicalJson(value);
  return String(value);
}

/** Cells a spreadsheet would evaluate, and cells that start with the quote that marks the others. */
const FORMULA_START = /^[=+\-@\t\r']/;

function neutralised(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function auditEventsCsv(events: readonly AuditEventRecord[]): string {
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  for (const event of events) {
    const fields: Record<string, unknown> = { ...hashedFields(event), hash: event.hash };
    lines.push(AUDIT_CSV_COLUMNS.map((column) => csvField(neutralised(cell(fields[column])))).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/**
 * `audit-events.json` of the evidence bundle: every event as the exact fields that are hashed,
 * under their column names, with its hash; one event per line, and each `event` object already
 * written as canonical JSON, so `SHA-256(prev_hash || that text)` can be checked by hand.
 * (The API's JSON shape leaves out per-event ids, so a chain cannot be recomputed from it.)
 */
export function auditEventsJson(envelope: { id: string; organisationId: string }, events: readonly AuditEventRecord[]): string {
  const head = {
    format: 'paraaf.audit-events/1',
    envelope_id: envelope.id,
    organisation_id: envelope.organisationId,
    rule: 'hash = SHA-256(prev_hash || canonical JSON of event); canonical JSON = keys sorted at every level, no whitespace, UTF-8',
    genesis_hash: GENESIS_HASH,
    final_hash: events.at(-1)?.hash ?? GENESIS_HASH,
  };
  const lines = events.map((event) => `{"event":${canonicalJson(hashedFields(event))},"hash":${JSON.stringify(event.hash)}}`);
  return `${JSON.stringify(head).slice(0, -1)},"events":[\n${lines.join(',\n')}\n]}\n`;
}
