/** What other folders may use from src/audit. */
export { auditEventSchema, AUDIT_ACTIONS, ACTOR_KINDS, type AuditEvent, type AuditAction, type AuditActor, type ActorKind, type RequestOrigin } from './events.ts';
export { appendAuditEvent, verifyChain, canonicalJson, computeAuditHash, chainName, hashedFields, GENESIS_HASH, type AppendAuditEventOptions, type ChainVerification } from './chain.ts';
export type { AuditEventRecord } from '../store/audit-event-repository.ts';
