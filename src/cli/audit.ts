/**
 * `audit verify [--org <slug>] [--envelope <id>] [--trust root.pem …]`: recomputes every hash chain,
 * checks every stored blob and every anchor (DESIGN §6): each RFC 3161 token, its TSA chain up to
 * the trusted roots (by default the development root under CERTS_DIR), and each anchored head.
 */
import { formatTrailReport, verifyAuditTrails } from '../audit/verify-trail.ts';
import { createBlobStore, isUuid } from '../store/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';
import { trustAnchors } from './verify.ts';

async function verify(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { org: { type: 'string' }, envelope: { type: 'string' }, trust: { type: 'string', multiple: true } }, 0);
  if (values.envelope !== undefined && !isUuid(values.envelope)) throw new UsageError(`--envelope expects an envelope id (a UUID), got '${values.envelope}'.`);
  const roots = await trustAnchors(values.trust ?? [], context);
  return withDatabase(context, async (db) => {
    // The store the service uses (BLOB_STORE): fs, or the db or s3 store several instances share.
    const organisation = values.org === undefined ? undefined : await requireOrganisation(db, values.org);
    const blobs = createBlobStore(context.config.blobStore, context.config, db);
    const report = await verifyAuditTrails(db, blobs, { organisationId: organisation?.id, envelopeId: values.envelope }, { trustAnchors: roots }).finally(() => blobs.close?.());
    for (const line of formatTrailReport(report)) context.out(line);
    return report.ok ? 0 : 1;
  });
}

export async function runAudit(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('audit', args, { verify });
  return handler(rest, context);
}
