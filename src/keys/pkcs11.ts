/**
 * SigningKeys whose private key stays in a PKCS#11 token (an HSM, a smart card, SoftHSM2 in tests):
 * `sign` hashes in Node and calls C_SignInit/C_Sign on the token (PKCS#11 v2.40 §5.11); certificates
 * are read from the token, and a key's chain is completed from the other certificates on it.
 *
 * Objects are found by CKA_LABEL (private key) and CKA_ID (its certificate, falling back to the same
 * label), the convention of pkcs11-tool, p11-kit and most HSM vendors' tools.
 */
import { constants, randomBytes, verify, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { AppError } from '../errors.ts';
import { ecdsaRawToDer, tokenSignRequest, type TokenSignRequest } from './pkcs11-mechanism.ts';
import { keyError, resolveAlgorithm, type KeySigner, type SigningKeyOptions } from './signing-key.ts';
import type { SigningKey } from './types.ts';

export type Pkcs11Library = typeof import('pkcs11js');
type Handle = Buffer;
type Pkcs11Instance = InstanceType<Pkcs11Library['PKCS11']>;
type Template = Array<{ type: number; value?: number | boolean | string | Buffer }>;

export interface Pkcs11TokenOptions {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string;
  /** The user PIN (CKU_USER). */
  pin: string;
  /** The token's label (CK_TOKEN_INFO.label); without it the token in `slot`, or the only token present. */
  tokenLabel?: string;
  /** Slot ID as `softhsm2-util --show-slots` and `pkcs11-tool -L` print it. */
  slot?: number;
}

/**
 * The PKCS#11 library is process-wide state: C_Initialize may run once per process and module, and
 * C_Finalize ends every session of every user of it. So loaded modules are shared and counted.
 */
const loaded = new Map<string, { lib: Pkcs11Instance; users: number }>();

function loadModule(path: string): { p11: Pkcs11Library; lib: Pkcs11Instance } {
  // Loaded on demand, so a deployment without an HSM never needs the native addon.
  const p11 = createRequire(import.meta.url)('pkcs11js') as Pkcs11Library;
  let entry = loaded.get(path);
  if (!entry) {
    const lib = new p11.PKCS11();
    try {
      lib.load(path);
      // Signatures run in libuv's thread pool (C_SignAsync), several at once: without CKF_OS_LOCKING_OK the module
      // may assume one thread at a time (PKCS#11 v2.40 §5.4) and SoftHSM2 then crashes under concurrent signing.
      lib.C_Initialize({ flags: p11.CKF_OS_LOCKING_OK });
    } catch (cause) {
      throw hsmError(`The PKCS#11 module ${path} cannot be loaded.`, cause);
    }
    entry = { lib, users: 0 };
    loaded.set(path, entry);
  }
  entry.users++;
  return { p11, lib: entry.lib };
}

function releaseModule(path: string): void {
  const entry = loaded.get(path);
  if (!entry || --entry.users > 0) return;
  loaded.delete(path);
  entry.lib.C_Finalize();
  entry.lib.close();
}

/** One logged-in token. Every operation opens its own short session; one session stays open to hold the login. */
export class Pkcs11Token {
  readonly label: string;
  readonly p11: Pkcs11Library;
  readonly #module: string;
  readonly #lib: Pkcs11Instance;
  readonly #slot: Handle;
  readonly #pin: string;
  /** Private key handles by label, found once; dropped when the token says a handle is no longer valid. */
  readonly #handles = new Map<string, Handle>();
  #loginSession: Handle | null;

  private constructor(module: string, p11: Pkcs11Library, lib: Pkcs11Instance, slot: Handle, label: string, pin: string) {
    this.#module = module;
    this.p11 = p11;
    this.#lib = lib;
    this.#slot = slot;
    this.label = label;
    this.#pin = pin;
    // Closing a token's last session logs the user out (PKCS#11 v2.40 §5.6, C_CloseSession): keep one open.
    this.#loginSession = lib.C_OpenSession(slot, p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION);
    try {
      this.#login();
    } catch (error) {
      lib.C_CloseSession(this.#loginSession);
      throw error;
    }
  }

  #login(): void {
    try {
      this.#lib.C_Login(this.#loginSession!, this.p11.CKU_USER, this.#pin);
    } catch (cause) {
      if ((cause as { code?: number }).code !== this.p11.CKR_USER_ALREADY_LOGGED_IN) {
        throw hsmError(`Login to PKCS#11 token "${this.label}" failed; check PKCS11_PIN.`, cause);
      }
    }
  }

  static open(options: Pkcs11TokenOptions): Pkcs11Token {
    const { p11, lib } = loadModule(options.module);
    try {
      const { slot, label } = findSlot(p11, lib, options);
      return new Pkcs11Token(options.module, p11, lib, slot, label, options.pin);
    } catch (error) {
      releaseModule(options.module);
      throw error;
    }
  }

  /** The pkcs11js instance, for the object helpers in pkcs11-objects.ts. */
  get lib(): Pkcs11Instance {
    if (!this.#loginSession) throw hsmError(`PKCS#11 token "${this.label}" is closed.`);
    return this.#lib;
  }

  /** Runs `work` in a fresh session, closed afterwards. */
  async withSession<T>(work: (session: Handle) => T | Promise<T>, readWrite = false): Promise<T> {
    const flags = this.p11.CKF_SERIAL_SESSION | (readWrite ? this.p11.CKF_RW_SESSION : 0);
    const session = this.lib.C_OpenSession(this.#slot, flags);
    try {
      return await work(session);
    } finally {
      this.#lib.C_CloseSession(session);
    }
  }

  /** Handles of the objects matching `template` (at most `max`). */
  find(session: Handle, template: Template, max = 1000): Handle[] {
    this.lib.C_FindObjectsInit(session, template);
    try {
      return this.#lib.C_FindObjects(session, max);
    } finally {
      this.#lib.C_FindObjectsFinal(session);
    }
  }

  /** Raw values of the given attributes of one object. */
  attributes(session: Handle, object: Handle, types: number[]): Buffer[] {
    return this.lib.C_GetAttributeValue(session, object, types.map((type) => ({ type }))).map((a) => a.value as Buffer);
  }

  /**
   * Signs with the private key `key`, a handle or a label (PKCS#11 v2.40 §5.11: C_SignInit then C_Sign, in its own
   * session). A token that logged us out (an HSM restart, another application's C_Logout) gets a new login and
   * one more try; a key found by label is looked up again then, as its handle may have changed. Any other failure is
   * an `hsm_unavailable` error, never an unsigned result.
   */
  async signRaw(key: Handle | string, request: TokenSignRequest): Promise<Buffer> {
    const attempt = async () => {
      const handle = typeof key === 'string' ? await this.#handleFor(key) : key;
      return this.withSession(async (session) => {
        this.lib.C_SignInit(session, request.mechanism, handle);
        return this.#lib.C_SignAsync(session, request.input, Buffer.alloc(1024));
      });
    };
    try {
      try {
        return await attempt();
      } catch (error) {
        const code = (error as { code?: number }).code;
        const { CKR_USER_NOT_LOGGED_IN, CKR_OBJECT_HANDLE_INVALID, CKR_KEY_HANDLE_INVALID } = this.p11;
        if (code !== CKR_USER_NOT_LOGGED_IN && code !== CKR_OBJECT_HANDLE_INVALID && code !== CKR_KEY_HANDLE_INVALID) throw error;
        // After a logout private objects are gone from view and their handles invalid: log in (a no-op when we still
        // are) and find the key again.
        this.#login();
        if (typeof key === 'string') this.#handles.delete(key);
        return await attempt();
      }
    } catch (cause) {
      throw hsmError(`PKCS#11 token "${this.label}" did not sign.`, cause);
    }
  }

  async #handleFor(label: string): Promise<Handle> {
    let handle = this.#handles.get(label);
    if (!handle) {
      handle = (await this.privateKeyHandle(label)) ?? undefined;
      if (!handle) throw hsmError(`Token "${this.label}" has no private key "${label}".`);
      this.#handles.set(label, handle);
    }
    return handle;
  }

  /** The handle of the private key labelled `label`; null when there is none. */
  async privateKeyHandle(label: string): Promise<Handle | null> {
    const found = await this.withSession((session) =>
      this.find(session, [
        { type: this.p11.CKA_CLASS, value: this.p11.CKO_PRIVATE_KEY },
        { type: this.p11.CKA_LABEL, value: label },
      ]),
    );
    if (found.length > 1) throw hsmError(`Token "${this.label}" holds ${found.length} private keys labelled "${label}".`);
    return found[0] ?? null;
  }

  /** Every X.509 certificate on the token, with its label and id. */
  async certificates(): Promise<Array<{ label: string; id: Buffer; der: Buffer }>> {
    const { p11 } = this;
    return this.withSession((session) =>
      this.find(session, [
        { type: p11.CKA_CLASS, value: p11.CKO_CERTIFICATE },
        { type: p11.CKA_CERTIFICATE_TYPE, value: p11.CKC_X_509 },
      ]).map((handle) => {
        const [value, label, id] = this.attributes(session, handle, [p11.CKA_VALUE, p11.CKA_LABEL, p11.CKA_ID]);
        return { der: Buffer.from(value), label: label.toString('utf8'), id: Buffer.from(id) };
      }),
    );
  }

  /** A signer over the token key `key` (a handle, or the label to find it by) whose public key is `publicKey`. */
  keySigner(key: Handle | string, publicKey: X509Certificate['publicKey'], options: SigningKeyOptions = {}): KeySigner {
    const { scheme, hash, signatureSize } = resolveAlgorithm(publicKey, options);
    return {
      scheme,
      hash,
      signatureSize,
      sign: async (data: Buffer) => {
        const raw = await this.signRaw(key, tokenSignRequest(this.p11, scheme, hash, data));
        return scheme === 'ecdsa' ? ecdsaRawToDer(raw) : raw;
      },
    };
  }

  /**
   * The SigningKey for the private key labelled `label`: its certificate (same CKA_ID, else same label)
   * first, then the issuers found on the token up to a self-signed root. Null when the key is absent.
   */
  async signingKey(label: string, options: SigningKeyOptions = {}): Promise<SigningKey | null> {
    const key = await this.privateKeyHandle(label);
    if (!key) return null;
    const [id] = await this.withSession((session) => this.attributes(session, key, [this.p11.CKA_ID]));
    const pool = await this.certificates();
    const own =
      (id.length > 0 ? pool.find((entry) => entry.id.equals(id)) : undefined) ?? pool.find((entry) => entry.label === label);
    if (!own) throw keyError('key_certificate_missing', `Token "${this.label}" has no certificate for key "${label}".`);
    const certificates = completeChain(own.der, pool.map((entry) => entry.der));
    const leaf = new X509Certificate(own.der);
    const signer = this.keySigner(label, leaf.publicKey, options);
    await assertSignerMatches(signer, leaf, label);
    return { ...signer, certificates: Object.freeze(certificates) };
  }

  async close(): Promise<void> {
    if (!this.#loginSession) return;
    const session = this.#loginSession;
    this.#loginSession = null;
    try {
      this.#lib.C_Logout(session);
    } catch {
      /* already logged out: the token may have been removed */
    }
    this.#lib.C_CloseSession(session);
    releaseModule(this.#module);
  }
}

function findSlot(p11: Pkcs11Library, lib: Pkcs11Instance, options: Pkcs11TokenOptions): { slot: Handle; label: string } {
  const slots = lib.C_GetSlotList(true).map((slot) => ({ slot, label: lib.C_GetTokenInfo(slot).label.trim() }));
  const matches = slots.filter(
    (entry) =>
      (options.tokenLabel === undefined || entry.label === options.tokenLabel) &&
      (options.slot === undefined || slotId(entry.slot) === BigInt(options.slot)),
  );
  if (matches.length === 1) return matches[0];
  const wanted = [options.tokenLabel && `label "${options.tokenLabel}"`, options.slot !== undefined && `slot ${options.slot}`]
    .filter(Boolean)
    .join(' in ');
  const present = slots.map((entry) => `"${entry.label}" (slot ${slotId(entry.slot)})`).join(', ') || 'none';
  throw hsmError(
    matches.length === 0
      ? `No PKCS#11 token ${wanted || 'present'} in ${options.module}; tokens present: ${present}.`
      : `Several PKCS#11 tokens match; set PKCS11_TOKEN_LABEL or PKCS11_SLOT. Tokens present: ${present}.`,
  );
}

/** A slot handle is a native CK_ULONG (little-endian on the platforms Node runs on). */
function slotId(slot: Handle): bigint {
  return slot.length >= 8 ? slot.readBigUInt64LE(0) : BigInt(slot.readUInt32LE(0));
}

/** [leaf, issuer, …, root]: issuers picked from `pool` by name and signature (RFC 5280 §6.1), at most 8 deep. */
export function completeChain(leafDer: Buffer, pool: readonly Buffer[]): Buffer[] {
  const candidates = pool.map((der) => new X509Certificate(der));
  const chain = [new X509Certificate(leafDer)];
  for (let depth = 0; depth < 8; depth++) {
    const current = chain[chain.length - 1];
    if (current.checkIssued(current) && current.verify(current.publicKey)) break; // self-signed root
    const issuer = candidates.find(
      (candidate) => !chain.some((c) => c.raw.equals(candidate.raw)) && current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    if (!issuer) break;
    chain.push(issuer);
  }
  return chain.map((certificate) => Buffer.from(certificate.raw));
}

/** A signature over a random challenge that the certificate's public key accepts, or key_certificate_mismatch. */
async function assertSignerMatches(signer: KeySigner, certificate: X509Certificate, label: string): Promise<void> {
  const challenge = randomBytes(32);
  const signature = await signer.sign(challenge);
  const ok = verify(signer.hash, challenge, {
    key: certificate.publicKey,
    dsaEncoding: 'der',
    ...(signer.scheme === 'rsa-pss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : {}),
  }, signature);
  if (!ok) throw keyError('key_certificate_mismatch', `The token key "${label}" does not belong to its certificate.`);
}

export function hsmError(message: string, cause?: unknown): AppError {
  return new AppError('hsm_unavailable', 503, message, { cause, detail: cause instanceof Error ? cause.message : undefined });
}
