/**
 * The development PKI as a PkiProvider (DESIGN §5): one issuing CA per organisation under the root, created on
 * first use in `orgs/<slug>/`, and the CA keys the publication routes need (PkiAuthorities).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.ts';
import { createOrganisationCa, issuedBy, loadOrCreateSeal, loadOrganisationCa, ORG_FILES } from './dev-pki-org.ts';
import { OrganisationCa } from './organisation-ca.ts';
import type { PkiAuthorities } from './pki-authorities.ts';
import { isPkiAuthorityName, ROOT_AUTHORITY } from './pki-urls.ts';
import type { CertificateIssuer, OrganisationIdentity, PkiProvider, SigningKey } from './types.ts';

export interface DevPkiProviderOptions {
  directory: string;
  /** The root key; its certificates are [root]. */
  root: SigningKey;
  password: string;
  now: () => Date;
  baseUrl: string;
  /**
   * Put the organisation CA's OCSP URL in one-shot certificates (default false): pdfsig then reports
   * "Unknown issue with Certificate" whenever the responder cannot be reached (see one-shot.ts).
   */
  ocspUrlInLeaves?: boolean;
}

export class DevPkiProvider implements PkiProvider, PkiAuthorities {
  readonly trustAnchors: readonly X509Certificate[];
  readonly #options: DevPkiProviderOptions;
  readonly #orgs = new Map<string, Promise<OrganisationCa>>();

  constructor(options: DevPkiProviderOptions) {
    this.#options = options;
    this.trustAnchors = Object.freeze([new X509Certificate(options.root.certificates[0])]);
  }

  forOrganisation(organisation: OrganisationIdentity): Promise<CertificateIssuer> {
    return this.#organisation(organisation);
  }

  async authority(name: string): Promise<SigningKey | null> {
    if (name === ROOT_AUTHORITY) return this.#options.root;
    if (!isPkiAuthorityName(name)) return null;
    if (!this.#orgs.has(name) && !existsSync(join(this.#orgsDirectory(), name, ORG_FILES.meta))) return null;
    return (await this.#organisation({ id: name, slug: name, name })).issuingCa;
  }

  async authorityFor(issuer: X509Certificate): Promise<SigningKey | null> {
    if (issuer.raw.equals(this.#options.root.certificates[0])) return this.#options.root;
    for (const slug of this.#knownSlugs()) {
      const pem = join(this.#orgsDirectory(), slug, ORG_FILES.caPem);
      if (!this.#orgs.has(slug) && !samePem(pem, issuer)) continue;
      const ca = await this.authority(slug);
      if (ca?.certificates[0].equals(issuer.raw)) return ca;
    }
    return null;
  }

  #orgsDirectory(): string {
    return join(this.#options.directory, 'orgs');
  }

  /**
   * The CAs this process has loaded, then the others on disk: the directory is read only when none of the first is
   * the one asked for (every signature's B-LT revision asks, for its signer's CA).
   */
  *#knownSlugs(): Generator<string> {
    const loaded = [...this.#orgs.keys()];
    yield* loaded;
    if (!existsSync(this.#orgsDirectory())) return;
    for (const slug of readdirSync(this.#orgsDirectory()).filter(isPkiAuthorityName)) if (!loaded.includes(slug)) yield slug;
  }

  /** Loads (or creates, once per process and atomically across processes) the organisation's CA. */
  #organisation(organisation: OrganisationIdentity): Promise<OrganisationCa> {
    const { slug } = organisation;
    if (slug === ROOT_AUTHORITY || !isPkiAuthorityName(slug)) {
      return Promise.reject(new AppError('organisation_ca_unavailable', 500, `No CA can be made for the organisation slug '${slug}'.`));
    }
    let pending = this.#orgs.get(slug);
    if (!pending) {
      pending = this.#load(organisation);
      this.#orgs.set(slug, pending);
      pending.catch(() => this.#orgs.delete(slug));
    }
    return pending;
  }

  async #load(organisation: OrganisationIdentity): Promise<OrganisationCa> {
    const { root, password, now, baseUrl } = this.#options;
    const directory = join(this.#orgsDirectory(), organisation.slug);
    await createOrganisationCa(directory, organisation, { root, password, baseUrl, now: now() });
    const keys = loadOrganisationCa(directory, password, root.certificates[0]);
    const pointers = issuedBy(baseUrl, organisation.slug);
    return new OrganisationCa({
      organisationName: keys.name,
      issuingCa: keys.issuingCa,
      seal: () => loadOrCreateSeal(directory, keys, password, now(), baseUrl, organisation.slug),
      now,
      pointers: {
        caIssuersUrl: pointers.caIssuersUrl,
        crlUrls: pointers.crlUrls,
        ...(this.#options.ocspUrlInLeaves ? { ocspUrl: pointers.urls.ocsp } : {}),
      },
    });
  }
}

function samePem(file: string, certificate: X509Certificate): boolean {
  try {
    return new X509Certificate(readFileSync(file)).raw.equals(certificate.raw);
  } catch {
    return false;
  }
}
