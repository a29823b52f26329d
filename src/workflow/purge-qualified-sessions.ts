/**
 * Qualified signing sessions are working state, not evidence (the audit events are): an hour after one
 * expired it is deleted, with the prepared PDF updates it holds. Until then a late completion still
 * answers 410 session_expired rather than 404.
 */
import { deleteQualifiedSigningSessionsExpiredBefore } from '../store/qualified-signing-sessions.ts';
import type { WorkflowDeps } from './deps.ts';

export const QUALIFIED_SESSION_RETENTION_MS = 60 * 60_000;

export async function purgeQualifiedSigningSessions(deps: Pick<WorkflowDeps, 'db' | 'clock'>): Promise<number> {
  return deleteQualifiedSigningSessionsExpiredBefore(deps.db, new Date(deps.clock().getTime() - QUALIFIED_SESSION_RETENTION_MS));
}
