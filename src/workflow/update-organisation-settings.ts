/**
 * An admin changes the organisation's settings (issue 10): its name and/or some keys of
 * `organisations.settings` (default expiry, mailed code, logo, …). One transaction: the row is
 * read locked, only the given keys are merged into what is stored now (so concurrent changes of
 * other keys survive), and the change is recorded as `organisation.updated` in the
 * organisation's chain.
 */
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditEvent } from '../audit/events.ts';
import { DEFAULT_LANGUAGE, isLanguage, normaliseEmail, type Language } from '../domain/person.ts';
import { AppError } from '../errors.ts';
import { organisationById, updateOrganisation, type Organisation, type OrganisationSettings } from '../store/organisations.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface UpdateOrganisationSettingsOptions extends StaffRequest {
  name?: string;
  /** The keys to change; `null` removes a key. Keys not named here stay as they are stored. */
  settings?: Record<string, unknown>;
}

export function organisationNotFound(): AppError {
  return new AppError('not_found', 404, 'Not found in this organisation.');
}

/**
 * Reads the organisation locked in `trx`, applies `change` to what is stored now, writes the
 * result and appends `event(organisation, result)` to the organisation's chain.
 */
export async function changeOrganisation<T>(
  deps: Pick<WorkflowDeps, 'clock'>,
  trx: Knex.Transaction,
  request: StaffRequest,
  change: (organisation: Organisation) => { name?: string; settings?: Record<string, unknown>; event: AuditEvent; result: T },
): Promise<T> {
  const organisation = await organisationById(trx, request.organisationId, { forUpdate: true });
  if (!organisation) throw organisationNotFound();
  const { name, settings, event, result } = change(organisation);
  await updateOrganisation(trx, organisation.id, { name, settings: settings === undefined ? undefined : mergeSettings(organisation.settings, settings) });
  await appendAuditEvent(trx, { organisationId: organisation.id, envelopeId: null, event, actor: request.actor, origin: request.origin, occurredAt: deps.clock() });
  return result;
}

/** `stored` with the keys of `changes` replaced, and those set to null removed. */
export function mergeSettings(stored: OrganisationSettings, changes: Record<string, unknown>): OrganisationSettings {
  const merged: OrganisationSettings = { ...stored };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** At most this many notification addresses (issue 12). */
export const MAX_NOTICE_EMAILS = 5;

export type NoticeEmailsCheck = { ok: true; emails: string[] } | { ok: false; reason: 'invalid'; value: string } | { ok: false; reason: 'tooMany'; count: number };

/**
 * The organisation's notification addresses (issue 12) as typed: one per line, or separated by commas,
 * semicolons or spaces; each a valid e-mail address, duplicates once, at most MAX_NOTICE_EMAILS.
 */
export function checkNoticeEmails(input: string | readonly string[]): NoticeEmailsCheck {
  const parts = (typeof input === 'string' ? input.split(/[\s,;]+/) : input).map((p) => p.trim()).filter(Boolean);
  const emails: string[] = [];
  for (const part of parts) {
    const email = normaliseEmail(part);
    if (!email) return { ok: false, reason: 'invalid', value: part.slice(0, 200) };
    if (!emails.includes(email)) emails.push(email);
  }
  return emails.length > MAX_NOTICE_EMAILS ? { ok: false, reason: 'tooMany', count: emails.length } : { ok: true, emails };
}

/** Where the notices of an envelope sent through the API go by mail (issue 12): `settings.noticeEmails`. */
export function noticeEmailsOf(organisation: Pick<Organisation, 'settings'>): string[] {
  const stored = organisation.settings.noticeEmails;
  if (!Array.isArray(stored)) return [];
  const checked = checkNoticeEmails(stored.filter((e): e is string => typeof e === 'string'));
  return checked.ok ? checked.emails : [];
}

/** The organisation's default language (`settings.defaultLanguage`), Dutch unless an admin chose another. */
export function organisationLanguageOf(organisation: Pick<Organisation, 'settings'>): Language {
  const stored = organisation.settings.defaultLanguage;
  return typeof stored === 'string' && isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
}

/** Refuses settings the notices could not use: a bad or sixth address, an unknown language. */
function checkSettings(settings: Record<string, unknown>): void {
  if (settings.noticeEmails !== undefined && settings.noticeEmails !== null) {
    const value = settings.noticeEmails;
    const checked = Array.isArray(value) && value.every((e) => typeof e === 'string') ? checkNoticeEmails(value as string[]) : null;
    if (!checked || !checked.ok) {
      const why = !checked ? 'a list of e-mail addresses' : checked.reason === 'invalid' ? `valid e-mail addresses ('${checked.value}' is not one)` : `at most ${MAX_NOTICE_EMAILS} addresses`;
      throw new AppError('invalid_notice_emails', 422, `The notification addresses must be ${why}.`);
    }
    settings.noticeEmails = checked.emails;
  }
  const language = settings.defaultLanguage;
  if (language !== undefined && language !== null && !(typeof language === 'string' && isLanguage(language))) {
    throw new AppError('invalid_language', 422, 'The default language must be nl, en or fr.');
  }
}

export async function updateOrganisationSettings(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: UpdateOrganisationSettingsOptions): Promise<Organisation> {
  const settings = { ...(options.settings ?? {}) };
  checkSettings(settings);
  const fields = [...(options.name === undefined ? [] : ['name']), ...Object.keys(settings)];
  const values = { ...(options.name === undefined ? {} : { name: options.name.trim() }), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v ?? null])) };
  return inTransaction(deps, 'updateOrganisationSettings', async (trx) => {
    await changeOrganisation(deps, trx, options, () => ({ name: options.name, settings, event: { action: 'organisation.updated', details: { fields, values } }, result: undefined }));
    return (await organisationById(trx, options.organisationId))!;
  });
}
