import type { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { createSigningKey, loadOrCreateDevPki, loadPkcs12, type DevPki, type RevocationSource, type SigningKey, type TimeStamper } from '../keys/index.ts';
import { PADES_LEVELS, signPdfAtLevel, type PadesLevel, type SignaturePlacement } from '../pades/index.ts';
import { createHttpTimeStamper } from '../pades/timestamp-client.ts';
import { createBuiltInTsa } from '../pades/tsa.ts';
import { inspectPdf } from '../pdf/index.ts';
import { DEV_TSA_POLICY } from '../deps.ts';
import { ownRevocationSource } from '../workflow/pki-publication.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { withDatabase } from './database.ts';

export async function runSign(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      signer: { type: 'string' },
      function: { type: 'string' },
      reason: { type: 'string' },
      location: { type: 'string' },
      field: { type: 'string' },
      visible: { type: 'string' },
      invisible: { type: 'boolean' },
      p12: { type: 'string' },
      password: { type: 'string' },
      level: { type: 'string', default: 'B-LT' },
    },
    2,
  );
  const [input, output] = positionals;
  if (!values.signer) throw new UsageError('--signer "Name <email>" is required.');
  if (values.visible && values.invisible) throw new UsageError('Use either --visible or --invisible.');
  const signer = parseSigner(values.signer);
  const pdf = await readFile(input).catch(() => {
    throw new UsageError(`Cannot read ${input}.`);
  });
  // The file comes from outside: read all of it within bounds before signing (signPdf itself is lazy).
  await inspectPdf(pdf);
  const level = parseLevel(values.level);
  const pki = lazyDevPki(context);
  const key = values.p12
    ? await keyFromPkcs12(values.p12, values.password ?? '')
    : await oneShotKey(await pki(), { name: signer.name, email: signer.email, title: values.function });
  const sign = (extras: { timeStamper?: TimeStamper; revocation?: RevocationSource; extraCertificates?: readonly X509Certificate[] }) =>
    signPdfAtLevel(pdf, {
      key,
      signer: { name: signer.name, function: values.function },
      fieldName: values.field,
      placement: values.visible ? parsePlacement(values.visible) : undefined,
      invisible: values.invisible,
      reason: values.reason,
      location: values.location,
      contactInfo: signer.email,
      level,
      ...extras,
    });
  const signed = await withLongTermServices(context, level, pki, sign);
  await writeFile(output, signed);
  context.out(`Signed ${input} → ${output} (${signed.length} bytes) as ${signer.name}, PAdES ${level}.`);
  return 0;
}

export function parseSigner(value: string): { name: string; email?: string } {
  const m = /^\s*(.*?)\s*(?:<([^<>\s]+@[^<>\s]+)>)?\s*$/.exec(value);
  if (!m || !m[1]) throw new UsageError('--signer must look like "Name <email>".');
  return { name: m[1], email: m[2] };
}

export function parsePlacement(value: string): SignaturePlacement {
  const parts = value.split(',').map(Number);
  if (parts.length !== 5 || parts.some((n) => !Number.isFinite(n)) || parts[3] <= 0 || parts[4] <= 0) {
    throw new UsageError('--visible takes page,x,y,width,height (points), e.g. 1,72,72,200,60.');
  }
  const [page, x, y, width, height] = parts;
  return { page, x, y, width, height };
}

async function keyFromPkcs12(file: string, password: string): Promise<SigningKey> {
  const data = await readFile(file).catch(() => {
    throw new UsageError(`Cannot read ${file}.`);
  });
  const { privateKey, certificates } = loadPkcs12(data, password);
  return createSigningKey(privateKey, certificates);
}

export function parseLevel(value: string | undefined): PadesLevel {
  const level = (value ?? 'B-LT').toUpperCase() as PadesLevel;
  if (!PADES_LEVELS.includes(level)) throw new UsageError(`--level takes ${PADES_LEVELS.join(', ')} (default B-LT).`);
  return level;
}

/** The development PKI, loaded (or created) once and only when a one-shot key or the built-in TSA needs it. */
function lazyDevPki(context: CliContext): () => Promise<DevPki> {
  let loaded: Promise<DevPki> | undefined;
  return () =>
    (loaded ??= loadOrCreateDevPki({ directory: path.join(context.config.certsDir, 'dev'), baseUrl: context.config.baseUrl }).then((pki) => {
      if (pki.created) context.err(`Development PKI created in ${pki.directory}; trust ${pki.rootPem} to validate.`);
      return pki;
    }));
}

async function oneShotKey(pki: DevPki, identity: { name: string; email?: string; title?: string }): Promise<SigningKey> {
  if (!identity.name) throw new AppError('invalid_request', 400, 'A signer needs a name.');
  return pki.issuer.issueOneShot(identity);
}

type LongTermSign = (extras: { timeStamper?: TimeStamper; revocation?: RevocationSource; extraCertificates?: readonly X509Certificate[] }) => Promise<Buffer>;

/**
 * B-T and up: `TSA_URL` when set, else the development PKI's built-in TSA. B-LT and up: revocation data
 * from our own CAs, whose revocations (`cert revoke`) live in the database, hence opened for the signing.
 */
async function withLongTermServices(context: CliContext, level: PadesLevel, pki: () => Promise<DevPki>, sign: LongTermSign): Promise<Buffer> {
  if (level === 'B-B') return sign({});
  const { config } = context;
  const clock = () => new Date();
  const timeStamper = config.tsaUrls.length > 0
    ? createHttpTimeStamper({ urls: [...config.tsaUrls], timeoutMs: config.tsaTimeoutMs })
    : createBuiltInTsa({ key: (await pki()).tsaKey, policy: DEV_TSA_POLICY, clock });
  if (level === 'B-T') return sign({ timeStamper });
  const dev = await pki();
  return withDatabase(context, async (db) => {
    const revocation = ownRevocationSource({ db, clock, authorities: dev.authorities });
    return sign({ timeStamper, revocation: warnWhenUnknown(context, revocation), extraCertificates: dev.provider.trustAnchors });
  });
}

/** A certificate of a CA that is not ours (a PKCS#12 from elsewhere) gets no revocation data: say so. */
function warnWhenUnknown(context: CliContext, source: RevocationSource): RevocationSource {
  return {
    async revocationData(certificate, issuer) {
      const data = await source.revocationData(certificate, issuer);
      if (!data) context.err(`No revocation data for ${certificate.subject.replace(/\n/g, ', ')}: not one of our CAs, so the file does not reach B-LT for it.`);
      return data;
    },
  };
}
