/** What other folders (http, cli, main) may use from src/workflow: one use case per file (STYLE). */
export type { WorkflowDeps, StaffActor, StaffRequest, LinkRequest } from './deps.ts';
export type { EnvelopeDto, DocumentDto, RecipientDto, FieldDto } from './envelope-dto.ts';
export { createEnvelope, DEFAULT_EXPIRY_DAYS, type CreateEnvelopeOptions, type CreateEnvelopeInput } from './create-envelope.ts';
export { createAndSendEnvelope } from './create-and-send-envelope.ts';
export { sendEnvelope, type SendEnvelopeOptions } from './send-envelope.ts';
export { createMeeting, type CreateMeetingOptions, type CreateMeetingInput } from './create-meeting.ts';
export { getMeeting, meetingNotFound, toMeetingDto, type MeetingDto } from './get-meeting.ts';
export { listMeetings, type MeetingSummaryDto } from './list-meetings.ts';
export { sendMeeting, type SendMeetingOptions } from './send-meeting.ts';
export { remindMeeting, type RemindMeetingOptions, type RemindMeetingResult } from './remind-meeting.ts';
export { addMeetingItems, type AddMeetingItemsOptions } from './add-meeting-items.ts';
export { editMeetingAgenda, type EditMeetingAgendaOptions, type MeetingAgendaItem } from './edit-meeting-agenda.ts';
export { meetingPageUrl } from './meeting-mail.ts';
export { DECISION_BODIES, DECISION_BODY_NAMES, defaultRouteFor, parseAgendaFileName, compareAgendaItems, type DecisionBody } from '../domain/meeting.ts';
export { ENVELOPE_KINDS, type EnvelopeKind } from '../store/envelope-repository.ts';
export { openSigningLink, type OpenSigningLinkOptions } from './open-signing-link.ts';
export { recordDocumentRead, documentReads, type RecordDocumentReadOptions, type DocumentReadHow } from './record-document-read.ts';
export { signEnvelope, signThroughLink, resolveSigningLink, type SignEnvelopeOptions, type LinkActionResult, type SignatureOutcome } from './sign-envelope.ts';
export { presentSigningCertificate, QUALIFIED_SESSION_MINUTES, type PresentSigningCertificateOptions, type PresentedCertificate, type SignatureAlgorithm } from './present-signing-certificate.ts';
export { completeQualifiedSignature, type CompleteQualifiedSignatureOptions } from './complete-qualified-signature.ts';
export { purgeQualifiedSigningSessions, QUALIFIED_SESSION_RETENTION_MS } from './purge-qualified-sessions.ts';
export { startRemoteSigning, remoteSigningCallback, remoteSigningRefused, CSC_CALLBACK_PATH, type RemoteSigningRefusedOptions, type StartRemoteSigningOptions, type StartedRemoteSigning, type RemoteSigningCallbackOptions, type RemoteSigningCallbackResult } from './remote-signing.ts';
export { sendSigningCode, CODE_VALID_MINUTES, CODE_MAX_ATTEMPTS, CODES_PER_WINDOW, type SendSigningCodeOptions } from './send-signing-code.ts';
export { liveSigningCode, isCodeProblem, type CodeProblem } from './verify-signing-code.ts';
export { listWaitingEnvelopes, getBatchEnvelope, type GetBatchEnvelopeOptions, type ListWaitingEnvelopesOptions, type WaitingList, type WaitingEnvelope } from './list-waiting-envelopes.ts';
export { signBatch, MAX_BATCH, type SignBatchOptions, type SignBatchResult, type BatchItemResult } from './sign-batch.ts';
export { approveEnvelope, type ApproveEnvelopeOptions } from './approve-envelope.ts';
export { declineEnvelope, MAX_REASON_LENGTH, type DeclineEnvelopeOptions } from './decline-envelope.ts';
export { cancelEnvelope, type CancelEnvelopeOptions } from './cancel-envelope.ts';
export { remindEnvelope, type RemindEnvelopeOptions } from './remind-envelope.ts';
export { countUnreadStaffNotifications, readStaffNotifications, type StaffNotification } from './read-staff-notifications.ts';
export { noticeDeadMails } from './notice-dead-mails.ts';
export { sendDueReminders, type SendDueRemindersResult } from './send-due-reminders.ts';
export { resendEnvelope, type CorrectedDocument, type ResendEnvelopeOptions } from './resend-envelope.ts';
export { openResultLink, downloadResultDocument, downloadResultAuditReport, type ResultView } from './open-result-link.ts';
export { expireEnvelopes, type ExpireEnvelopesOptions, type ExpireEnvelopesResult } from './expire-envelopes.ts';
export { renewArchiveTimestamps, timestampEnvelope, type RenewArchiveTimestampsOptions, type RenewArchiveTimestampsResult } from './archive-timestamps.ts';
export { getEnvelope, type GetEnvelopeOptions } from './get-envelope.ts';
export { listEnvelopes, type ListEnvelopesOptions, type EnvelopePage } from './list-envelopes.ts';
export { bootstrapDemoOrganisation, DEMO_ORGANISATION } from './bootstrap-demo.ts';
export { getAuditReport, type GetAuditReportOptions } from './get-audit-report.ts';
export { getEvidenceBundle, type GetEvidenceBundleOptions } from './get-evidence-bundle.ts';
export { exportAuditTrail, type ExportAuditTrailOptions } from './export-audit-trail.ts';
export { REPORTABLE_STATUSES } from './audit-evidence.ts';
export { searchEnvelopes, listEnvelopeBodies, brusselsDayStart, type SearchEnvelopesOptions, type DashboardPage, type DashboardItem } from './search-envelopes.ts';
export { correctRecipientEmail, CORRECTABLE_RECIPIENT_STATUSES, type CorrectRecipientEmailOptions } from './correct-recipient-email.ts';
export { listEnvelopeMails, retryEnvelopeMail, type EnvelopeMail, type EnvelopeMailsOptions, type RetryMailOptions } from './envelope-mails.ts';
export { downloadDocument, type DownloadDocumentOptions, type DownloadedDocument } from './download-document.ts';
export { updateOrganisationSettings, type UpdateOrganisationSettingsOptions } from './update-organisation-settings.ts';
export { saveSigningRoute, deleteSigningRoute, routesOf, ROUTE_ROLES, type RouteRole, type SigningRoute, type SaveSigningRouteOptions, type DeleteSigningRouteOptions } from './signing-routes.ts';
export { logInStaffUser, acceptRightPassword, type LogInStaffUserOptions } from './log-in-staff-user.ts';
export { recordFailedLogin, type RecordFailedLoginOptions } from './record-failed-login.ts';
export { logOutStaffUser, type LogOutStaffUserOptions } from './log-out-staff-user.ts';
export { requestPasswordReset, type RequestPasswordResetOptions } from './request-password-reset.ts';
export { resetStaffPassword, type ResetStaffPasswordOptions } from './reset-staff-password.ts';
export { changeOwnPassword, samePassword, type ChangeOwnPasswordOptions } from './change-own-password.ts';
export { inviteStaffUser, type InviteStaffUserOptions } from './invite-staff-user.ts';
export { deactivateStaffUser, userIsSelf, type DeactivateStaffUserOptions } from './deactivate-staff-user.ts';
export { addPerson, personSummary, personExists, type AddPersonOptions } from './add-person.ts';
export { editPerson, type EditPersonOptions } from './edit-person.ts';
export { deactivateDirectoryPerson, type DeactivateDirectoryPersonOptions } from './deactivate-directory-person.ts';
export { importPeople, type ImportPeopleOptions } from './import-people.ts';
export { createFunction, functionInputSchema, type CreateFunctionOptions } from './manage-functions.ts';
export { addMandate, endMandate, mandateNotFound, mandateInputSchema, endMandateInputSchema, type AddMandateOptions, type EndMandateOptions } from './manage-mandates.ts';
export { recordAbsence, withdrawAbsence, absencesOf, absenceNotFound, absenceInputSchema, type RecordAbsenceOptions, type WithdrawAbsenceOptions, type RecordedAbsence } from './manage-absences.ts';
export { reassignFunctionRecipients, type ReassignmentReport } from './reassign-function-recipients.ts';
export { registerDelegation, revokeDelegation, delegationRegister, delegationInputSchema, type DelegationRegisterOptions, type RegisterDelegationOptions, type RevokeDelegationOptions } from './delegations.ts';
export {
  resolveFunctionSigner,
  delegationMinutesRefused,
  functionNotFound,
  delegationNotFound,
  personNotFound,
  MINUTES_DELEGATION_MESSAGE,
  type FunctionSigner,
  type ResolveFunctionSignerInput,
} from './resolve-function-signer.ts';
export { directoryMandates, type DirectoryMandates, type FunctionOverview, type DirectoryMandate, type DirectoryAbsence, type DirectoryDelegation, type DirectoryPerson } from './directory-mandates.ts';
