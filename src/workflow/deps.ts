/** What the envelope use cases are built from (DESIGN §2): passed in, never imported as globals. */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { CscProviderConfig } from '../config.ts';
import type { CscClient } from '../keys/csc-client.ts';
import type { PkiAuthorities, PkiProvider, RevocationSource, TimeStamper } from '../keys/index.ts';
import type { TrustList } from '../pades/trust-list.ts';
import type { Logger } from '../logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { AuditActor, RequestOrigin } from '../audit/events.ts';
import type { ValidationDataCache } from './long-term.ts';

export interface WorkflowDeps {
  db: Knex;
  blobs: BlobStore;
  /** Each organisation's own issuing CA and seal (DESIGN §5): `pki.forOrganisation(organisation)`. */
  pki: PkiProvider;
  /** Trusted time for every signature and seal (PAdES B-T): `TSA_URL`, or the built-in TSA. */
  timeStamper: TimeStamper;
  /** Revocation data for B-LT and for checking a signer's own certificate: our own CAs answer in-process, others over OCSP/CRL. */
  revocation: RevocationSource;
  /** OCSP and CRLs of CAs that are not ours (already part of `revocation`): for B-LT data of signatures made with a signer's own certificate. */
  remoteRevocation?: RevocationSource;
  /** ETSI TS 119 612 trusted lists (issue 13): their CA/QC services are trusted for signers' own certificates and say which are qualified. */
  trustList?: TrustList;
  /** Remote qualified signing services (CSC API v2) offered to signers; none when unset. */
  cscProviders?: readonly CscProviderConfig[];
  /** How to talk to one of them (tests: a client with its own fetch); createCscClient by default. */
  cscClient?: (provider: CscProviderConfig) => CscClient;
  /** Server key (`SIGNER_SECRET`) from which remote signing derives its PKCE verifiers and seals its OAuth state. */
  signerSecret?: Buffer;
  /** Our CAs' keys, for their CRLs and OCSP responses (src/workflow/pki-publication.ts). */
  authorities: PkiAuthorities;
  clock: () => Date;
  /** Random bytes (signing-link tokens); crypto.randomBytes by default. */
  random?: (size: number) => Buffer;
  /** Public base URL of the signer pages, without a trailing slash: links are `${baseUrl}/s/<token>`. */
  baseUrl: string;
  /** How long a completion mail's link to the signed PDFs works (RESULT_LINK_DAYS); 30 by default. */
  resultLinkDays?: number;
  /** The completion mail also carries the signed PDFs when together they are at most this many bytes (RESULT_ATTACH_MAX_KB); 0 or unset: never. */
  resultAttachMaxBytes?: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Parsed CA certificates and our OCSP answers about them, kept across sign requests (issue 11); none: each request makes its own. */
  validationDataCache?: ValidationDataCache;
}

/** Staff or an API client acting for an organisation. */
export interface StaffActor extends AuditActor {
  kind: 'user' | 'api_key';
  id: string;
}

/** Common to every use case started by staff or an API client. */
export interface StaffRequest {
  organisationId: string;
  actor: StaffActor;
  origin?: RequestOrigin;
}

/** Common to every use case started from a signing link. */
export interface LinkRequest {
  token: string;
  origin?: RequestOrigin;
}

export function randomToken(deps: WorkflowDeps): Buffer {
  return (deps.random ?? randomBytes)(32);
}
