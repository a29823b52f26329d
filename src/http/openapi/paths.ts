/** `paths` of the API document: one entry per route under /api/v1 (a test holds the two together). */
import { AUDIT_CSV_COLUMNS } from '../../audit/index.ts';
import { ref } from './schemas.ts';
import type { Operation, PathItem, Reference, Response } from './types.ts';

const json = (schema: string) => ({ 'application/json': { schema: ref(schema) } });
const ok = (description: string, schema: string): Response => ({ description, content: json(schema) });
const problem = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
const param = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });

/** What any authenticated route may answer besides its own outcomes. */
const authenticated = { '401': problem('Unauthorized'), '500': problem('InternalError') };
const envelopeMissing = { '404': problem('EnvelopeNotFound') };
const webhookMissing = { '404': problem('WebhookNotFound') };
const idempotent = { '409': problem('IdempotencyInProgress'), '422': problem('UnprocessableEntity') };
const pdf: Response = {
  description: 'The PDF.',
  headers: { ETag: { description: 'SHA-256 of the PDF, quoted.', schema: { type: 'string' } } },
  content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } },
};

const sealedPdf: Response = {
  description: 'The sealed audit report.',
  content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } },
};

function envelopeAction(operationId: string, summary: string, description: string, extra: Partial<Operation> = {}): Operation {
  return {
    operationId,
    summary,
    description,
    tags: ['Envelopes'],
    parameters: [param('IdempotencyKey')],
    responses: { '200': ok('The envelope after the change.', 'Envelope'), '400': problem('BadRequest'), ...envelopeMissing, ...idempotent, ...authenticated },
    ...extra,
  };
}

export const paths: Record<string, PathItem> = {
  '/verify': {
    post: {
      operationId: 'verifyPdf',
      summary: 'Validate the signatures in a PDF',
      description: 'Public: no API key needed. Checks integrity, coverage, timestamp, chain, revocation and PAdES level of every signature, each chain at its proven time. With trusted lists configured (`TRUST_LIST_FILES`, ETSI TS 119 612) their qualified CAs and TSAs are trusted too, and each signature says whether its certificate is a qualified certificate for electronic signatures on a QSCD (`certificate`, ETSI TS 119 615). `at` (form field or query parameter) judges the file as of another moment, e.g. twenty years ahead. Bounded per caller: a rate limit per client IP, at most two files per IP at a time, and a time limit per file after which verification stops with 422 `verify_too_complex`.',
      tags: ['Validation'],
      security: [],
      parameters: [{ name: 'at', in: 'query', required: false, description: 'Validate as of this moment (ISO 8601); the form field `at` does the same.', schema: { type: 'string', format: 'date-time' } }],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: {
                file: { type: 'string', contentMediaType: 'application/pdf', description: 'The PDF to validate.' },
                at: { type: 'string', format: 'date-time', description: 'Validate as of this moment (ISO 8601); default now.' },
              },
              required: ['file'],
            },
            encoding: { file: { contentType: 'application/pdf' } },
          },
        },
      },
      responses: {
        '200': ok('The validation report.', 'ValidationReport'),
        '400': problem('BadRequest'),
        '413': problem('PayloadTooLarge'),
        '415': problem('UnsupportedMediaType'),
        '422': problem('UnprocessableEntity'),
        '429': { description: 'Too many verifications from this address (`rate_limited`, `VERIFY_RATE_LIMIT` per minute), or two of its files are still being verified (`verify_in_progress`); see Retry-After.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        '500': problem('InternalError'),
        '503': { description: 'Every verification worker is busy and the queue is full (`verify_busy`); see Retry-After.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    },
  },
  '/envelopes': {
    post: {
      operationId: 'createEnvelope',
      summary: 'Create an envelope',
      description: 'Uploads one or more PDFs with the recipients and their signature fields; with `send: true` it is sent at once.',
      tags: ['Envelopes'],
      parameters: [param('IdempotencyKey')],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: {
                documents: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', contentMediaType: 'application/pdf' }, description: 'The PDFs, in order.' },
                envelope: { type: 'string', contentMediaType: 'application/json', contentSchema: ref('EnvelopeInput'), description: 'The envelope as JSON text.' },
              },
              required: ['documents', 'envelope'],
            },
            encoding: { documents: { contentType: 'application/pdf' }, envelope: { contentType: 'application/json' } },
          },
        },
      },
      responses: {
        '201': ok('The envelope, as a draft or sent.', 'Envelope'),
        '400': problem('BadRequest'),
        '413': problem('PayloadTooLarge'),
        '415': problem('UnsupportedMediaType'),
        ...idempotent,
        ...authenticated,
      },
    },
    get: {
      operationId: 'listEnvelopes',
      summary: 'List envelopes',
      description: 'Newest first, a page at a time.',
      tags: ['Envelopes'],
      parameters: [
        { name: 'status', in: 'query', description: 'Only envelopes in this status.', schema: ref('EnvelopeStatus') },
        param('Limit'),
        param('Cursor'),
      ],
      responses: { '200': ok('A page of envelopes.', 'EnvelopePage'), '400': problem('BadRequest'), ...authenticated },
    },
  },
  '/envelopes/{id}': {
    parameters: [param('EnvelopeId')],
    get: {
      operationId: 'getEnvelope',
      summary: 'Get an envelope',
      tags: ['Envelopes'],
      responses: { '200': ok('The envelope.', 'Envelope'), ...envelopeMissing, ...authenticated },
    },
  },
  '/envelopes/{id}/send': {
    parameters: [param('EnvelopeId')],
    post: envelopeAction('sendEnvelope', 'Send a draft envelope', 'Mails the first routing order their links; webhooks hear `envelope.sent`. Sending a sent envelope answers its state.'),
  },
  '/meetings': {
    post: {
      operationId: 'createMeeting',
      summary: 'Create a meeting',
      description: 'A draft sitting of a decision body on a date. Add its decisions and minutes with `POST /envelopes` and `meetingId`, then send it with `POST /meetings/{id}/send`.',
      tags: ['Meetings'],
      parameters: [param('IdempotencyKey')],
      requestBody: { required: true, content: json('MeetingInput') },
      responses: { '201': ok('The meeting, without envelopes yet.', 'Meeting'), '400': problem('BadRequest'), ...idempotent, ...authenticated },
    },
    get: {
      operationId: 'listMeetings',
      summary: 'List meetings',
      tags: ['Meetings'],
      responses: { '200': ok('Newest sitting first.', 'MeetingList'), ...authenticated },
    },
  },
  '/meetings/{id}': {
    parameters: [param('MeetingId')],
    get: {
      operationId: 'getMeeting',
      summary: 'Get a meeting with its envelopes in agenda order',
      tags: ['Meetings'],
      responses: { '200': ok('The meeting.', 'Meeting'), '404': problem('MeetingNotFound'), ...authenticated },
    },
  },
  '/meetings/{id}/send': {
    parameters: [param('MeetingId')],
    post: {
      operationId: 'sendMeeting',
      summary: 'Send a meeting',
      description:
        'Sends every draft envelope of the meeting in one transaction, in agenda order. Each signer gets one request mail for the whole meeting, when their first item reaches them, with one link to sign everything that waits for them. 409 `meeting_empty` when it has no drafts; sending a sent meeting answers its state.',
      tags: ['Meetings'],
      parameters: [param('IdempotencyKey')],
      responses: { '200': ok('The meeting after sending.', 'Meeting'), '404': problem('MeetingNotFound'), ...idempotent, ...authenticated },
    },
  },
  '/meetings/{id}/remind': {
    parameters: [param('MeetingId')],
    post: {
      operationId: 'remindMeeting',
      summary: 'Remind everyone still waiting in a meeting',
      description:
        'Every signer still waiting on any open item of the meeting gets ONE reminder mail for the meeting, listing those items in agenda order, with a fresh link to the meeting page (their older links stop working); approvers get a reminder per item. Each item reminded records `envelope.reminded` in its audit trail. 409 `meeting_not_sent` before the meeting is sent, `meeting_nothing_waiting` when nothing is open.',
      tags: ['Meetings'],
      parameters: [param('IdempotencyKey')],
      responses: { '200': ok('The meeting and who was reminded on which envelope.', 'RemindedMeeting'), '404': problem('MeetingNotFound'), ...idempotent, ...authenticated },
    },
  },
  '/envelopes/{id}/cancel': {
    parameters: [param('EnvelopeId')],
    post: envelopeAction('cancelEnvelope', 'Cancel an envelope', 'Revokes every link and tells the recipients; webhooks hear `envelope.cancelled`.', {
      requestBody: { required: true, content: json('CancelRequest') },
    }),
  },
  '/envelopes/{id}/resend': {
    parameters: [param('EnvelopeId')],
    post: envelopeAction(
      'resendEnvelope',
      'Correct and resend a declined envelope',
      'The declined envelope goes back to `sent`, in the same audit chain (`envelope.resent`). `name` and `email` correct the recipient who declined. ' +
        'A corrected PDF for a document, as the multipart file `documents[<documentId>]`, becomes that document\'s next revision (`original`; earlier revisions, signed ones included, stay) ' +
        'and is prepared for signing again; `document.replaced` records the hashes and page counts of both versions. Signatures and approvals on the replaced version do not cover the new one: ' +
        'every signer and approver who had acted does so again, in routing order, and must read the new version before signing. ' +
        'A file that is not a usable PDF answers 422 (`pdf_invalid`, `pdf_encrypted`…) naming it; a placed signature field on a page the corrected file no longer has answers 422 `placement_invalid` naming it; in both cases nothing changes. ' +
        '409 `illegal_transition` when the envelope is not declined, `envelope_deadline_passed` after its deadline.',
      {
        requestBody: {
          required: false,
          content: {
            'application/json': { schema: ref('ResendRequest') },
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  name: { type: 'string', maxLength: 200, description: 'Corrected name of the recipient who declined.' },
                  email: { type: 'string', maxLength: 320, description: 'Corrected e-mail address of the recipient who declined.' },
                },
                additionalProperties: { type: 'string', contentMediaType: 'application/pdf', description: 'A corrected PDF, as the file `documents[<documentId>]` for the document with that id.' },
              },
            },
          },
        },
      },
    ),
  },
  '/envelopes/{id}/remind': {
    parameters: [param('EnvelopeId')],
    post: {
      ...envelopeAction('remindEnvelope', 'Remind the recipients whose turn it is', 'Sends a fresh link to every recipient who still has to act.'),
      responses: { '200': ok('The envelope and who was reminded.', 'RemindedEnvelope'), ...envelopeMissing, ...idempotent, ...authenticated },
    },
  },
  '/envelopes/{id}/documents/{docId}': {
    parameters: [param('EnvelopeId'), param('DocumentId')],
    get: {
      operationId: 'downloadDocument',
      summary: 'Download the current PDF of a document',
      description: 'With every signature applied so far. Each download is recorded in the audit trail as `document.downloaded` with the API key as actor.',
      tags: ['Envelopes'],
      responses: { '200': pdf, '404': problem('DocumentNotFound'), '503': problem('BlobStoreUnavailable'), ...authenticated },
    },
  },
  '/envelopes/{id}/documents/{docId}/original': {
    parameters: [param('EnvelopeId'), param('DocumentId')],
    get: {
      operationId: 'downloadOriginalDocument',
      summary: 'Download a document as uploaded',
      description: 'Recorded in the audit trail as `document.downloaded` (variant `original`) with the API key as actor.',
      tags: ['Envelopes'],
      responses: { '200': pdf, '404': problem('DocumentNotFound'), '503': problem('BlobStoreUnavailable'), ...authenticated },
    },
  },
  '/envelopes/{id}/audit': {
    parameters: [param('EnvelopeId')],
    get: {
      operationId: 'getEnvelopeAudit',
      summary: 'Get the audit trail of an envelope',
      description:
        'Hash-chained events, oldest first. `format=csv` gives one row per event with exactly the hashed fields under their column names ' +
        '(`details` as canonical JSON) and the `hash`: RFC 4180, UTF-8 with a byte order mark, CRLF line ends, null as an empty field. ' +
        "A field starting with `=`, `+`, `-`, `@`, tab, CR or `'` has a `'` in front, so that no spreadsheet runs it as a formula; drop it to recompute the hash. " +
        'Each download is recorded in the trail as `audit.exported` (format `json` or `csv`) with the API key as actor, after the events it returns.',
      tags: ['Envelopes'],
      parameters: [{ name: 'format', in: 'query', description: 'JSON (the default) or CSV.', schema: { type: 'string', enum: ['json', 'csv'], default: 'json' } }],
      responses: {
        '200': {
          description: 'The audit trail.',
          content: {
            ...json('AuditTrail'),
            'text/csv': { schema: { type: 'string', contentMediaType: 'text/csv', description: `Header row: ${AUDIT_CSV_COLUMNS.join(',')}.` } },
          },
        },
        '400': problem('BadRequest'),
        ...envelopeMissing,
        ...authenticated,
      },
    },
  },
  '/envelopes/{id}/audit-report': {
    parameters: [param('EnvelopeId')],
    get: {
      operationId: 'getEnvelopeAuditReport',
      summary: 'Download the sealed audit report of a closed envelope',
      description:
        'A PDF listing the envelope, each document with its original and final SHA-256 and page count, each recipient, every event ' +
        '(time in Europe/Brussels, actor, IP address, user agent, certificate of each signature) and the final hash of the chain. ' +
        'It is sealed (PAdES, invisible signature, reason "Auditrapport") with the organisation\'s seal certificate. Made on request ' +
        'once the envelope is completed, declined, cancelled or expired; an open envelope answers 409 `envelope_open`. ' +
        'Each download is recorded in the trail as `audit.exported` (format `report`) with the API key as actor, after the events the report shows.',
      tags: ['Envelopes'],
      parameters: [param('ReportLanguage')],
      responses: { '200': sealedPdf, '400': problem('BadRequest'), ...envelopeMissing, '409': problem('EnvelopeOpen'), '503': problem('SigningUnavailable'), ...authenticated },
    },
  },
  '/envelopes/{id}/bundle': {
    parameters: [param('EnvelopeId')],
    get: {
      operationId: 'getEnvelopeBundle',
      summary: 'Download the evidence bundle of a closed envelope',
      description:
        'A ZIP with the signed PDFs (`documents/<name>.pdf`, current revisions, byte for byte the document downloads), the sealed ' +
        '`audit-report.pdf`, `audit-events.json` (every event as the exact hashed fields, one per line) and `README.txt` (Dutch, then ' +
        'English) on checking each part without Paraaf. Same availability as the audit report. Each download is recorded in the ' +
        'trail as `audit.exported` (format `bundle`) with the API key as actor, after the events the bundle holds.',
      tags: ['Envelopes'],
      parameters: [param('ReportLanguage')],
      responses: {
        '200': { description: 'The bundle.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } },
        '400': problem('BadRequest'),
        ...envelopeMissing,
        '409': problem('EnvelopeOpen'),
        '503': problem('SigningUnavailable'),
        ...authenticated,
      },
    },
  },
  '/webhooks': {
    post: {
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to events',
      description:
        'The answer holds the signing `secret`; it is never shown again. Deliveries go to public addresses only: a URL whose host is an internal IP address (private, loopback, link-local, …) answers 422 `webhook_address_refused`, and a host name that resolves to one is refused at delivery.',
      tags: ['Webhooks'],
      parameters: [param('IdempotencyKey')],
      requestBody: { required: true, content: json('WebhookInput') },
      responses: { '201': ok('The webhook with its secret.', 'CreatedWebhook'), '400': problem('BadRequest'), ...idempotent, ...authenticated },
    },
    get: {
      operationId: 'listWebhooks',
      summary: 'List webhooks',
      tags: ['Webhooks'],
      responses: { '200': ok('Every live webhook of the organisation.', 'WebhookList'), ...authenticated },
    },
  },
  '/webhooks/{id}': {
    parameters: [param('WebhookId')],
    get: {
      operationId: 'getWebhook',
      summary: 'Get a webhook',
      tags: ['Webhooks'],
      responses: { '200': ok('The webhook (without its secret).', 'Webhook'), ...webhookMissing, ...authenticated },
    },
    delete: {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook',
      description: 'No more events are queued for it; deliveries still queued are given up (`dead`).',
      tags: ['Webhooks'],
      responses: { '204': { description: 'Deleted.' }, ...webhookMissing, ...authenticated },
    },
  },
  '/webhooks/{id}/deliveries': {
    parameters: [param('WebhookId')],
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'List the deliveries of a webhook',
      description: 'Newest first, with attempts, the last error and the next attempt.',
      tags: ['Webhooks'],
      parameters: [param('Limit'), param('Cursor')],
      responses: { '200': ok('A page of deliveries.', 'WebhookDeliveryPage'), '400': problem('BadRequest'), ...webhookMissing, ...authenticated },
    },
  },
};
