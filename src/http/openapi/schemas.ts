/** `components.schemas` of the API document: the JSON shapes the routes answer and accept. */
import { DECISION_BODIES, ENVELOPE_STATUSES, SIGNATURE_LEVELS } from '../../domain/index.ts';
import { LANGUAGES } from '../../notify/index.ts';
import { WEBHOOK_EVENTS } from '../routes/webhooks.ts';
import type { JsonSchema } from './types.ts';
import { validationSchemas } from './validation-schemas.ts';

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const string = (description?: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
export const nullableString = (description?: string, extra: JsonSchema = {}): JsonSchema => ({ type: ['string', 'null'], ...(description ? { description } : {}), ...extra });
export const uuid = (description?: string): JsonSchema => string(description, { format: 'uuid' });
export const timestamp = (description?: string): JsonSchema => string(description, { format: 'date-time' });
export const nullableTimestamp = (description?: string): JsonSchema => nullableString(description, { format: 'date-time' });
const sha256 = (description: string): JsonSchema => string(description, { pattern: '^[0-9a-f]{64}$' });

/** Every property listed is required: the API always sends each member, null when empty. */
export function object(properties: Record<string, JsonSchema>, description?: string, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    additionalProperties: false,
  };
}

const RECIPIENT_STATUSES = ['pending', 'sent', 'opened', 'signed', 'approved', 'declined', 'cancelled', 'expired'] as const;
const RECIPIENT_ROLES = ['signer', 'approver', 'cc'] as const;
const signatureLevel = (description: string): JsonSchema => ({ type: 'string', enum: SIGNATURE_LEVELS, description });
const REVISION_KINDS = ['original', 'prepared', 'signature', 'timestamp', 'ltv'] as const;
const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;
const ENVELOPE_KIND_VALUES = ['decision', 'minutes', 'other'];

const fieldPosition = {
  page: { type: 'integer', minimum: 1, description: '1-based page number.' },
  x: { type: 'number', minimum: 0, description: 'PDF points from the left edge of the page.' },
  y: { type: 'number', minimum: 0, description: 'PDF points from the bottom edge of the page.' },
  width: { type: 'number', exclusiveMinimum: 0 },
  height: { type: 'number', exclusiveMinimum: 0 },
} satisfies Record<string, JsonSchema>;

const envelopeProperties: Record<string, JsonSchema> = {
  id: uuid(),
  organisationId: uuid(),
  title: string(),
  message: nullableString(),
  status: ref('EnvelopeStatus'),
  createdBy: object({ kind: { type: 'string', enum: ['api_key', 'user'] }, id: string() }),
  expiresAt: nullableTimestamp(),
  sentAt: nullableTimestamp(),
  completedAt: nullableTimestamp(),
  declinedAt: nullableTimestamp(),
  cancelledAt: nullableTimestamp(),
  expiredAt: nullableTimestamp(),
  cancelReason: nullableString(),
  requireCode: { type: 'boolean', description: 'Signers enter a 6-digit code mailed to them before signing.' },
  routeName: nullableString('The decision body (signing route) it was sent with, e.g. "Gemeenteraad"; null when none was given.'),
  onBehalfOf: nullableString('The line above the blocks of the appended signature page, e.g. "Namens de gemeenteraad"; null: made from the decision body.'),
  meetingId: { type: ['string', 'null'], format: 'uuid', description: 'The meeting (zitting) it belongs to; null outside a meeting.' },
  agendaItem: nullableString('Its agenda item in the meeting, e.g. "3" or "3a"; null when none was given or outside a meeting.'),
  agendaPosition: { type: ['integer', 'null'], minimum: 0, description: 'Its place on the meeting\'s agenda, from 0: the order of the meeting page and mails.' },
  kind: { type: ['string', 'null'], enum: [...ENVELOPE_KIND_VALUES, null], description: 'What it is in its meeting: a decision, the minutes or something else; null outside a meeting.' },
  createdAt: timestamp(),
  updatedAt: timestamp(),
  documents: { type: 'array', items: ref('Document') },
  recipients: { type: 'array', items: ref('Recipient') },
};

const meetingProperties: Record<string, JsonSchema> = {
  id: uuid(),
  organisationId: uuid(),
  body: { type: 'string', enum: DECISION_BODIES, description: 'The decision body: gemeenteraad, college (van burgemeester en schepenen), raad_maatschappelijk_welzijn, vast_bureau, raad_van_bestuur, algemene_vergadering, or other (named in `bodyLabel`).' },
  bodyLabel: nullableString('The body\'s name when `body` is `other`.'),
  bodyName: string('The body\'s name as shown in mails and pages.'),
  title: string(),
  meetingDate: string('The day of the sitting.', { format: 'date' }),
  status: { type: 'string', enum: ['draft', 'sent'] },
  createdBy: object({ kind: { type: 'string', enum: ['api_key', 'user'] }, id: string() }),
  sentAt: nullableTimestamp(),
  createdAt: timestamp(),
  updatedAt: timestamp(),
};

/** Meetings (zittingen, issue 12): a sitting whose envelopes are sent together, one request mail per signer. */
const meetingSchemas: Record<string, JsonSchema> = {
  Meeting: object({ ...meetingProperties, envelopes: { type: 'array', items: ref('Envelope'), description: 'Its envelopes in agenda order.' } }),
  RemindedMeeting: object({
    ...meetingProperties,
    envelopes: { type: 'array', items: ref('Envelope'), description: 'Its envelopes in agenda order.' },
    reminded: {
      type: 'array',
      description: 'Per envelope reminded, in agenda order: the ids of the recipients who were sent a reminder.',
      items: object({ envelopeId: uuid(), recipientIds: { type: 'array', items: uuid() } }),
    },
  }),
  MeetingSummary: object({
    ...meetingProperties,
    envelopeCount: { type: 'integer', minimum: 0 },
    statusCounts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'How many of its envelopes are in each status.' },
  }),
  MeetingList: object({ meetings: { type: 'array', items: ref('MeetingSummary'), description: 'Newest sitting first (at most 50).' } }),
  MeetingInput: object(
    {
      body: { type: 'string', enum: DECISION_BODIES },
      bodyLabel: string('Required when `body` is `other`: the body\'s name.', { minLength: 1, maxLength: 200 }),
      title: string(undefined, { minLength: 1, maxLength: 500 }),
      date: string('The day of the sitting, YYYY-MM-DD.', { format: 'date' }),
    },
    undefined,
    ['bodyLabel'],
  ),
};

const envelopeSchemas: Record<string, JsonSchema> = {
  EnvelopeStatus: { type: 'string', enum: ENVELOPE_STATUSES },
  Document: object({
  id: uuid(),
    name: string('File name as uploaded.'),
    position: { type: 'integer', minimum: 0, description: 'Upload order, from 0.' },
    pageCount: { type: ['integer', 'null'] },
    currentRevision: {
      oneOf: [
        object({
          seq: { type: 'integer' },
          sha256: sha256('SHA-256 of the current PDF.'),
          size: { type: 'integer', description: 'Bytes.' },
          kind: { type: 'string', enum: REVISION_KINDS },
          createdAt: timestamp(),
        }),
        { type: 'null' },
      ],
    },
  }),
  Field: object({ documentId: uuid(), ...fieldPosition, fieldName: nullableString('Name of the signature field in the PDF once placed.') }),
  Recipient: object({
  id: uuid(),
    personId: { type: ['string', 'null'], format: 'uuid' },
    name: string(),
    email: string(undefined, { format: 'email' }),
    function: nullableString('Job title shown in the signature appearance.'),
    language: { type: 'string', enum: LANGUAGES },
    role: { type: 'string', enum: RECIPIENT_ROLES },
    signatureLevel: signatureLevel(
      '`advanced`: signs with a one-shot certificate of the organisation. `qualified`: must sign with their own qualified certificate (Belgian eID through Web eID, or a remote qualified signing service); one-shot signing is refused with 409 `qualified_signature_required`. Always `advanced` for approvers and cc recipients.',
    ),
    routingOrder: { type: 'integer', minimum: 1 },
    position: { type: 'integer', minimum: 0, description: 'Place among the recipients as given, from 0.' },
    status: { type: 'string', enum: RECIPIENT_STATUSES },
    sentAt: nullableTimestamp(),
    openedAt: nullableTimestamp(),
    completedAt: nullableTimestamp(),
    declinedAt: nullableTimestamp(),
    declineReason: nullableString(),
    functionId: { type: ['string', 'null'], format: 'uuid', description: 'Issue 12: the function the recipient signs for (a route step naming a function); null for a recipient named directly.' },
    capacity: { type: ['string', 'null'], enum: ['holder', 'substitute', 'delegate', null], description: 'How the function was resolved on the day: its holder, a substitute for an absent holder (`function` then reads "wnd. …"), or the delegate of a chosen delegation; null without `functionId`.' },
    delegationId: { type: ['string', 'null'], format: 'uuid', description: 'The delegation a delegate signs by; null otherwise.' },
    actingStatement: nullableString('A delegate\'s statement above signature, name and function, e.g. "Bij opdracht van de algemeen directeur"; null otherwise.'),
    fields: { type: 'array', items: ref('Field') },
  }),
  Envelope: object(envelopeProperties),
  EnvelopePage: object({ items: { type: 'array', items: ref('Envelope') }, nextCursor: nullableString('Pass as `cursor` for the next page; null on the last.') }),
  RemindedEnvelope: object({ ...envelopeProperties, reminded: { type: 'array', items: uuid(), description: 'Ids of the recipients who were sent a reminder.' } }),
  EnvelopeInput: {
    ...object(
      {
        title: string(undefined, { minLength: 1, maxLength: 500 }),
        message: nullableString(undefined, { maxLength: 5000 }),
        expiresAt: timestamp('When unsigned links stop working; with a UTC offset.'),
        requireCode: { type: 'boolean', description: 'Signers must enter a 6-digit code mailed to them before signing. Default: the organisation setting `requireCode` (off unless set).' },
        body: string('The decision body (signing route) it is sent for, e.g. "Gemeenteraad"; shown as `routeName` and filterable on the staff dashboard.', { minLength: 1, maxLength: 200 }),
        onBehalfOf: string('The line above the blocks of the appended signature page (the page added when a signer has no placed field), e.g. "Namens de gemeenteraad". Default: "Namens de/het <body>" from the meeting\'s body or `body`.', { minLength: 1, maxLength: 200 }),
        signatureLevel: { ...signatureLevel('How the signers sign unless a recipient says otherwise: `advanced` (one-shot certificate of the organisation) or `qualified` (their own qualified certificate: eID or a remote qualified signing service).'), default: 'advanced' },
        recipients: { type: 'array', minItems: 1, maxItems: 50, items: ref('RecipientInput') },
        fields: { type: 'array', maxItems: 500, items: ref('FieldInput'), default: [] },
        send: { type: 'boolean', default: false, description: 'Send at once instead of leaving a draft. Not with `meetingId`: a meeting is sent as a whole.' },
        meetingId: uuid('A draft meeting of the organisation it belongs to (404 `meeting_not_found` otherwise, 409 `meeting_sent` once the meeting was sent).'),
        agendaItem: string('Its agenda item, e.g. "3"; needs `meetingId`.', { minLength: 1, maxLength: 50 }),
        agendaPosition: { type: 'integer', minimum: 0, maximum: 100000, description: 'Its place on the agenda, from 0; default after what the meeting holds. Needs `meetingId`.' },
        kind: { type: 'string', enum: ENVELOPE_KIND_VALUES, description: 'In a meeting: `decision` (default), `minutes` or `other`.' },
      },
      'The `envelope` multipart field, as JSON.',
      ['message', 'expiresAt', 'requireCode', 'body', 'signatureLevel', 'fields', 'send', 'meetingId', 'agendaItem', 'agendaPosition', 'kind'],
    ),
  },
  RecipientInput: object(
    {
      person: string('Id or e-mail of a person in the organisation directory; replaces name and email.'),
      functionId: uuid(
        'A function of the organisation (issue 12), instead of `person`, `name`, `email`, `function` and `language`: it resolves, for the meeting\'s date in a meeting or else today (Europe/Brussels), to its holder, or to the first present substitute when the holder is marked absent (`function` "wnd. …"). 404 `function_not_found` for a function of no or another organisation; 409 `function_vacant` when nobody holds it that day, `function_everyone_absent` when the holder and every substitute are absent.',
      ),
      delegationId: uuid(
        'With `functionId`: a registered delegation (bij opdracht) of that function chosen for this recipient; its delegate signs with `actingStatement`. Never chosen automatically. 422 `delegation_minutes_refused` for minutes (`kind` `minutes`), 422 `delegation_not_valid` when it does not cover the day, the kind or the function or was revoked, 422 `function_not_delegable`.',
      ),
      name: string('Required unless `person` or `functionId` is given.'),
      email: string('Required unless `person` or `functionId` is given.', { format: 'email' }),
      role: { type: 'string', enum: RECIPIENT_ROLES },
      signatureLevel: signatureLevel('For a signer: overrides the envelope\'s `signatureLevel`. `qualified` is refused for approvers and cc recipients.'),
      order: { type: 'integer', minimum: 1, default: 1, description: 'Routing order: lower orders sign first; equal orders in parallel.' },
      function: nullableString(),
      language: { type: 'string', enum: LANGUAGES },
    },
    undefined,
    ['person', 'functionId', 'delegationId', 'name', 'email', 'signatureLevel', 'order', 'function', 'language'],
  ),
  FieldInput: object({
    document: { type: 'integer', minimum: 0, description: 'Index of the document in upload order.' },
    recipient: { type: 'integer', minimum: 0, description: 'Index in `recipients`.' },
    ...fieldPosition,
  }),
  CancelRequest: object({ reason: string(undefined, { minLength: 1, maxLength: 2000 }) }),
  ResendRequest: object({ name: string('Corrected name of the recipient who declined.', { maxLength: 200 }), email: string('Corrected e-mail address of the recipient who declined.', { maxLength: 320 }) }, 'Correct and resend without a corrected file: the declining recipient\'s name and address; both optional.', ['name', 'email']),
  AuditTrail: object({
    envelopeId: uuid(),
    events: {
      type: 'array',
      items: object({
        seq: { type: 'integer' },
        occurredAt: timestamp(),
        action: string(undefined, { examples: ['envelope.created'] }),
        actor: object({ kind: string(), id: nullableString(), label: nullableString() }),
        ip: nullableString(),
        userAgent: nullableString(),
        details: { type: 'object', additionalProperties: true },
        documentSha256: nullableString(),
        prevHash: string('Hash of the previous event in the chain.'),
        hash: sha256('SHA-256 over this event and prevHash.'),
      }),
    },
  }),
};

const webhookProperties: Record<string, JsonSchema> = {
  id: uuid(),
  url: string(undefined, { format: 'uri' }),
  events: { type: 'array', items: ref('WebhookEventType') },
  description: nullableString(),
  createdAt: timestamp(),
};

const webhookSchemas: Record<string, JsonSchema> = {
  WebhookEventType: { type: 'string', enum: WEBHOOK_EVENTS },
  WebhookInput: object(
    {
      url: string('https URL; plain http only for localhost/127.0.0.1 outside production.', { format: 'uri', maxLength: 2000 }),
      events: { type: 'array', minItems: 1, uniqueItems: true, items: ref('WebhookEventType') },
      description: nullableString(undefined, { maxLength: 500 }),
    },
    undefined,
    ['description'],
  ),
  Webhook: object(webhookProperties),
  CreatedWebhook: object({
    ...webhookProperties,
    secret: string('Keys the HMAC in `Paraaf-Signature`. Shown only in this response: store it now.', { pattern: '^whsec_[A-Za-z0-9_-]{43}$' }),
  }),
  WebhookList: object({ items: { type: 'array', items: ref('Webhook') } }),
  WebhookDelivery: object({
    id: uuid('Also sent as the `Paraaf-Delivery` header, for deduplication.'),
    event: { oneOf: [ref('WebhookEventType'), { type: 'null' }] },
    status: { type: 'string', enum: DELIVERY_STATUSES, description: '`dead`: given up (too many failures, or the webhook was deleted).' },
    attempts: { type: 'integer', minimum: 0 },
    lastError: nullableString('Why the last attempt failed, e.g. `HTTP 500`, or why it was refused (an internal address). Never the response body.'),
    responseStatus: { type: ['integer', 'null'], description: 'HTTP status of the last attempt; null before any answer (refused, timed out, no connection).' },
    durationMs: { type: ['integer', 'null'], minimum: 0, description: 'How long the last attempt took, in milliseconds; null when it was not sent.' },
    nextAttemptAt: nullableTimestamp('When the next attempt is due; null once sent or dead.'),
    createdAt: timestamp(),
    sentAt: nullableTimestamp(),
  }),
  WebhookDeliveryPage: object({ items: { type: 'array', items: ref('WebhookDelivery') }, nextCursor: nullableString() }),
  WebhookEvent: object({
    id: uuid('Event id.'),
    type: ref('WebhookEventType'),
    createdAt: timestamp(),
    organisationId: uuid(),
    data: object(
      {
        envelope: object({ id: uuid(), title: string(), status: ref('EnvelopeStatus') }),
        recipient: object({
          id: uuid(),
          name: string(),
          email: string(undefined, { format: 'email' }),
          role: { type: 'string', enum: RECIPIENT_ROLES },
          status: { type: 'string', enum: RECIPIENT_STATUSES },
        }),
      },
      'The envelope, and for recipient.* events the recipient.',
      ['recipient'],
    ),
  }),
};

export const schemas: Record<string, JsonSchema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details with a stable `code`.',
    properties: {
      type: string(undefined, { format: 'uri' }),
      title: string(),
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: string(),
      code: string('Stable, machine-readable error code.', { pattern: '^[a-z0-9_]+$', examples: ['envelope_not_found'] }),
      instance: string('The request path.'),
      requestId: string('Echo of `X-Request-Id`; quote it when reporting a problem.'),
    },
    required: ['type', 'title', 'status', 'detail', 'code', 'instance'],
    additionalProperties: true,
  },
  ...envelopeSchemas,
  ...meetingSchemas,
  ...webhookSchemas,
  ...validationSchemas,
};
