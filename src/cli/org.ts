import { createOrganisation } from '../store/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { subcommand, withDatabase } from './database.ts';

/** `org create <slug> --name "Stad Kortrijk"` */
export async function runOrg(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('org', args, { create: createOrg });
  return handler(rest, context);
}

async function createOrg(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { name: { type: 'string' } }, 1);
  if (!values.name) throw new UsageError('--name "…" is required.');
  const name = values.name;
  return withDatabase(context, async (db) => {
    const organisation = await createOrganisation(db, { slug: positionals[0], name });
    context.out(`Created organisation '${organisation.slug}' (${organisation.name}), id ${organisation.id}.`);
    return 0;
  });
}
