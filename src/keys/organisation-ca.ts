import { X509Certificate } from 'node:crypto';
import { issueOneShotCertificate } from './one-shot.ts';
import type { CertificateIssuer, SignerIdentity, SigningKey } from './types.ts';

export interface OrganisationCaOptions {
  organisationName: string;
  /** The issuing CA key; its certificates are [issuing CA, root]. */
  issuingCa: SigningKey;
  /** The organisation's seal; its certificates are [seal, issuing CA, root]. */
  seal: SigningKey;
  now?: () => Date;
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
  readonly #seal: SigningKey;
  readonly #now: () => Date;

  constructor(options: OrganisationCaOptions) {
    if (options.issuingCa.certificates.length < 2) {
      throw new Error('The issuing CA needs its certificate and the root certificate.');
    }
    this.organisationName = options.organisationName;
    this.#issuingCa = options.issuingCa;
    this.#seal = options.seal;
    this.#now = options.now ?? (() => new Date());
    this.caCertificates = Object.freeze(options.issuingCa.certificates.map((der) => new X509Certificate(der)));
  }

  issueOneShot(identity: SignerIdentity): Promise<SigningKey> {
    return issueOneShotCertificate({
      issuingCa: this.#issuingCa,
      organisationName: this.organisationName,
      identity,
      now: this.#now,
    });
  }

  async seal(): Promise<SigningKey> {
    return this.#seal;
  }
}
