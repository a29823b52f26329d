/**
 * Audit event types (DESIGN §6) as a zod discriminated union on `action`. Each event's
 * `details` is what the row's `details` column holds; changing a shape is a migration
 * (STYLE: audit events as a typed, versioned union).
 */
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const id = z.string().min(1);

const documentSummary = z.object({ documentId: id, name: z.string(), sha256, pageCount: z.number().int().nonnegative() });
const recipientSummary = z.object({
  recipientId: id,
  name: z.string(),
  email: z.string(),
  function: z.string().nullable(),
  role: z.enum(['signer', 'approver', 'cc']),
  routingOrder: z.number().int().positive(),
  /** Since issue 13, only for a signer who must sign with a qualified certificate. */
  signatureLevel: z.enum(['advanced', 'qualified']).optional(),
  /** Issue 12, only for a function step: how it was resolved (holder, substitute, delegate) and a delegate's statement. */
  capacity: z.enum(['holder', 'substitute', 'delegate']).optional(),
  functionId: id.optional(),
  delegationId: id.nullable().optional(),
  actingStatement: z.string().nullable().optional(),
});

/** How a signer's key was held (issue 13); absent in events: our one-shot certificate. */
const signingMethod = z.enum(['web-eid', 'csc']);
/** A signer's own certificate as classified (ETSI TS 119 615): qualified or not, key on a QSCD, the trust service provider. */
const signatureQualification = z.object({ kind: z.enum(['qualified', 'non_qualified', 'unknown']), qcSscd: z.boolean(), tsp: z.string().nullable() });

const personSummary = z.object({ personId: id, name: z.string(), email: z.string(), function: z.string().nullable(), language: z.enum(['nl', 'en', 'fr']), active: z.boolean() });

export const auditEventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('envelope.created'), details: z.object({ title: z.string(), expiresAt: z.string(), documents: z.array(documentSummary), recipients: z.array(recipientSummary) }) }),
  z.object({
    action: z.literal('envelope.sent'),
    details: z.object({ activeOrder: z.number().int().positive(), documents: z.array(z.object({ documentId: id, preparedSha256: sha256, fieldNames: z.array(z.string()) })) }),
  }),
  z.object({
    action: z.literal('mail.queued'),
    // A mail to staff (issue 12: the sender hears of a decline, completion, expiry or failed mail) names `userId` instead of `recipientId`.
    details: z.object({
      outboxId: id,
      recipientId: id.optional(),
      userId: id.optional(),
      email: z.string(),
      mail: z.enum(['signRequest', 'reminder', 'declined', 'cancelled', 'completed', 'expired', 'signingCode', 'mailFailed', 'meetingSignRequest']),
    }),
  }),
  z.object({ action: z.literal('link.opened'), details: z.object({ recipientId: id }) }),
  /** A signer opened a document before signing (issue 12): shown to its last page in the viewer, or downloaded; once per recipient and document. */
  z.object({ action: z.literal('document.opened'), details: z.object({ recipientId: id, documentId: id, how: z.enum(['viewed', 'downloaded']) }) }),
  z.object({
    action: z.literal('recipient.signed'),
    details: z.object({
      recipientId: id,
      documentId: id,
      fieldName: z.string(),
      /** The revision that was signed, and the one the signature created. */
      signedRevisionSha256: sha256,
      revisionSeq: z.number().int().positive(),
      revisionSha256: sha256,
      certificate: z.object({
        fingerprintSha256: sha256,
        serialNumber: z.string(),
        subject: z.string(),
        /** Since issue 9: when the one-shot certificate starts (what `cert revoke` dates a revocation to) and its CA. */
        notBefore: z.string().optional(),
        issuerSha256: sha256.optional(),
      }),
      /** Since issue 13, for a signature made with the signer's own key: how it was held, and its certificate's qualification. */
      method: signingMethod.optional(),
      qualification: signatureQualification.optional(),
    }),
  }),
  /** Signing was refused and nothing was stored, e.g. no TSA gave a timestamp (issue 9); written after the rollback. */
  z.object({ action: z.literal('signing.failed'), details: z.object({ recipientId: id, code: z.string(), message: z.string(), method: signingMethod.optional() }) }),
  /**
   * A signer presented their own certificate for a qualified signature (issue 13), through Web eID or a remote
   * service (`providerId`), and it passed: trusted path, valid, for signing, not revoked, qualified as recorded.
   */
  z.object({
    action: z.literal('signing.certificate_presented'),
    details: z.object({
      recipientId: id,
      sessionId: id,
      method: signingMethod,
      providerId: z.string().optional(),
      certificate: z.object({
        fingerprintSha256: sha256,
        serialNumber: z.string(),
        subject: z.string(),
        issuer: z.string(),
        notAfter: z.string(),
        qualification: signatureQualification,
      }),
    }),
  }),
  /** The documents were prepared for that certificate: what the signer's key is asked to sign, per document. */
  z.object({
    action: z.literal('signing.prepared'),
    details: z.object({
      recipientId: id,
      sessionId: id,
      method: signingMethod,
      hashAlgorithm: z.enum(['sha256', 'sha384', 'sha512']),
      documents: z.array(z.object({ documentId: id, revisionSeq: z.number().int().positive(), revisionSha256: sha256, dataToBeSigned: z.string().regex(/^[0-9a-f]+$/) })),
    }),
  }),
  /**
   * An operator revoked the one-shot certificate of this signature (`cert revoke`, issue 9): the organisation's CRL
   * and OCSP responder say so from then on, dated to the certificate's start (`revokedAt`).
   */
  z.object({
    action: z.literal('certificate.revoked'),
    details: z.object({ recipientId: id, serialNumber: z.string(), revokedAt: z.string(), reason: z.string().nullable(), note: z.string().nullable() }),
  }),
  /** A second-factor code was mailed (issue 4); `purpose` says whether for this envelope's page or a batch. */
  z.object({ action: z.literal('code.sent'), details: z.object({ recipientId: id, codeId: id, expiresAt: z.string(), purpose: z.enum(['link', 'batch']) }) }),
  /**
   * The code was checked before this envelope was signed. `codeRecipientId` is the recipient the
   * code was mailed to (in a batch: the one whose link opened the batch, same person and e-mail);
   * `failedAttempts` counts the wrong codes entered before the right one.
   */
  z.object({ action: z.literal('code.verified'), details: z.object({ recipientId: id, codeId: id, codeRecipientId: id, failedAttempts: z.number().int().nonnegative() }) }),
  /** This envelope was signed as one of `batchSize` selected in one confirmed action at /s/<token>/batch. */
  z.object({ action: z.literal('batch.signed'), details: z.object({ recipientId: id, batchId: id, batchSize: z.number().int().positive() }) }),
  z.object({ action: z.literal('recipient.approved'), details: z.object({ recipientId: id }) }),
  z.object({ action: z.literal('recipient.declined'), details: z.object({ recipientId: id, reason: z.string().min(1) }) }),
  z.object({ action: z.literal('envelope.reminded'), details: z.object({ recipientIds: z.array(id) }) }),
  /** The organisation's reminder schedule reminded these recipients (issue 12); `reminder` counts this recipient's automatic reminders. */
  z.object({ action: z.literal('recipient.reminded'), details: z.object({ recipientIds: z.array(id), automatic: z.literal(true), reminder: z.number().int().positive() }) }),
  /**
   * Someone opened their result link (issue 12) and downloaded a signed document or the audit report; `recipientId` for a
   * recipient, `userId` for the staff member who sent the envelope.
   */
  z.object({
    action: z.literal('result.downloaded'),
    details: z.object({ linkId: id, recipientId: id.optional(), userId: id.optional(), documentId: id.optional(), what: z.enum(['document', 'auditReport']) }),
  }),
  /** Staff corrected a declined envelope and sent it again (issue 12): back to sent, the same audit chain, a new link for who declined. */
  z.object({
    action: z.literal('envelope.resent'),
    details: z.object({
      declinedRecipientId: id,
      changes: z.array(z.object({ field: z.enum(['name', 'email', 'document']), recipientId: id.optional(), documentId: id.optional(), from: z.string(), to: z.string() })),
    }),
  }),
  /**
   * Correct and resend with a corrected file (issue 12): the document's new original, after the versions it replaces
   * (its earlier original and the last revision, signed or not, that signers acted on). Those stay as revisions; the
   * recipients whose signature or approval covered them act again.
   */
  z.object({
    action: z.literal('document.replaced'),
    details: z.object({
      documentId: id,
      name: z.string(),
      reason: z.string(),
      previous: z.object({ originalSha256: sha256, sha256, pageCount: z.number().int().nonnegative(), revisionSeq: z.number().int().positive() }),
      corrected: z.object({ sha256, pageCount: z.number().int().nonnegative(), revisionSeq: z.number().int().positive(), preparedSha256: sha256 }),
      /** Who had signed or approved the version replaced: they act again. */
      recipientsToActAgain: z.array(id),
    }),
  }),
  z.object({ action: z.literal('envelope.cancelled'), details: z.object({ reason: z.string().min(1) }) }),
  z.object({ action: z.literal('envelope.expired'), details: z.object({ expiresAt: z.string() }) }),
  z.object({ action: z.literal('envelope.completed'), details: z.object({ documents: z.array(z.object({ documentId: id, sha256, revisionSeq: z.number().int().positive() })) }) }),
  /** Staff corrected the e-mail address of a recipient who had not signed yet (issue 5): older links are revoked. */
  z.object({ action: z.literal('recipient.email_corrected'), details: z.object({ recipientId: id, previousEmail: z.string(), email: z.string() }) }),
  /**
   * A function step (issue 12) went to someone else before they acted: the holder marked absent on the envelope's day
   * (`absence`, older links revoked, the new signer mailed when it was the step's turn), or the draft meeting's steps
   * resolved again for its date when it was sent (`meeting_sent`).
   */
  z.object({
    action: z.literal('recipient.reassigned'),
    details: z.object({
      recipientId: id,
      reason: z.enum(['absence', 'meeting_sent']),
      day: z.string(),
      absenceId: id.nullable(),
      from: z.object({ personId: id.nullable(), name: z.string(), email: z.string(), function: z.string().nullable(), capacity: z.string().nullable() }),
      to: z.object({ personId: id, name: z.string(), email: z.string(), function: z.string().nullable(), capacity: z.string() }),
    }),
  }),
  /** Staff made a failed mail due again (issue 5). */
  z.object({ action: z.literal('mail.retried'), details: z.object({ outboxId: id, recipientId: id.nullable() }) }),
  // Organisation-level staff events (issue 5), on the chain `org:<id>`.
  /** A meeting (zitting, issue 12) was created; its envelopes' own chains say `envelope.created` with their meeting. */
  z.object({ action: z.literal('meeting.created'), details: z.object({ meetingId: id, body: z.string(), bodyLabel: z.string().nullable(), title: z.string(), meetingDate: z.string() }) }),
  /** All draft envelopes of a meeting were sent in one transaction, each with its own `envelope.sent`; in agenda order. */
  z.object({ action: z.literal('meeting.sent'), details: z.object({ meetingId: id, envelopeIds: z.array(id) }) }),
  /** Staff corrected the agenda of a draft meeting: every draft item as it now stands, in agenda order. */
  z.object({
    action: z.literal('meeting.agenda_edited'),
    details: z.object({ meetingId: id, items: z.array(z.object({ envelopeId: id, agendaItem: z.string().nullable(), title: z.string(), kind: z.string() })) }),
  }),
  // Functions, mandates, absences and delegations (issue 12), on the organisation's chain. Days are YYYY-MM-DD.
  z.object({ action: z.literal('function.created'), details: z.object({ functionId: id, name: z.string(), body: z.string().nullable(), delegable: z.boolean() }) }),
  z.object({
    action: z.literal('mandate.added'),
    details: z.object({ mandateId: id, functionId: id, personId: id, kind: z.enum(['holder', 'substitute']), rank: z.number().int().positive(), startsOn: z.string(), endsOn: z.string().nullable() }),
  }),
  z.object({ action: z.literal('mandate.ended'), details: z.object({ mandateId: id, functionId: id, personId: id, endsOn: z.string(), previousEndsOn: z.string().nullable() }) }),
  z.object({ action: z.literal('absence.recorded'), details: z.object({ absenceId: id, personId: id, startsOn: z.string(), endsOn: z.string(), reason: z.string().nullable() }) }),
  z.object({ action: z.literal('absence.withdrawn'), details: z.object({ absenceId: id, personId: id }) }),
  z.object({
    action: z.literal('delegation.registered'),
    details: z.object({
      delegationId: id,
      functionId: id,
      delegatorPersonId: id,
      delegatePersonId: id,
      scope: z.array(z.enum(['decision', 'other'])),
      validFrom: z.string(),
      validUntil: z.string().nullable(),
      reference: z.string().nullable(),
    }),
  }),
  z.object({ action: z.literal('delegation.revoked'), details: z.object({ delegationId: id, functionId: id, delegatePersonId: id }) }),
  /** Mandates imported from a CSV export of the Flemish mandate database. */
  z.object({
    action: z.literal('mandates.imported'),
    details: z.object({ created: z.number().int().nonnegative(), updated: z.number().int().nonnegative(), unchanged: z.number().int().nonnegative(), unmatched: z.number().int().nonnegative() }),
  }),
  z.object({ action: z.literal('staff.login'), details: z.object({ userId: id, email: z.string() }) }),
  /** A refused login for a known user of this organisation: wrong password, or the account is locked. */
  z.object({ action: z.literal('staff.login_failed'), details: z.object({ userId: id, email: z.string(), reason: z.enum(['password', 'locked']) }) }),
  z.object({ action: z.literal('staff.logout'), details: z.object({ userId: id }) }),
  z.object({ action: z.literal('staff.password_reset_requested'), details: z.object({ userId: id }) }),
  /** A password was set through a mailed link (`reset`, or `invite` for a new user); other sessions ended. */
  z.object({ action: z.literal('staff.password_reset'), details: z.object({ userId: id, via: z.enum(['reset', 'invite', 'change']), sessionsEnded: z.number().int().nonnegative() }) }),
  z.object({ action: z.literal('user.invited'), details: z.object({ userId: id, email: z.string(), role: z.enum(['admin', 'staff']) }) }),
  z.object({ action: z.literal('user.deactivated'), details: z.object({ userId: id, email: z.string() }) }),
  /** An admin changed a colleague's role or language: both as they are now, and as they were. */
  z.object({
    action: z.literal('user.changed'),
    details: z.object({ userId: id, email: z.string(), role: z.enum(['admin', 'staff']), language: z.enum(['nl', 'en', 'fr']), was: z.object({ role: z.enum(['admin', 'staff']), language: z.enum(['nl', 'en', 'fr']) }) }),
  }),
  z.object({ action: z.literal('user.reactivated'), details: z.object({ userId: id, email: z.string() }) }),
  z.object({ action: z.literal('person.created'), details: personSummary }),
  z.object({ action: z.literal('person.updated'), details: personSummary }),
  z.object({ action: z.literal('person.deactivated'), details: z.object({ personId: id, email: z.string() }) }),
  z.object({ action: z.literal('people.imported'), details: z.object({ created: z.number().int().nonnegative(), updated: z.number().int().nonnegative(), unchanged: z.number().int().nonnegative(), skipped: z.number().int().nonnegative() }) }),
  /** Organisation settings changed: which fields, and their new values. */
  z.object({ action: z.literal('organisation.updated'), details: z.object({ fields: z.array(z.string()), values: z.record(z.string(), z.unknown()) }) }),
  z.object({
    action: z.literal('route.saved'),
    details: z.object({
      routeId: id,
      name: z.string(),
      // A step names a person or (issue 12) a function.
      steps: z.array(z.object({ personId: id.optional(), functionId: id.optional(), role: z.enum(['signer', 'approver', 'cc']), order: z.number().int().positive(), signatureLevel: z.literal('qualified').optional() })),
    }),
  }),
  z.object({ action: z.literal('route.deleted'), details: z.object({ routeId: id, name: z.string() }) }),
  /** An API client subscribed a URL to envelope events, or disabled it (issue 10): its host only, never the secret. */
  z.object({ action: z.literal('webhook.registered'), details: z.object({ webhookId: id, host: z.string(), events: z.array(z.string()) }) }),
  z.object({ action: z.literal('webhook.disabled'), details: z.object({ webhookId: id, host: z.string(), events: z.array(z.string()) }) }),
  z.object({ action: z.literal('document.downloaded'), details: z.object({ documentId: id, revisionSeq: z.number().int().positive(), variant: z.enum(['current', 'original']) }) }),
  /**
   * Staff or an API client downloaded the sealed audit report, the evidence bundle or the trail as JSON or CSV
   * (issue 10); `language` is the report's. Appended after the read: an export never lists itself.
   */
  z.object({ action: z.literal('audit.exported'), details: z.object({ format: z.enum(['report', 'bundle', 'json', 'csv']), language: z.enum(['nl', 'en', 'fr']).optional() }) }),
  // PAdES B-LT: a DSS revision with the certificates and revocation data of the document's signatures and timestamps (issue 9).
  z.object({
    action: z.literal('document.validation_data_added'),
    details: z.object({
      documentId: id,
      revisionSeq: z.number().int().positive(),
      revisionSha256: sha256,
      certificates: z.number().int().nonnegative(),
      ocspResponses: z.number().int().nonnegative(),
      crls: z.number().int().nonnegative(),
      /** Certificates for which no revocation data could be had (0 when the level B-LT is reached). */
      withoutRevocation: z.number().int().nonnegative(),
    }),
  }),
  // PAdES B-LTA: a document timestamp at completion, or its renewal before the TSA certificate expires (issue 9).
  z.object({
    action: z.literal('document.timestamped'),
    details: z.object({
      documentId: id,
      revisionSeq: z.number().int().positive(),
      revisionSha256: sha256,
      purpose: z.enum(['completion', 'renewal']),
      genTime: z.string(),
      tsaCertificate: z.object({ subject: z.string(), serialNumber: z.string(), notAfter: z.string() }),
    }),
  }),
]);

export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditAction = AuditEvent['action'];
export const AUDIT_ACTIONS = auditEventSchema.options.map((option) => option.shape.action.value) as readonly AuditAction[];

/** Who did it: a staff user, an API key, a recipient through their link, or the system (scheduled jobs). */
export const ACTOR_KINDS = ['user', 'api_key', 'recipient', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface AuditActor {
  kind: ActorKind;
  id?: string | null;
  /** Name or e-mail as shown in the trail. */
  label?: string | null;
}

/** Where a request came from; absent for jobs. */
export interface RequestOrigin {
  ip?: string | null;
  userAgent?: string | null;
}
