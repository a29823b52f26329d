/** What other folders may use from src/audit. */
export { auditEventSchema, AUDIT_ACTIONS, ACTOR_KINDS, type AuditEvent, type AuditAction, type AuditActor, type ActorKind, type RequestOrigin } from './events.ts';
export { ipAddress } from './origin.ts';
export { appendAuditEvent, verifyChain, canonicalJson, computeAuditHash, chainName, hashedFields, GENESIS_HASH, type AppendAuditEventOptions, type ChainVerification } from './chain.ts';
export type { AuditEventRecord } from '../store/audit-event-repository.ts';
export { renderAuditReport, finalChainHash, type AuditReportData } from './report.ts';
export { reportCatalogs, reportTexts, isReportLanguage, REPORT_LANGUAGES, type ReportLanguage, type ReportCatalog, type ReportCatalogKey } from './report-i18n.ts';
export { auditEventsCsv, auditEventsJson, AUDIT_CSV_COLUMNS } from './exports.ts';
export { bundleReadme, type BundleReadmeOptions } from './bundle-readme.ts';
export { verifyAuditTrails, checkChain, checkRevisions, formatTrailReport, type TrailReport, type ChainReport, type TrailBreak, type TrailBreakKind, type TrailScope, type VerifyTrailOptions } from './verify-trail.ts';
export { runAuditCheck, createScheduledAnchoring, AUDIT_CHECK_INTERVAL_MS } from './scheduled-check.ts';
export { takeAuditAnchor, createAnchorJob, anchorDigest, ANCHOR_INTERVAL_MS, ANCHOR_POLL_MS, type AnchorDeps, type AnchorJob, type AnchorJobResult } from './anchors.ts';
export { checkAnchors, checkChainAnchors, ANCHOR_GRACE_MS, COMPLETION_GRACE_MS, type AnchorReport, type AnchorProblem } from './anchor-check.ts';
