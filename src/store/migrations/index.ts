/**
 * Every migration, in order, imported statically: the migrator never scans a folder,
 * so it works the same under tsx, a build, and on any file extension.
 * Add a migration by creating `YYYYMMDD_NNNN_name.ts` and listing it here.
 */
import type { Knex } from 'knex';
import * as organisations from './20251128_0001_organisations.ts';
import * as organisationSettings from './20261128_0002_organisation_settings.ts';
import * as accounts from './20261128_0003_accounts.ts';
import * as envelopes from './20261128_0004_envelopes.ts';
import * as auditEvents from './20261128_0005_audit_events.ts';
import * as delivery from './20261128_0006_delivery.ts';
import * as idempotencyKeys from './20261128_0007_idempotency_keys.ts';
import * as recipientPosition from './20261128_0008_recipient_position.ts';
import * as webhookDescription from './20261128_0009_webhook_description.ts';
import * as auditAppendOnly from './20261128_0010_audit_append_only.ts';
import * as signingCodes from './20261128_0011_signing_codes.ts';
import * as sessions from './20261128_0012_sessions.ts';
import * as envelopeRouteName from './20261128_0013_envelope_route_name.ts';
import * as revokedCertificates from './20261206_0014_revoked_certificates.ts';
import * as archiveTimestamps from './20261206_0015_archive_timestamps.ts';
import * as auditAnchors from './20261206_0016_audit_anchors.ts';
import * as webhookDeliveryFacts from './20261206_0019_webhook_delivery_facts.ts';
import * as mustChangePassword from './20261206_0018_must_change_password.ts';
import * as mailDeliveryOnce from './20261206_0021_mail_delivery_once.ts';
import * as qualifiedSigning from './20261206_0022_qualified_signing.ts';
import * as blobs from './20261206_0023_blobs.ts';
import * as rateLimits from './20261206_0024_rate_limits.ts';
import * as meetings from './20261206_0025_meetings.ts';
import * as closingTheLoop from './20261206_0026_closing_the_loop.ts';
import * as documentReads from './20261206_0027_document_reads.ts';
import * as mandates from './20261206_0028_mandates.ts';
import * as onBehalfOf from './20261206_0029_on_behalf_of.ts';
import * as userLanguage from './20261206_0030_user_language.ts';
import * as unloggedRateLimits from './20261206_0031_unlogged_rate_limits.ts';
import * as recipientEmailIndex from './20261206_0032_recipient_email_index.ts';
import * as recipientMailContext from './20261206_0033_recipient_mail_context.ts';
import * as blobChunksLz4 from './20261207_0034_blob_chunks_lz4.ts';
import * as blobBases from './20261207_0035_blob_bases.ts';

export interface NamedMigration {
  name: string;
  migration: Knex.Migration;
}

export const migrations: readonly NamedMigration[] = [
  { name: '20251128_0001_organisations', migration: organisations },
  { name: '20261128_0002_organisation_settings', migration: organisationSettings },
  { name: '20261128_0003_accounts', migration: accounts },
  { name: '20261128_0004_envelopes', migration: envelopes },
  { name: '20261128_0005_audit_events', migration: auditEvents },
  { name: '20261128_0006_delivery', migration: delivery },
  { name: '20261128_0007_idempotency_keys', migration: idempotencyKeys },
  { name: '20261128_0008_recipient_position', migration: recipientPosition },
  { name: '20261128_0009_webhook_description', migration: webhookDescription },
  { name: '20261128_0010_audit_append_only', migration: auditAppendOnly },
  { name: '20261128_0011_signing_codes', migration: signingCodes },
  { name: '20261128_0012_sessions', migration: sessions },
  { name: '20261128_0013_envelope_route_name', migration: envelopeRouteName },
  { name: '20261206_0014_revoked_certificates', migration: revokedCertificates },
  { name: '20261206_0015_archive_timestamps', migration: archiveTimestamps },
  { name: '20261206_0016_audit_anchors', migration: auditAnchors },
  { name: '20261206_0018_must_change_password', migration: mustChangePassword },
  { name: '20261206_0019_webhook_delivery_facts', migration: webhookDeliveryFacts },
  { name: '20261206_0021_mail_delivery_once', migration: mailDeliveryOnce },
  { name: '20261206_0022_qualified_signing', migration: qualifiedSigning },
  { name: '20261206_0023_blobs', migration: blobs },
  { name: '20261206_0024_rate_limits', migration: rateLimits },
  { name: '20261206_0025_meetings', migration: meetings },
  { name: '20261206_0026_closing_the_loop', migration: closingTheLoop },
  { name: '20261206_0027_document_reads', migration: documentReads },
  { name: '20261206_0028_mandates', migration: mandates },
  { name: '20261206_0029_on_behalf_of', migration: onBehalfOf },
  { name: '20261206_0030_user_language', migration: userLanguage },
  { name: '20261206_0031_unlogged_rate_limits', migration: unloggedRateLimits },
  { name: '20261206_0032_recipient_email_index', migration: recipientEmailIndex },
  { name: '20261206_0033_recipient_mail_context', migration: recipientMailContext },
  { name: '20261207_0034_blob_chunks_lz4', migration: blobChunksLz4 },
  { name: '20261207_0035_blob_bases', migration: blobBases },
];
