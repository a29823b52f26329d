/** What other folders (http, cli, main) may use from src/workflow: one use case per file (STYLE). */
export type { WorkflowDeps, StaffActor, StaffRequest, LinkRequest } from './deps.ts';
export type { EnvelopeDto, DocumentDto, RecipientDto, FieldDto } from './envelope-dto.ts';
export { createEnvelope, DEFAULT_EXPIRY_DAYS, type CreateEnvelopeOptions, type CreateEnvelopeInput } from './create-envelope.ts';
export { createAndSendEnvelope } from './create-and-send-envelope.ts';
export { sendEnvelope, type SendEnvelopeOptions } from './send-envelope.ts';
export { openSigningLink, type OpenSigningLinkOptions } from './open-signing-link.ts';
export { signEnvelope, type SignEnvelopeOptions, type LinkActionResult } from './sign-envelope.ts';
export { approveEnvelope, type ApproveEnvelopeOptions } from './approve-envelope.ts';
export { declineEnvelope, type DeclineEnvelopeOptions } from './decline-envelope.ts';
export { cancelEnvelope, type CancelEnvelopeOptions } from './cancel-envelope.ts';
export { remindEnvelope, type RemindEnvelopeOptions } from './remind-envelope.ts';
export { expireEnvelopes, type ExpireEnvelopesOptions, type ExpireEnvelopesResult } from './expire-envelopes.ts';
export { getEnvelope, type GetEnvelopeOptions } from './get-envelope.ts';
export { listEnvelopes, type ListEnvelopesOptions, type EnvelopePage } from './list-envelopes.ts';
export { bootstrapDemoOrganisation, DEMO_ORGANISATION } from './bootstrap-demo.ts';
export { getAuditReport, type GetAuditReportOptions } from './get-audit-report.ts';
export { getEvidenceBundle, type GetEvidenceBundleOptions } from './get-evidence-bundle.ts';
export { REPORTABLE_STATUSES } from './audit-evidence.ts';
