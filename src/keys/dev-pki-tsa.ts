/**
 * The development PKI's TSA keys, with key rollover. A TSA certificate lives TSA_YEARS; a document timestamp
 * made with it proves nothing once it has expired, so the archive-timestamp job renews each document timestamp
 * before that (ETSI EN 319 102-1 §5.6.3) — with a certificate that lives longer than the one it renews, or the
 * renewal proves nothing either. A TSA provider does that by key rollover; the development PKI does it itself:
 * when the current TSA certificate has less than `rolloverMarginMs` left at the PKI's clock, a new key and
 * certificate are issued under the root, as a new generation beside the old ones:
 *   tsa.p12 (generation 1), tsa-2.p12, tsa-3.p12, …   the newest generation is the current key
 *   tsa.pem                                            a copy of the current TSA certificate
 * Old generations stay on disk (never overwritten): every token embeds its TSA certificate, so what an old key
 * stamped stays verifiable against the root without them, but an operator can still see which key made what.
 */
import { existsSync, linkSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OID } from '../asn1/der.ts';
import { buildCertificate } from './certificate-builder.ts';
import { notAfterOf, writePemCopy } from './dev-pki-org.ts';
import { loadPkcs12 } from './pkcs12.ts';
import { fsyncPath, generateKeys, PER_SIGNATURE_KEY, validity, writeP12 } from './pki-files.ts';
import { authorityUrls, ROOT_AUTHORITY } from './pki-urls.ts';
import { createSigningKey } from './signing-key.ts';
import type { SigningKey } from './types.ts';

/** Longer than any one-shot certificate it vouches for the time of, shorter than the root. */
export const TSA_YEARS = 12;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Roll over when the TSA certificate has less than a year left: longer than the archive-timestamp job's renewal
 * window (180 days, src/workflow/archive-timestamps.ts), so a renewal is always made with a certificate that
 * outlives that window, and the job's refusal to renew with an expiring one never fires on the built-in TSA.
 */
export const TSA_ROLLOVER_MARGIN_MS = 365 * DAY_MS;
const PEM = 'tsa.pem';
const GENERATION = /^tsa(?:-(\d+))?\.p12$/;

export interface TsaKeyContext {
  directory: string;
  /** The root key: [root certificate]. */
  root: SigningKey;
  password: string;
  baseUrl: string;
  now: () => Date;
  rolloverMarginMs?: number;
}

export interface TsaKeys {
  /** The current key when loaded (TSA certificate first, then the root). */
  loaded: SigningKey;
  /** The current key, rolled over first when due (rollingTsaKey). */
  current(): Promise<SigningKey>;
}

/**
 * Whether a TSA key is due for rollover at `now`: less than the margin left, and only when a new certificate would
 * outlive the current one (near the root's end a new one, capped at the root's notAfter, would gain nothing and
 * roll over forever).
 */
export function tsaRolloverDue(tsaCertificate: Buffer, root: Buffer, now: Date, marginMs = TSA_ROLLOVER_MARGIN_MS): boolean {
  return now.getTime() > rolloverDueAfter(tsaCertificate, notAfterOf(root), marginMs);
}

/** The moment after which `tsaCertificate` is due for rollover (never, when the root ends first: a successor could not outlive it). */
function rolloverDueAfter(tsaCertificate: Buffer, rootNotAfter: Date, marginMs = TSA_ROLLOVER_MARGIN_MS): number {
  const notAfter = notAfterOf(tsaCertificate).getTime();
  return rootNotAfter.getTime() > notAfter ? notAfter - marginMs : Infinity;
}

export interface RollingTsaKeyOptions {
  /** The current key when loaded. */
  initial: SigningKey;
  /** The root certificate: a new TSA certificate never outlives it. */
  root: Buffer;
  now: () => Date;
  marginMs?: number;
  /** The current key after a rollover: issues the next generation, or finds the one another process issued. */
  next: () => Promise<SigningKey>;
}

/**
 * The current TSA key of a PKI that rolls it over (this file; the token PKI, pkcs11-pki-provider.ts). Cheap when
 * nothing is due (a date comparison); a rollover runs once however many callers ask at the same time.
 */
export function rollingTsaKey(options: RollingTsaKeyOptions): () => Promise<SigningKey> {
  // Both certificates parsed once per key, not at every timestamp.
  const rootNotAfter = notAfterOf(options.root);
  let key = options.initial;
  let dueAfter = rolloverDueAfter(key.certificates[0], rootNotAfter, options.marginMs);
  let rolling: Promise<SigningKey> | undefined;
  return async () => {
    if (options.now().getTime() <= dueAfter) return key;
    rolling ??= options
      .next()
      .then((next) => {
        key = next;
        dueAfter = rolloverDueAfter(key.certificates[0], rootNotAfter, options.marginMs);
        return next;
      })
      .finally(() => (rolling = undefined));
    return rolling;
  };
}

export async function loadOrCreateTsaKeys(context: TsaKeyContext): Promise<TsaKeys> {
  const root = context.root.certificates[0];
  const due = (key: SigningKey): boolean => tsaRolloverDue(key.certificates[0], root, context.now(), context.rolloverMarginMs);
  const settle = async (): Promise<SigningKey> => {
    let generation = latestGeneration(context.directory);
    if (generation === 0) generation = await createGeneration(context, 1);
    let key = loadGeneration(context, generation);
    if (due(key)) key = loadGeneration(context, await createGeneration(context, generation + 1));
    writePemCopy(join(context.directory, PEM), key.certificates[0]);
    return key;
  };
  const loaded = await settle();
  return { loaded, current: rollingTsaKey({ initial: loaded, root, now: context.now, marginMs: context.rolloverMarginMs, next: settle }) };
}

function fileOf(generation: number): string {
  return generation === 1 ? 'tsa.p12' : `tsa-${generation}.p12`;
}

function latestGeneration(directory: string): number {
  let latest = 0;
  for (const name of readdirSync(directory)) {
    const match = GENERATION.exec(name);
    if (match) latest = Math.max(latest, match[1] ? Number(match[1]) : 1);
  }
  return latest;
}

function loadGeneration(context: TsaKeyContext, generation: number): SigningKey {
  const tsa = loadPkcs12(readFileSync(join(context.directory, fileOf(generation))), context.password);
  return createSigningKey(tsa.privateKey, tsa.certificates);
}

/**
 * Issues generation `generation` (RFC 3161 §2.3: extended key usage id-kp-timeStamping only, critical) and links
 * it into place with link(2): of two processes rolling over at once one wins and both load its file.
 */
async function createGeneration(context: TsaKeyContext, generation: number): Promise<number> {
  const { directory, root } = context;
  const target = join(directory, fileOf(generation));
  if (existsSync(target)) return generation;
  const keys = await generateKeys(PER_SIGNATURE_KEY);
  const urls = authorityUrls(context.baseUrl, ROOT_AUTHORITY);
  const commonName = generation === 1 ? 'Paraaf Development TSA' : `Paraaf Development TSA ${generation}`;
  const certificate = await buildCertificate(
    {
      subject: [{ type: 'countryName', value: 'BE' }, { type: 'organizationName', value: 'Paraaf' }, { type: 'commonName', value: commonName }],
      subjectPublicKey: keys.publicKey,
      ...validity(context.now(), TSA_YEARS, notAfterOf(root.certificates[0])),
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      extendedKeyUsage: [OID.timeStamping],
      extendedKeyUsageCritical: true,
      caIssuersUrl: urls.caIssuers,
      crlUrls: [urls.crl],
    },
    { key: root, certificate: root.certificates[0] },
  );
  const temp = `${fileOf(generation)}.tmp-${process.pid}-${Date.now()}`;
  writeP12(directory, temp, keys.privateKey, [certificate, root.certificates[0]], context.password, commonName);
  try {
    linkSync(join(directory, temp), target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(join(directory, temp), { force: true });
  }
  fsyncPath(directory);
  return generation;
}
