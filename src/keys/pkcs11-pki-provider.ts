/**
 * PkiServices (src/keys/pki-authorities.ts) over a PKCS#11 token: the PkiProvider with one issuing CA
 * per organisation, the CAs that sign CRLs and OCSP responses, and the built-in TSA's key, all
 * signing inside the token. Selected at start when `PKCS11_MODULE` is set (src/config.ts).
 */
import { X509Certificate } from 'node:crypto';
import { OrganisationCa } from './organisation-ca.ts';
import { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11.ts';
import { assertSlug, latestTokenTsaGeneration, provisionTokenOrganisation, requiredKey, rollTokenTsaKey, TOKEN_LABELS, type TokenPkiOptions } from './pkcs11-pki.ts';
import { rollingTsaKey } from './dev-pki-tsa.ts';
import type { PkiAuthorities, PkiServices } from './pki-authorities.ts';
import { issuedBy } from './dev-pki-org.ts';
import { isPkiAuthorityName, ROOT_AUTHORITY } from './pki-urls.ts';
import type { CertificateIssuer, OrganisationIdentity, PkiProvider, SigningKey } from './types.ts';

export interface TokenPkiServicesOptions extends TokenPkiOptions {
  token: Pkcs11Token;
  /** Create a missing organisation CA and seal on first use (development, tests); otherwise `hsm org` must have run. */
  provisionOnFirstUse?: boolean;
}

export interface TokenPkiServices extends PkiServices {
  root: X509Certificate;
  tsaKey: SigningKey;
  token: Pkcs11Token;
  /** Logs out of the token and unloads the module when nothing else uses it. */
  close(): Promise<void>;
}

/** Opens the token of `config` (PKCS11_MODULE, PKCS11_PIN, PKCS11_TOKEN_LABEL, PKCS11_SLOT) and builds the services over it. */
export async function openTokenPki(
  tokenOptions: Pkcs11TokenOptions,
  options: Omit<TokenPkiServicesOptions, 'token'>,
): Promise<TokenPkiServices> {
  const token = Pkcs11Token.open(tokenOptions);
  try {
    return await createTokenPkiServices({ ...options, token });
  } catch (error) {
    await token.close();
    throw error;
  }
}

/** Fails with `hsm_key_missing` when the token has no root or TSA key (run `npm run cli -- hsm init`). */
export async function createTokenPkiServices(options: TokenPkiServicesOptions): Promise<TokenPkiServices> {
  const { token } = options;
  const generation = Math.max(1, await latestTokenTsaGeneration(token));
  const [rootKey, tsaKey] = await Promise.all([requiredKey(token, TOKEN_LABELS.root), requiredKey(token, TOKEN_LABELS.tsaGeneration(generation))]);
  // The TSA key rolls over in the token before its certificate expires (dev-pki-tsa.ts): the renewal of archive timestamps needs it.
  const currentTsaKey = rollingTsaKey({ initial: tsaKey, root: rootKey.certificates[0], now: options.now ?? (() => new Date()), marginMs: options.tsaRolloverMarginMs, next: () => rollTokenTsaKey(token, options) });
  const root = new X509Certificate(rootKey.certificates[0]);
  const provider = tokenPkiProvider(options, root);
  // Each CRL and OCSP response is signed by its CA: look each CA key up once (a lookup reads every certificate on the token).
  const caKeys = new Map<string, Promise<SigningKey | null>>();
  const caKey = (slug: string): Promise<SigningKey | null> => {
    let key = caKeys.get(slug);
    if (!key) {
      key = token.signingKey(TOKEN_LABELS.organisationCa(slug));
      caKeys.set(slug, key);
      key.then((found) => found ?? caKeys.delete(slug), () => caKeys.delete(slug)); // absent now, perhaps provisioned later
    }
    return key;
  };
  const authorities: PkiAuthorities = {
    async authority(name) {
      if (name === ROOT_AUTHORITY) return rootKey;
      if (!isPkiAuthorityName(name)) return null;
      return caKey(name);
    },
    async authorityFor(issuer) {
      if (issuer.raw.equals(rootKey.certificates[0])) return rootKey;
      const found = (await token.certificates()).find((entry) => entry.der.equals(issuer.raw));
      // Only our CAs answer: a seal's or the TSA's key never signs CRLs or OCSP responses.
      const slug = found && /^paraaf-org-(.+)-ca$/.exec(found.label)?.[1];
      return slug ? caKey(slug) : null;
    },
  };
  return { provider, authorities, tsaKey, currentTsaKey, development: false, root, token, close: () => token.close() };
}

function tokenPkiProvider(options: TokenPkiServicesOptions, root: X509Certificate): PkiProvider {
  const { token } = options;
  const issuers = new Map<string, Promise<CertificateIssuer>>();

  async function load(organisation: OrganisationIdentity): Promise<CertificateIssuer> {
    assertSlug(organisation.slug);
    if (options.provisionOnFirstUse) await provisionTokenOrganisation(token, organisation, options);
    const issuingCa = await requiredKey(token, TOKEN_LABELS.organisationCa(organisation.slug));
    const { caIssuersUrl, crlUrls } = issuedBy(options.baseUrl, organisation.slug);
    return new OrganisationCa({
      organisationName: organisation.name,
      issuingCa,
      seal: () => requiredKey(token, TOKEN_LABELS.organisationSeal(organisation.slug)),
      now: options.now,
      pointers: { caIssuersUrl, crlUrls },
    });
  }

  return {
    trustAnchors: Object.freeze([root]),
    forOrganisation(organisation) {
      let issuer = issuers.get(organisation.id);
      if (!issuer) {
        issuer = load(organisation);
        issuers.set(organisation.id, issuer);
        issuer.catch(() => issuers.delete(organisation.id)); // a failure is tried again on the next call
      }
      return issuer;
    },
  };
}
