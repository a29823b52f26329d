/**
 * An envelope with a real trail to tamper with: created, sent, opened and signed by one signer
 * (so completed), through the workflow use cases. Tampering goes around the append-only
 * triggers the way an operator with database rights would: PostgreSQL disables them (as the
 * superuser), SQLite drops and recreates them.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { up as createAppendOnlyTriggers } from '../../../src/store/migrations/20261128_0010_audit_append_only.ts';
import { isPostgres, type Db } from '../../../src/store/index.ts';
import { revisionsOf, documentsOf, type Revision } from '../../../src/store/document-repository.ts';
import { storedFile } from '../../../src/store/fs-blob-delta.ts';
import { createEnvelope, openSigningLink, sendEnvelope } from '../../../src/workflow/index.ts';
import { cli, type Run } from '../admin-cli/helpers.ts';
import { fixture, lastToken, type Bench } from '../workflow/helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

/** A completed one-signer envelope; answers its id. Each has its own signer address, so its link is found unambiguously. */
export async function completedEnvelope(bench: Bench): Promise<string> {
  const signer = `karel.vandamme+${randomUUID().slice(0, 8)}@zonnebeke.test`;
  const created = await createEnvelope(bench.deps, {
    organisationId: bench.organisation.id,
    actor: bench.actor,
    origin: { ip: '192.0.2.10', userAgent: 'zaaksysteem/1.0' },
    title: 'Besluit 2026/077 — subsidie jeugdwerking',
    documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
    recipients: [{ name: 'Karel Vandamme', email: signer, function: 'Burgemeester', role: 'signer', routingOrder: 1, fields: [{ document: 0, page: 1, x: 50, y: 40, width: 200, height: 60 }] }],
  });
  await sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
  const token = await lastToken(bench, signer);
  await openSigningLink(bench.deps, { token, origin: { ip: '198.51.100.7', userAgent: 'Firefox' } });
  await signAfterReading(bench.deps, { token, origin: { ip: '198.51.100.7', userAgent: 'Firefox' } });
  return created.id;
}

/** Runs `tamper` with the append-only triggers out of the way, then puts them back. */
export async function withoutAppendOnly(db: Db, tamper: () => Promise<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await db.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    try {
      await tamper();
    } finally {
      await db.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    }
    return;
  }
  await db.raw('DROP TRIGGER audit_events_no_update');
  await db.raw('DROP TRIGGER audit_events_no_delete');
  try {
    await tamper();
  } finally {
    await createAppendOnlyTriggers(db as Parameters<typeof createAppendOnlyTriggers>[0]);
  }
}

export async function revisionsOfEnvelope(bench: Bench, envelopeId: string): Promise<Revision[]> {
  const [document] = await documentsOf(bench.deps.db, bench.organisation.id, envelopeId);
  return revisionsOf(bench.deps.db, document.id);
}

/** The file that holds the blob: whole, or its delta on the revision before it (fs-blob-delta.ts). */
export function blobPath(bench: Bench, sha256: string): string {
  return storedFile(path.join(bench.app.dataDir, 'blobs'), sha256);
}

/** Overwrites a stored blob in place, as a disk edit would. */
export async function overwriteBlob(bench: Bench, sha256: string, bytes: Buffer): Promise<void> {
  const file = blobPath(bench, sha256);
  await fs.chmod(file, 0o640);
  await fs.writeFile(file, bytes);
}

/** `audit verify …` as an operator runs it, on the bench's DATA_DIR and database (its schema on PostgreSQL). */
export async function auditVerifyCli(bench: Bench, args: string[]): Promise<Run> {
  const { database, dataDir } = bench.app.config;
  let url = database.url;
  if (database.client === 'pg') {
    const { rows } = (await bench.deps.db.raw('select current_schema() as schema')) as { rows: Array<{ schema: string }> };
    url = `${database.url}${database.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${rows[0].schema}`)}`;
  }
  return cli(['audit', 'verify', ...args], { DATA_DIR: dataDir, DATABASE_URL: url, CERTS_DIR: path.join(dataDir, 'certs'), LOG_LEVEL: 'silent', SIGNER_SECRET: 'audit-trail-test-'.repeat(2) });
}
