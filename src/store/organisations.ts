/** Tenants (DESIGN §1). Organisations are looked up by id or by their public slug. */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../errors.ts';
import { fromJson, isPostgres, isoTimestamp, isUniqueViolation, isUuid, toCount, toIso, toJson, type Db } from './sql.ts';

export type OrganisationSettings = Record<string, unknown>;

export interface Organisation {
  id: string;
  slug: string;
  name: string;
  settings: OrganisationSettings;
  createdAt: string;
}

export interface CreateOrganisationOptions {
  slug: string;
  name: string;
  settings?: OrganisationSettings;
  now?: Date;
}

/** Lower-case letters, digits and inner hyphens, 2–64 characters: it appears in URLs and commands. */
export const ORGANISATION_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])$/;

interface OrganisationRow {
  id: string;
  slug: string;
  name: string;
  settings: unknown;
  created_at: unknown;
}

function toOrganisation(row: OrganisationRow): Organisation {
  return { id: row.id, slug: row.slug, name: row.name, settings: fromJson<OrganisationSettings>(row.settings) ?? {}, createdAt: toIso(row.created_at) };
}

export async function createOrganisation(db: Db, options: CreateOrganisationOptions): Promise<Organisation> {
  const slug = options.slug.trim();
  const name = options.name.trim();
  if (!ORGANISATION_SLUG.test(slug)) {
    throw new ValidationError(`Invalid organisation slug '${slug}': use 2–64 lower-case letters, digits and hyphens.`);
  }
  if (!name) throw new ValidationError('An organisation needs a name.');
  const organisation: Organisation = { id: randomUUID(), slug, name, settings: options.settings ?? {}, createdAt: isoTimestamp(options.now ?? new Date()) };
  // Checked first because a failed insert aborts a PostgreSQL transaction; the catch covers the race.
  if (await organisationBySlug(db, slug)) throw organisationExists(slug);
  try {
    await db('organisations').insert({ id: organisation.id, slug, name, settings: toJson(organisation.settings), created_at: organisation.createdAt });
  } catch (error) {
    if (isUniqueViolation(error)) throw organisationExists(slug);
    throw error;
  }
  return organisation;
}

function organisationExists(slug: string): ConflictError {
  return new ConflictError('organisation_exists', `An organisation with slug '${slug}' already exists.`);
}

export async function organisationBySlug(db: Db, slug: string): Promise<Organisation | null> {
  const row = await db<OrganisationRow>('organisations').where({ slug }).first();
  return row ? toOrganisation(row) : null;
}

/**
 * One organisation by id. `forUpdate` locks its row until the transaction ends (PostgreSQL;
 * SQLite's `BEGIN IMMEDIATE` already serialises writers), for read-modify-write of its settings.
 */
export async function organisationById(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<Organisation | null> {
  if (!isUuid(id)) return null;
  const query = db<OrganisationRow>('organisations').where({ id }).first();
  if (options.forUpdate && isPostgres(db)) query.forUpdate();
  const row = await query;
  return row ? toOrganisation(row) : null;
}

export async function countOrganisations(db: Db): Promise<number> {
  return toCount(await db('organisations').count({ count: '*' }).first());
}

/** Changes the name and/or replaces the settings object of one organisation. */
export async function updateOrganisation(db: Db, id: string, changes: { name?: string; settings?: OrganisationSettings }): Promise<void> {
  const update: Record<string, unknown> = {};
  if (changes.name !== undefined) {
    const name = changes.name.trim();
    if (!name) throw new ValidationError('An organisation needs a name.');
    update.name = name;
  }
  if (changes.settings !== undefined) update.settings = toJson(changes.settings);
  if (Object.keys(update).length > 0) await db('organisations').where({ id }).update(update);
}

/** The organisation's logo as a mail shows it (issue 12): a PNG only, since most mail clients do not draw SVG. */
export interface MailLogo {
  sha256: string;
  contentType: 'image/png';
}

/** The PNG logo in an organisation's settings, for the top of its mails; null when there is none or it is an SVG. */
export function mailLogoOf(settings: Record<string, unknown> | null | undefined): MailLogo | null {
  const logo = settings?.logo as { sha256?: unknown; contentType?: unknown } | undefined;
  return typeof logo?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(logo.sha256) && logo.contentType === 'image/png' ? { sha256: logo.sha256, contentType: 'image/png' } : null;
}
