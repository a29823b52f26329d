/**
 * The staff dashboard (issue 5): an organisation's envelopes with filters — status, creation
 * date range (calendar days in Europe/Brussels), title search, signer name or e-mail — newest
 * first, a page at a time with a keyset cursor. Each item says who it waits for.
 */
import { isEnvelopeStatus, type EnvelopeStatus } from '../domain/envelope-state.ts';
import { computeRouting } from '../domain/routing.ts';
import { ValidationError } from '../errors.ts';
import { envelopeRouteNames, searchEnvelopeRows } from '../store/envelope-search.ts';
import { isUuid } from '../store/sql.ts';
import type { WorkflowDeps } from './deps.ts';
import { toEnvelopeDtos, type EnvelopeDto, type RecipientDto } from './envelope-dto.ts';

export interface SearchEnvelopesOptions {
  organisationId: string;
  statuses?: readonly string[];
  title?: string;
  signer?: string;
  /** The signing route (decision body) it was sent with, exactly as stored. */
  body?: string;
  /** Only the items of this meeting (issue 12). */
  meeting?: string;
  /** Calendar days `YYYY-MM-DD`, inclusive, in Europe/Brussels. */
  from?: string;
  to?: string;
  /** 1–100, default 25. */
  limit?: number;
  cursor?: string;
}

export interface DashboardItem {
  envelope: EnvelopeDto;
  /** The recipients whose turn it is (empty unless the envelope is open). */
  waitingFor: RecipientDto[];
}

export interface DashboardPage {
  items: DashboardItem[];
  nextCursor: string | null;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a Brussels calendar day starts (CET or CEST). */
export function brusselsDayStart(day: string): Date {
  const match = DAY.exec(day);
  if (!match) throw new ValidationError(`'${day}' is not a date (YYYY-MM-DD).`);
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utcMidnight = Date.UTC(year, month - 1, date);
  const check = new Date(utcMidnight);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) throw new ValidationError(`'${day}' is not a date (YYYY-MM-DD).`);
  // Brussels is UTC+1 or UTC+2; find the offset in force at that local midnight.
  for (const offsetHours of [1, 2]) {
    const candidate = new Date(utcMidnight - offsetHours * 3_600_000);
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Brussels', hourCycle: 'h23', hour: '2-digit', day: '2-digit' }).formatToParts(candidate);
    const hour = Number(parts.find((p) => p.type === 'hour')?.value);
    const dayOfMonth = Number(parts.find((p) => p.type === 'day')?.value);
    if (hour === 0 && dayOfMonth === date) return candidate;
  }
  return new Date(utcMidnight - 3_600_000);
}

function nextDay(day: string): string {
  brusselsDayStart(day);
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown };
    if (typeof value.c === 'string' && typeof value.i === 'string' && !Number.isNaN(Date.parse(value.c))) return { createdAt: value.c, id: value.i };
  } catch {
    // falls through to the error below
  }
  throw new ValidationError('Invalid cursor.');
}

export async function searchEnvelopes(deps: Pick<WorkflowDeps, 'db'>, options: SearchEnvelopesOptions): Promise<DashboardPage> {
  const limit = options.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('limit must be a whole number from 1 to 100.');
  const statuses: EnvelopeStatus[] = [];
  for (const status of options.statuses ?? []) {
    if (!isEnvelopeStatus(status)) throw new ValidationError(`Unknown status '${status}'.`);
    statuses.push(status);
  }
  if (options.meeting && !isUuid(options.meeting)) throw new ValidationError('meeting must be the id of a meeting.');
  const rows = await searchEnvelopeRows(deps.db, options.organisationId, {
    statuses,
    title: options.title?.trim() || undefined,
    signer: options.signer?.trim() || undefined,
    routeName: options.body?.trim() || undefined,
    meetingId: options.meeting || undefined,
    createdFrom: options.from ? brusselsDayStart(options.from).toISOString() : undefined,
    createdBefore: options.to ? brusselsDayStart(nextDay(options.to)).toISOString() : undefined,
    limit: limit + 1,
    before: options.cursor ? decodeCursor(options.cursor) : undefined,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify({ c: last.createdAt, i: last.id })).toString('base64url') : null;
  const dtos = await toEnvelopeDtos(deps.db, options.organisationId, page);
  return {
    items: dtos.map((envelope) => ({
      envelope,
      waitingFor: envelope.status === 'sent' || envelope.status === 'in_progress' ? computeRouting(envelope.recipients).active : [],
    })),
    nextCursor,
  };
}

/** The decision bodies (signing route names) an organisation's envelopes were sent with: the options of the dashboard's body filter. */
export async function listEnvelopeBodies(deps: Pick<WorkflowDeps, 'db'>, organisationId: string): Promise<string[]> {
  return envelopeRouteNames(deps.db, organisationId);
}
