import { X509Certificate } from 'node:crypto';
import { issueOneShotCertificate, type OneShotOptions } from './one-shot.ts';
import type { CertificateIssuer, OneShotKey, SignerIdentity, SigningKey } from './types.ts';

export interface OrganisationCaOptions {
  organisationName: string;
  /** The issuing CA key; its certificates are [issuing CA, root]. */
  issuingCa: SigningKey;
  /** The organisation's seal (certificates [seal, issuing CA, root]), or how to get it on first use. */
  seal: SigningKey | (() => Promise<SigningKey>);
  now?: () => Date;
  /** AIA/CRLDP put in every one-shot certificate (see OneShotOptions.pointers). */
  pointers?: OneShotOptions['pointers'];
}

/**
 * An organisation's certificate issuer. It only sees SigningKeys, so the same class serves a
 * PKCS#12 file in `certs/` and a PKCS#11 token: a provider wraps the token's keys as SigningKeys
 * (whose `sign` calls C_Sign) and passes them in.
 */
export class OrganisationCa implements CertificateIssuer {
  readonly organisationName: string;
  readonly caCertificates: readonly X509Certificate[];
  readonly #issuingCa: SigningKey;
  readonly #seal: () => Promise<SigningKey>;
  readonly #now: () => Date;
  readonly #pointers: OneShotOptions['pointers'];

  constructor(options: OrganisationCaOptions) {
    if (options.issuingCa.certificates.length < 2) {
      throw new Error('The issuing CA needs its certificate and the root certificate.');
    }
    this.organisationName = options.organisationName;
    this.#issuingCa = options.issuingCa;
    const seal = options.seal;
    let pending: Promise<SigningKey> | undefined;
    // Asked once; a failure is not remembered, so the next call tries again.
    this.#seal = typeof seal === 'function'
      ? () => (pending ??= seal().catch((error: unknown) => { pending = undefined; throw error; }))
      : async () => seal;
    this.#pointers = options.pointers;
    this.#now = options.now ?? (() => new Date());
    this.caCertificates = Object.freeze(options.issuingCa.certificates.map((der) => new X509Certificate(der)));
  }

  issueOneShot(identity: SignerIdentity): Promise<OneShotKey> {
    return issueOneShotCertificate({
      issuingCa: this.#issuingCa,
      issuingCaNotAfter: new Date(this.caCertificates[0].validTo),
      organisationName: this.organisationName,
      identity,
      now: this.#now,
      pointers: this.#pointers,
    });
  }

  seal(): Promise<SigningKey> {
    return this.#seal();
  }

  /** The issuing CA's key: signs this organisation's CRL and OCSP responses. */
  get issuingCa(): SigningKey {
    return this.#issuingCa;
  }
}
