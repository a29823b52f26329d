import { parseCommand, type CliContext } from './context.ts';
import { withDatabase } from './database.ts';

/** `migrate`: applies pending migrations (every admin command does so first, too). */
export async function runMigrate(args: string[], context: CliContext): Promise<number> {
  parseCommand(args, {}, 0);
  return withDatabase(context, async (_db, applied) => {
    context.out(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s):\n${applied.map((name) => `  ${name}`).join('\n')}`);
    return 0;
  });
}
