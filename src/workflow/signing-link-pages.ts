/**
 * Reads the signer pages need besides the use cases (issue 10: routes translate HTTP only): what a
 * token names, to explain a link that no longer works, and the organisation whose name and logo
 * head the pages. Nothing here changes state or appends an audit event.
 */
import type { Knex } from 'knex';
import { envelopeById } from '../store/envelope-repository.ts';
import { organisationById, type Organisation } from '../store/organisations.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { signingLinkByTokenHash, type SigningLink } from '../store/signing-link-repository.ts';
import { tokenHash } from './notifications.ts';

/** What a token names, whether or not the link still works; null for an unknown token. */
export interface SigningLinkLookup {
  organisationName: string | null;
  /** The organisation has a logo: even a page saying the link no longer works shows it (issue 12). */
  organisationLogo: boolean;
  envelopeStatus: string;
  revoked: boolean;
  expired: boolean;
  role: string;
  language: string | null;
}

async function linkByToken(db: Knex, token: string): Promise<(SigningLink & { organisationId: string; envelopeId: string }) | null> {
  if (token.length < 16 || token.length > 128) return null;
  return signingLinkByTokenHash(db, tokenHash(token));
}

/** The organisation has a logo stored by the settings page (`settings.logo.sha256`): the pages show `/s/<token>/logo`. */
export function organisationHasLogo(organisation: { settings: Record<string, unknown> } | null | undefined): boolean {
  const logo = organisation?.settings.logo as { sha256?: unknown } | undefined;
  return typeof logo?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(logo.sha256);
}

export async function lookUpSigningLink(deps: { db: Knex; clock: () => Date }, token: string): Promise<SigningLinkLookup | null> {
  const link = await linkByToken(deps.db, token);
  if (!link) return null;
  const [organisation, envelope, recipients] = await Promise.all([
    organisationById(deps.db, link.organisationId),
    envelopeById(deps.db, link.organisationId, link.envelopeId),
    recipientsOf(deps.db, link.organisationId, link.envelopeId),
  ]);
  const recipient = recipients.find((r) => r.id === link.recipientId);
  if (!envelope || !recipient) return null;
  const expired = new Date(link.expiresAt).getTime() <= deps.clock().getTime();
  return { organisationName: organisation?.name ?? null, organisationLogo: organisationHasLogo(organisation), envelopeStatus: envelope.status, revoked: link.revokedAt !== null, expired, role: recipient.role, language: recipient.language };
}

/** The organisation heading the pages of an envelope. */
export async function pageOrganisation(deps: { db: Knex }, organisationId: string): Promise<Organisation | null> {
  return organisationById(deps.db, organisationId);
}

/** The organisation a token's link belongs to (valid or not), for its logo; null for an unknown token. */
export async function organisationOfLink(deps: { db: Knex }, token: string): Promise<Organisation | null> {
  const link = await linkByToken(deps.db, token);
  return link ? organisationById(deps.db, link.organisationId) : null;
}
