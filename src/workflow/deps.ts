/** What the envelope use cases are built from (DESIGN §2): passed in, never imported as globals. */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { CertificateIssuer } from '../keys/index.ts';
import type { Logger } from '../logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { AuditActor, RequestOrigin } from '../audit/events.ts';

export interface WorkflowDeps {
  db: Knex;
  blobs: BlobStore;
  issuer: CertificateIssuer;
  clock: () => Date;
  /** Random bytes (signing-link tokens); crypto.randomBytes by default. */
  random?: (size: number) => Buffer;
  /** Public base URL of the signer pages, without a trailing slash: links are `${baseUrl}/s/<token>`. */
  baseUrl: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
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
