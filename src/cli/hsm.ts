/**
 * `npm run cli -- hsm …`: puts the PKI's keys in the PKCS#11 token of PKCS11_MODULE / PKCS11_PIN /
 * PKCS11_TOKEN_LABEL (src/keys/pkcs11-pki.ts). Every key is generated inside the token and never
 * leaves it; only certificates are written out.
 *
 *   hsm init [--root-name "…"]   root CA and TSA key (once per deployment)
 *   hsm org <slug>               the organisation's issuing CA and seal (org create first)
 *   hsm list                     objects on the token
 *   hsm root [--out root.pem]    the root certificate to trust (pdfsig, Acrobat, the organisation's PCs)
 */
import { writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { AppError } from '../errors.ts';
import { Pkcs11Token } from '../keys/pkcs11.ts';
import { listTokenObjects } from '../keys/pkcs11-objects.ts';
import { initTokenPki, provisionTokenOrganisation, requiredKey, TOKEN_LABELS } from '../keys/pkcs11-pki.ts';
import { parseCommand, type CliContext } from './context.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';

export async function runHsm(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('hsm', args, { init, org, list, root });
  return handler(rest, context);
}

async function withToken<T>(context: CliContext, work: (token: Pkcs11Token) => Promise<T>): Promise<T> {
  const settings = context.config.pkcs11;
  if (!settings) throw new AppError('hsm_not_configured', 400, 'Set PKCS11_MODULE and PKCS11_PIN (and PKCS11_TOKEN_LABEL) first.');
  const token = Pkcs11Token.open(settings);
  try {
    return await work(token);
  } finally {
    await token.close();
  }
}

function report(context: CliContext, tokenLabel: string, created: string[]): void {
  context.out(created.length ? `Created on token "${tokenLabel}": ${created.join(', ')}.` : `Token "${tokenLabel}" already had these keys; nothing created.`);
}

async function init(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { 'root-name': { type: 'string' } }, 0);
  return withToken(context, async (token) => {
    const created = await initTokenPki(token, { baseUrl: context.config.baseUrl, rootName: values['root-name'] });
    report(context, token.label, created);
    const rootKey = await requiredKey(token, TOKEN_LABELS.root);
    context.out(`Root: ${new X509Certificate(rootKey.certificates[0]).subject.replace(/\n/g, ', ')}`);
    return 0;
  });
}

async function org(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommand(args, {}, 1);
  const organisation = await withDatabase(context, (db) => requireOrganisation(db, positionals[0]));
  return withToken(context, async (token) => {
    report(context, token.label, await provisionTokenOrganisation(token, organisation, { baseUrl: context.config.baseUrl }));
    return 0;
  });
}

async function list(args: string[], context: CliContext): Promise<number> {
  parseCommand(args, {}, 0);
  return withToken(context, async (token) => {
    for (const entry of await listTokenObjects(token)) {
      context.out(`${entry.kind.padEnd(12)} ${entry.label.padEnd(32)} id ${entry.id}${entry.subject ? `  ${entry.subject}` : ''}`);
    }
    return 0;
  });
}

async function root(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(args, { out: { type: 'string' } }, 0);
  return withToken(context, async (token) => {
    const pem = new X509Certificate((await requiredKey(token, TOKEN_LABELS.root)).certificates[0]).toString();
    if (values.out) {
      writeFileSync(values.out, pem);
      context.out(`Wrote ${values.out}.`);
    } else {
      context.out(pem.trimEnd());
    }
    return 0;
  });
}
