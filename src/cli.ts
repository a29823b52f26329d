/**
 * `npm run cli -- <command>`: offline signing and validation, and (as they come) the admin
 * commands of DESIGN §7. Exit codes: 0 success, 1 a failed check or operation, 2 bad usage.
 */
import { loadConfig } from './config.ts';
import { isAppError } from './errors.ts';
import { UsageError, type CliContext } from './cli/context.ts';

type Command = (args: string[], context: CliContext) => Promise<number>;

/**
 * Each command's module is loaded when it runs: an operator's `org create` or `user create` then loads the store,
 * not the PDF engine, the PKI and every other command (half the start-up time of a run).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  sign: async () => (await import('./cli/sign.ts')).runSign,
  verify: async () => (await import('./cli/verify.ts')).runVerify,
  org: async () => (await import('./cli/org.ts')).runOrg,
  'api-key': async () => (await import('./cli/api-key.ts')).runApiKey,
  user: async () => (await import('./cli/user.ts')).runUser,
  people: async () => (await import('./cli/people.ts')).runPeople,
  mandates: async () => (await import('./cli/mandates.ts')).runMandates,
  migrate: async () => (await import('./cli/migrate.ts')).runMigrate,
  audit: async () => (await import('./cli/audit.ts')).runAudit,
  hsm: async () => (await import('./cli/hsm.ts')).runHsm,
  cert: async () => (await import('./cli/cert.ts')).runCert,
  blobs: async () => (await import('./cli/blobs.ts')).runBlobs,
};

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  sign <in.pdf> <out.pdf> --signer "Name <email>" [--function "…"] [--reason "…"] [--location "…"]
       [--visible page,x,y,w,h | --invisible] [--field name] [--p12 file --password …]
       [--level B-B|B-T|B-LT|B-LTA]               default B-LT: timestamp (TSA_URL or the built-in TSA) and /DSS
  verify <file.pdf> [--json] [--trust root.pem …] [--trust-list tl.xml …] [--at <ISO date>] [--online] [--timeout <ms>]
                                                  judge every signature at its proven time (timestamps), as of --at
                                                  (default now), from what the file embeds; --online also asks our CAs
                                                  in a worker stopped after --timeout ms (default 30000): then exit 1
  org create <slug> --name "Stad Kortrijk"
  api-key create --org <slug> --name <label>      prints the key once
  api-key revoke --org <slug> <prefix-or-id>
  api-key list --org <slug>
  user create --org <slug> --email … --role admin|staff [--name …] [--language nl|en|fr]
                                                  prints a one-time password; the language (default nl)
                                                  is the staff app's and the mails'
  people import --org <slug> <file.csv>           header name,email,function[,language]; UTF-8
  mandates import <file.csv> --org <slug> [--dry-run]
                                                  mandataries from a CSV export of the Flemish mandate database
                                                  (functions, people matched by e-mail or name, mandates, absences)
  migrate                                         apply pending database migrations
  audit verify [--org <slug>] [--envelope <id>] [--trust root.pem …]
                                                  recompute the audit hash chains, check every stored PDF and
                                                  every RFC 3161 anchor of the chain heads; exit 1 on any break
  hsm init [--root-name "…"]                      root CA and TSA key generated in the PKCS#11 token (PKCS11_*)
  hsm org <slug>                                  the organisation's issuing CA and seal in the token
  hsm list | hsm root [--out root.pem]            objects on the token; the root certificate to trust
  cert revoke <serial-hex> --org <slug> [--reason keyCompromise|…] [--note "…"]
                                                  revoke a one-shot certificate from its start: CRL and OCSP say so
  cert list-revoked [--org <slug>]
  blobs migrate --to db|s3 [--from fs|db|s3]     copy every stored PDF and logo from the configured store (BLOB_STORE, or
                                                  --from) to the target, each verified by hash; run again to resume;
                                                  the source is kept: set BLOB_STORE to the target afterwards

Admin commands use DATABASE_URL / DATA_DIR and apply pending migrations first.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const load = command && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(USAGE);
    return 2;
  }
  const context: CliContext = { config: loadConfig(), out: (line) => process.stdout.write(line + '\n'), err: (line) => process.stderr.write(line + '\n') };
  try {
    const run = await load();
    return await run(args, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (isAppError(error)) {
      context.err(`Error (${error.code}): ${error.message}${error.detail ? ` — ${error.detail}` : ''}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
