/**
 * `cert revoke <serial-hex> --org <slug> [--reason <CRLReason>] [--note "…"]` and `cert list-revoked [--org <slug>]`:
 * revoke a one-shot certificate of an organisation (issue 9), dated to the certificate's start so that every
 * signature made with it is invalid (src/workflow/revoke-certificate.ts); its CRL and OCSP answers say so at once.
 */
import { createLogger } from '../logger.ts';
import path from 'node:path';
import { CRL_REASONS, DEV_PKI_PASSWORD, loadOrCreateDevPki, type OrganisationIdentity, type PkiProvider } from '../keys/index.ts';
import { listRevokedCertificates } from '../store/revoked-certificates.ts';
import { revokeOneShotCertificate } from '../workflow/revoke-certificate.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';

export async function runCert(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('cert', args, { revoke, 'list-revoked': listRevoked });
  return handler(rest, context);
}

async function revoke(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { org: { type: 'string' }, reason: { type: 'string' }, note: { type: 'string' } }, 1);
  if (values.reason !== undefined && !(CRL_REASONS as readonly string[]).includes(values.reason)) {
    throw new UsageError(`--reason takes one of ${CRL_REASONS.join(', ')}.`);
  }
  const { config } = context;
  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    // Only needed for certificates recorded before their issuer was: the organisation's CA then.
    const pki: PkiProvider = {
      trustAnchors: [],
      forOrganisation: async (o: OrganisationIdentity) =>
        (await loadOrCreateDevPki({ directory: path.join(config.certsDir, 'dev'), password: config.pkiPassword ?? DEV_PKI_PASSWORD, baseUrl: config.baseUrl })).provider.forOrganisation(o),
    };
    const result = await revokeOneShotCertificate({ db, clock: () => new Date(), pki, logger: createLogger({ level: 'warn' }) }, { organisation, serial: positionals[0], reason: values.reason, note: values.note });
    const { revocation } = result;
    const verb = result.created ? 'Revoked' : 'Already revoked:';
    context.out(`${verb} certificate ${revocation.serialHex} of '${organisation.slug}' (${result.subject}), as of ${revocation.revokedAt}${revocation.reason ? `, reason ${revocation.reason}` : ''}.`);
    return 0;
  });
}

async function listRevoked(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { org: { type: 'string' } }, 0);
  return withDatabase(context, async (db) => {
    const organisation = values.org ? await requireOrganisation(db, values.org) : undefined;
    const rows = await listRevokedCertificates(db, organisation?.id);
    if (rows.length === 0) {
      context.out('No revoked certificates.');
      return 0;
    }
    for (const r of rows) context.out(`${r.serialHex}  revoked as of ${r.revokedAt}  ${r.reason ?? '-'}  recorded ${r.createdAt}${r.note ? `  ${r.note}` : ''}`);
    return 0;
  });
}
