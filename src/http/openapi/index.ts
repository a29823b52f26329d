/**
 * The OpenAPI 3.1 description of `/api/v1` (DESIGN §7), served at `/openapi.json` and rendered
 * at `/docs`. Written by hand as a typed object; `test/integration/openapi` checks that every
 * registered route is here and that real answers validate, and `npm run lint:openapi` lints it.
 */
import { WEBHOOK_SIGNATURE_HEADER } from '../../notify/index.ts';
import { WEBHOOK_EVENTS } from '../routes/webhooks.ts';
import { mandatePaths, mandateSchemas } from './mandates.ts';
import { mandateImportPaths, mandateImportSchemas } from './mandates-import.ts';
import { paths } from './paths.ts';
import { pkiPaths } from './pki-paths.ts';
import { ref, schemas } from './schemas.ts';
import type { OpenApiDocument, PathItem, Response } from './types.ts';

export type { OpenApiDocument } from './types.ts';

export const API_BASE_PATH = '/api/v1';

const problemResponse = (description: string): Response => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

const EVENT_DESCRIPTIONS: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  'envelope.sent': 'The envelope was sent: the first routing order has its links.',
  'recipient.signed': 'A recipient signed (or approved); `data.recipient` says who.',
  'recipient.declined': 'A recipient declined; the envelope is declined.',
  'envelope.completed': 'Every recipient has acted; the signed PDFs are final.',
  'envelope.cancelled': 'Staff cancelled the envelope.',
  'envelope.expired': 'The envelope passed its expiry date unsigned.',
};

function webhookEvents(): Record<string, PathItem> {
  return Object.fromEntries(
    WEBHOOK_EVENTS.map((event) => [
      event,
      {
        post: {
          operationId: `webhook_${event.replace('.', '_')}`,
          summary: event,
          description: `${EVENT_DESCRIPTIONS[event]} Sent as a POST to each webhook subscribed to \`${event}\`, at least once: deduplicate on \`Paraaf-Delivery\`. Any 2xx acknowledges; anything else is retried with backoff.`,
          tags: ['Webhooks'],
          security: [],
          parameters: [
            { $ref: '#/components/parameters/ParaafSignature' },
            { name: 'Paraaf-Event', in: 'header', required: true, description: 'The event type, as in the body.', schema: { type: 'string', const: event } },
            { name: 'Paraaf-Delivery', in: 'header', required: true, description: 'Delivery id; the same on every retry.', schema: { type: 'string', format: 'uuid' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookEvent') } } },
          responses: {
            '200': { description: 'Any 2xx acknowledges the delivery.' },
            '400': { description: 'Any other status (or no answer within 10 s) is retried.' },
          },
        },
      } satisfies PathItem,
    ]),
  );
}

export function openApiDocument(options: { serverUrl: string; version: string }): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Paraaf API',
      version: options.version,
      description:
        'Envelopes of PDFs to be signed (PAdES) by one or more people in order, their audit trail, signature validation and webhooks. ' +
        'Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 `application/problem+json` with a stable `code`. ' +
        'POST requests honour `Idempotency-Key`.',
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: `${options.serverUrl.replace(/\/+$/, '')}${API_BASE_PATH}`, description: 'This Paraaf instance.' }],
    security: [{ apiKey: [] }],
    tags: [
      { name: 'Envelopes', description: 'Documents to sign, who signs them, and in which order.' },
      { name: 'Meetings', description: 'A sitting of a decision body whose decisions and minutes are sent together: one request mail per signer, one link to sign them all in agenda order.' },
      { name: 'Mandates', description: 'The functions a signing route can name, who holds them or substitutes for them from when to when, absences, and the register of delegations of signing (Decreet Lokaal Bestuur art. 280 and 283).' },
      { name: 'Validation', description: 'Check the signatures in any PDF.' },
      { name: 'Webhooks', description: `Event notifications, signed with the \`${WEBHOOK_SIGNATURE_HEADER}\` header.` },
      { name: 'PKI', description: 'What the organisations\' CAs publish: certificates, CRLs, OCSP, and the built-in TSA. Public.' },
    ],
    paths: { ...paths, ...mandatePaths, ...mandateImportPaths, ...pkiPaths(options.serverUrl) },
    webhooks: webhookEvents(),
    components: {
      schemas: { ...schemas, ...mandateSchemas, ...mandateImportSchemas },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`pk_…`), made with `npm run cli -- api-key create`.' },
      },
      parameters: {
        EnvelopeId: { name: 'id', in: 'path', required: true, description: 'Envelope id.', schema: { type: 'string', format: 'uuid' } },
        DocumentId: { name: 'docId', in: 'path', required: true, description: 'Document id.', schema: { type: 'string', format: 'uuid' } },
        MeetingId: { name: 'id', in: 'path', required: true, description: 'Meeting id.', schema: { type: 'string', format: 'uuid' } },
        WebhookId: { name: 'id', in: 'path', required: true, description: 'Webhook id.', schema: { type: 'string', format: 'uuid' } },
        ReportLanguage: { name: 'lang', in: 'query', description: 'Language of the audit report: Dutch (the default), English or French.', schema: { type: 'string', enum: ['nl', 'en', 'fr'], default: 'nl' } },
        Limit: { name: 'limit', in: 'query', description: 'Page size.', schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } },
        Cursor: { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page.', schema: { type: 'string' } },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          description:
            'Makes a retried POST act once: the same key and request get the stored answer (with `Idempotent-Replayed: true`). ' +
            'A key whose request never answered (the server stopped mid-request) is free again after 60 seconds (IDEMPOTENCY_LEASE_SECONDS); keys are kept 24 hours.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        },
        ParaafSignature: {
          name: WEBHOOK_SIGNATURE_HEADER,
          in: 'header',
          required: true,
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256>`: the HMAC, keyed with the webhook secret, of the string `<t>.<raw body>`. ' +
            'Recompute it over the body exactly as received, compare in constant time and reject a `t` more than 5 minutes away. ' +
            'Several `v1` values may appear while a secret is rotated; any one matching is enough.',
          schema: { type: 'string', pattern: '^t=\\d+(,v1=[0-9a-f]{64})+$' },
        },
      },
      headers: {},
      responses: {
        BadRequest: problemResponse('The request is invalid (`invalid_request`, `file_missing`, `json_malformed`…); `detail` names the fields.'),
        Unauthorized: problemResponse('No API key, or an unknown or revoked one (`unauthorized`).'),
        EnvelopeNotFound: problemResponse('No such envelope in this organisation (`envelope_not_found`).'),
        DocumentNotFound: problemResponse('No such document in this envelope (`document_not_found`).'),
        MeetingNotFound: problemResponse('No such meeting in this organisation (`meeting_not_found`).'),
        WebhookNotFound: problemResponse('No such webhook in this organisation (`webhook_not_found`).'),
        IdempotencyInProgress: problemResponse('A request with this Idempotency-Key is still running (`idempotency_request_in_progress`), or the envelope cannot make this transition (`illegal_transition`).'),
        UnprocessableEntity: problemResponse('The Idempotency-Key was used for another request (`idempotency_key_reused`), or the PDF cannot be used (`pdf_invalid`, `pdf_encrypted`…), or a webhook URL names an internal address (`webhook_address_refused`).'),
        EnvelopeOpen: problemResponse('The envelope is still open (`envelope_open`): the audit report and bundle exist once it is completed, declined, cancelled or expired.'),
        SigningUnavailable: problemResponse('No organisation seal is loaded, so nothing can be sealed (`signing_unavailable`).'),
        BlobStoreUnavailable: problemResponse('The document store (BLOB_STORE: the database or S3-compatible storage) does not answer at the moment (`blob_store_unavailable`); try again later.'),
        PayloadTooLarge: problemResponse('An upload exceeds MAX_UPLOAD_MB (`payload_too_large`).'),
        UnsupportedMediaType: problemResponse('The body is not multipart/form-data (`unsupported_media_type`).'),
        InternalError: problemResponse('Something failed on our side (`internal_error`); quote `requestId`.'),
      },
    },
  };
}
