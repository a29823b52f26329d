import { createApiKey, listApiKeys, revokeApiKey } from '../store/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';

/** `api-key create --org <slug> --name <label>` | `api-key revoke --org <slug> <prefix-or-id>` | `api-key list --org <slug>` */
export async function runApiKey(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('api-key', args, { create: createKey, revoke: revokeKey, list: listKeys });
  return handler(rest, context);
}

async function createKey(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { org: { type: 'string' }, name: { type: 'string' } }, 0);
  if (!values.name) throw new UsageError('--name <label> is required.');
  const name = values.name;
  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    const { apiKey, plaintext } = await createApiKey(db, organisation.id, { name });
    context.out(`Created API key '${apiKey.name}' for '${organisation.slug}' (id ${apiKey.id}, prefix ${apiKey.prefix}).`);
    context.out(`API key (shown once, store it now): ${plaintext}`);
    return 0;
  });
}

async function revokeKey(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { org: { type: 'string' } }, 1);
  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    const apiKey = await revokeApiKey(db, organisation.id, positionals[0]);
    context.out(`Revoked API key '${apiKey.name}' (${apiKey.prefix}…) of '${organisation.slug}' at ${apiKey.revokedAt}.`);
    return 0;
  });
}

async function listKeys(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { org: { type: 'string' } }, 0);
  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    const keys = await listApiKeys(db, organisation.id);
    if (keys.length === 0) {
      context.out(`No API keys for '${organisation.slug}'.`);
      return 0;
    }
    const rows = keys.map((key) => [key.prefix, key.revokedAt ? 'revoked' : 'active', key.createdAt, key.lastUsedAt ?? '-', key.name, key.id]);
    for (const row of formatTable([['PREFIX', 'STATUS', 'CREATED', 'LAST USED', 'NAME', 'ID'], ...rows])) context.out(row);
    return 0;
  });
}

function formatTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '));
}
