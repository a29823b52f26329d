/** What other folders may use from src/keys (STYLE: one index per folder). */
export type {
  CertificateIssuer,
  HashAlgorithm,
  OrganisationIdentity,
  PkiProvider,
  RevocationData,
  RevocationSource,
  SignatureScheme,
  SignerIdentity,
  SigningKey,
  TimeStamper,
} from './types.ts';
export {
  buildCrl,
  CRL_REASONS,
  isCrlReason,
  type BuildCrlOptions,
  type CrlReason,
  type RevokedEntry,
} from './crl.ts';
export {
  OCSP_REQUEST_LIMITS,
  OcspMalformedError,
  ocspRequestFromGetPath,
  parseOcspRequest,
  type CertIdHash,
  type OcspCertId,
  type OcspRequest,
} from './ocsp-request.ts';
export {
  buildOcspResponse,
  ocspErrorResponse,
  ocspResponseFor,
  type BuildOcspResponseOptions,
  type CertStatus,
  type OcspErrorStatus,
  type OcspResponseForOptions,
} from './ocsp.ts';
export { createOwnRevocationSource, type OwnRevocationSourceOptions } from './own-revocation-source.ts';
export { createRemoteRevocationSource, REMOTE_REVOCATION_LIMITS, type RemoteRevocationSourceOptions } from './remote-revocation-source.ts';
export { combineRevocationSources, forTrustedIssuers } from './combined-revocation-source.ts';
export {
  buildCertificate,
  encodeName,
  type CertificateAuthority,
  type CertificateTemplate,
  type DistinguishedName,
  type KeyUsageBit,
} from './certificate-builder.ts';
export { loadOrCreateDevPki, assertPkiAllowed, DEV_PKI_PASSWORD, toPem, type DevPki, type DevPkiOptions } from './dev-pki.ts';
export { DevPkiProvider } from './dev-pki-provider.ts';
export type { PkiAuthorities, PkiServices } from './pki-authorities.ts';
export { authorityUrls, tsaUrl, isPkiAuthorityName, ROOT_AUTHORITY } from './pki-urls.ts';
export { OrganisationCa, type OrganisationCaOptions } from './organisation-ca.ts';
export { Pkcs11Token, type Pkcs11TokenOptions } from './pkcs11.ts';
export { initTokenPki, provisionTokenOrganisation, TOKEN_LABELS, type TokenPkiOptions } from './pkcs11-pki.ts';
export {
  createTokenPkiServices,
  openTokenPki,
  type TokenPkiServices,
  type TokenPkiServicesOptions,
} from './pkcs11-pki-provider.ts';
export { issueOneShotCertificate, prepareOneShotKey, type OneShotOptions } from './one-shot.ts';
export { loadPemKey, loadPkcs12, writePkcs12, type KeyWithCertificates, type WritePkcs12Options } from './pkcs12.ts';
export {
  createKeySigner,
  createSigningKey,
  signatureAlgorithmIdentifier,
  type KeySigner,
  type SigningKeyOptions,
} from './signing-key.ts';
export { createCscClient, cscSignAlgorithm, pkceChallenge, CSC_LIMITS, type CscAuthorizeParams, type CscClient, type CscClientOptions, type CscCredentialInfo, type CscServiceInfo, type CscSignHashParams } from './csc-client.ts';
