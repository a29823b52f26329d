/**
 * `blobs migrate --to db|s3 [--from fs|db|s3]`: moves a deployment's documents to a store every
 * instance shares (issue 11). Copies, verified by hash, every blob the database references from the
 * configured store (BLOB_STORE, or --from) to the target; resumable, and a no-op when run again.
 * The source is left as it is: switch BLOB_STORE after the run, remove the old store later.
 */
import type { BlobStoreKind } from '../config.ts';
import { createBlobStore } from '../store/index.ts';
import { migrateBlobs } from '../store/blob-migration.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { subcommand, withDatabase } from './database.ts';

const KINDS: readonly BlobStoreKind[] = ['fs', 'db', 's3'];

function kindOf(option: string, value: string | undefined): BlobStoreKind {
  if (value === undefined) throw new UsageError(`${option} ${KINDS.join('|')} is required.`);
  if (!(KINDS as readonly string[]).includes(value)) throw new UsageError(`${option} expects ${KINDS.join('|')}, got '${value}'.`);
  return value as BlobStoreKind;
}

async function migrate(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { to: { type: 'string' }, from: { type: 'string' } }, 0);
  const to = kindOf('--to', values.to);
  const from = values.from === undefined ? context.config.blobStore : kindOf('--from', values.from);
  if (from === to) throw new UsageError(`--from and --to are both '${to}'; nothing to copy.`);
  return withDatabase(context, async (db) => {
    const source = createBlobStore(from, context.config, db);
    const target = createBlobStore(to, context.config, db);
    const result = await migrateBlobs(db, source, target).finally(() => Promise.all([source.close?.(), target.close?.()]));
    for (const failure of result.failed) context.err(`Not copied: ${failure.sha256} (${failure.code}) — ${failure.detail}`);
    context.out(`${result.referenced} blob(s) referenced: ${result.copied} copied from ${from} to ${to}, ${result.present} already there, ${result.failed.length} failed.`);
    return result.failed.length === 0 ? 0 : 1;
  });
}

export async function runBlobs(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('blobs', args, { migrate });
  return handler(rest, context);
}
