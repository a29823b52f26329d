/**
 * `qualified_signing_sessions` (issue 13): what lies between handing a signer the data to be signed
 * and receiving their signature value (deferred signing, DESIGN §5). Every query is scoped by
 * organisation; a remote-signing session is found by the SHA-256 of its OAuth state, never the state.
 */
import { fromJson, isPostgres, toIso, toJson, type Db } from './sql.ts';

export type QualifiedSigningMethod = 'web-eid' | 'csc';
export type QualifiedSessionStatus = 'awaiting_certificate' | 'prepared' | 'completed' | 'failed';

/** One document of the session: the revision the signature goes after and the serialized prepared update (pades). */
export interface SessionDocument {
  documentId: string;
  fieldName: string;
  baseSeq: number;
  baseSha256: string;
  prepared: string;
}

export interface QualifiedSigningSession {
  id: string;
  organisationId: string;
  envelopeId: string;
  recipientId: string;
  method: QualifiedSigningMethod;
  providerId: string | null;
  status: QualifiedSessionStatus;
  stateHash: string | null;
  /** Leaf first, DER. */
  certificateChain: Buffer[];
  certificateSubject: string | null;
  documents: SessionDocument[];
  createdAt: string;
  expiresAt: string;
  completedAt: string | null;
  failureCode: string | null;
}

interface SessionRow {
  id: string;
  organisation_id: string;
  envelope_id: string;
  recipient_id: string;
  method: QualifiedSigningMethod;
  provider_id: string | null;
  status: QualifiedSessionStatus;
  state_hash: string | null;
  certificate_chain: unknown;
  certificate_subject: string | null;
  documents: unknown;
  created_at: unknown;
  expires_at: unknown;
  completed_at: unknown;
  failure_code: string | null;
}

function toSession(row: SessionRow): QualifiedSigningSession {
  const chain = row.certificate_chain == null ? [] : fromJson<string[]>(row.certificate_chain);
  return {
    id: row.id,
    organisationId: row.organisation_id,
    envelopeId: row.envelope_id,
    recipientId: row.recipient_id,
    method: row.method,
    providerId: row.provider_id,
    status: row.status,
    stateHash: row.state_hash,
    certificateChain: chain.map((der) => Buffer.from(der, 'base64')),
    certificateSubject: row.certificate_subject,
    documents: row.documents == null ? [] : fromJson<SessionDocument[]>(row.documents),
    createdAt: toIso(row.created_at),
    expiresAt: toIso(row.expires_at),
    completedAt: toIso(row.completed_at, 'nullable'),
    failureCode: row.failure_code,
  };
}

export type NewQualifiedSigningSession = Omit<QualifiedSigningSession, 'completedAt' | 'failureCode'>;

export async function insertQualifiedSigningSession(db: Db, session: NewQualifiedSigningSession): Promise<void> {
  await db('qualified_signing_sessions').insert({
    id: session.id,
    organisation_id: session.organisationId,
    envelope_id: session.envelopeId,
    recipient_id: session.recipientId,
    method: session.method,
    provider_id: session.providerId,
    status: session.status,
    state_hash: session.stateHash,
    certificate_chain: session.certificateChain.length ? toJson(session.certificateChain.map((der) => der.toString('base64'))) : null,
    certificate_subject: session.certificateSubject,
    documents: toJson(session.documents),
    created_at: session.createdAt,
    expires_at: session.expiresAt,
  });
}

/** One session of the organisation, locked on PostgreSQL (`FOR UPDATE`) so it is used once. */
export async function qualifiedSigningSessionById(db: Db, organisationId: string, id: string): Promise<QualifiedSigningSession | null> {
  const query = db<SessionRow>('qualified_signing_sessions').where({ id, organisation_id: organisationId });
  if (isPostgres(db)) query.forUpdate();
  const row = await query.first();
  return row ? toSession(row as SessionRow) : null;
}

/** The session a remote-signing callback's state names (the state is unguessable; its hash is unique). */
export async function qualifiedSigningSessionByStateHash(db: Db, stateHash: string): Promise<QualifiedSigningSession | null> {
  const query = db<SessionRow>('qualified_signing_sessions').where({ state_hash: stateHash });
  if (isPostgres(db)) query.forUpdate();
  const row = await query.first();
  return row ? toSession(row as SessionRow) : null;
}

export type QualifiedSessionPatch = Partial<
  Pick<QualifiedSigningSession, 'status' | 'stateHash' | 'certificateChain' | 'certificateSubject' | 'documents' | 'expiresAt' | 'completedAt' | 'failureCode'>
>;

export async function updateQualifiedSigningSession(db: Db, organisationId: string, id: string, patch: QualifiedSessionPatch): Promise<void> {
  const values: Record<string, unknown> = {};
  if (patch.status !== undefined) values.status = patch.status;
  if (patch.stateHash !== undefined) values.state_hash = patch.stateHash;
  if (patch.certificateChain !== undefined) values.certificate_chain = toJson(patch.certificateChain.map((der) => der.toString('base64')));
  if (patch.certificateSubject !== undefined) values.certificate_subject = patch.certificateSubject;
  if (patch.documents !== undefined) values.documents = toJson(patch.documents);
  if (patch.expiresAt !== undefined) values.expires_at = patch.expiresAt;
  if (patch.completedAt !== undefined) values.completed_at = patch.completedAt;
  if (patch.failureCode !== undefined) values.failure_code = patch.failureCode;
  await db('qualified_signing_sessions').where({ id, organisation_id: organisationId }).update(values);
}

/** Deletes the sessions (of every organisation) that expired before `before`; returns how many went. */
export async function deleteQualifiedSigningSessionsExpiredBefore(db: Db, before: Date): Promise<number> {
  return db('qualified_signing_sessions').where('expires_at', '<', before.toISOString()).delete();
}
