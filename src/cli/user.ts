import { isLanguage, LANGUAGES } from '../domain/person.ts';
import { createUser, generatePassword, USER_ROLES, type UserRole } from '../store/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';

/** `user create --org <slug> --email … --role admin|staff [--name …] [--language nl|en|fr]`: prints a one-time password, which must be changed at the first login. */
export async function runUser(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('user', args, { create: createStaffUser });
  return handler(rest, context);
}

async function createStaffUser(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { org: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, language: { type: 'string' } }, 0);
  if (!values.email) throw new UsageError('--email … is required.');
  if (!values.role || !(USER_ROLES as readonly string[]).includes(values.role)) throw new UsageError('--role admin|staff is required.');
  // The staff app's and the mails' language for this user (issue 12); Dutch unless said.
  const language = values.language ?? 'nl';
  if (!isLanguage(language)) throw new UsageError(`--language must be one of ${LANGUAGES.join(', ')}.`);
  const email = values.email;
  const role = values.role as UserRole;
  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    const password = generatePassword();
    const user = await createUser(db, organisation.id, { email, role, name: values.name, language, password, mustChangePassword: true });
    context.out(`Created ${user.role} user ${user.email} in '${organisation.slug}' (id ${user.id}).`);
    context.out(`Language of the staff app and of the mails: ${user.language}.`);
    context.out(`One-time password (shown once; hand it over securely): ${password}`);
    context.out('It must be changed at the first login.');
    return 0;
  });
}
