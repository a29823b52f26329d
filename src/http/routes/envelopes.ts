/**
 * `/api/v1/envelopes` (DESIGN §7): create (multipart `documents` + `envelope` JSON), list, get,
 * send, cancel, remind and document downloads (the audit trail, report and bundle are in
 * envelope-audit.ts). Everything is scoped to the authenticated organisation: another organisation's envelope is as absent as an unknown one
 * (404 `envelope_not_found`, never 403, so ids cannot be probed).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { SIGNATURE_LEVELS } from '../../domain/index.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { receiveUpload, removeUploads, temporaryPdfStorage, uploadedDocumentName, uploadedFiles, utf8Multer } from '../upload.ts';
import { AppError, ValidationError } from '../../errors.ts';
import {
  cancelEnvelope,
  ENVELOPE_KINDS,
  createAndSendEnvelope,
  createEnvelope,
  downloadDocument,
  getEnvelope,
  listEnvelopes,
  remindEnvelope,
  resendEnvelope,
  sendEnvelope,
  type CreateEnvelopeInput,
  type StaffRequest,
} from '../../workflow/index.ts';
import { requireEnvelopeOf } from '../../workflow/require-envelope.ts';
import { principalOf } from '../auth.ts';
import { respondIdempotently } from '../idempotency.ts';
import { sendBlob } from '../send-blob.ts';
import { correctedDocuments, correctedDocumentsUpload } from '../corrected-documents.ts';

const MAX_DOCUMENTS = 100;
/** The `envelope` JSON field: recipients and fields, never documents. */
const MAX_ENVELOPE_FIELD_BYTES = 256 * 1024;

const fieldSchema = z.strictObject({
  document: z.number().int().nonnegative(),
  recipient: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  x: z.number().nonnegative(),
  y: z.number().nonnegative(),
  width: z.number().positive(),
  height: z.number().positive(),
});

const recipientSchema = z
  .strictObject({
    person: z.string().optional(),
    name: z.string().optional(),
    email: z.string().optional(),
    role: z.enum(['signer', 'approver', 'cc']),
    signatureLevel: z.enum(SIGNATURE_LEVELS).optional(),
    order: z.number().int().positive().default(1),
    function: z.string().nullish(),
    language: z.string().optional(),
    /** Issue 12: a function of the organisation, resolved to whoever signs for it on the day; with an optional chosen delegation. */
    functionId: z.string().min(1).max(64).optional(),
    delegationId: z.string().min(1).max(64).optional(),
  })
  .superRefine((recipient, ctx) => {
    if (recipient.functionId !== undefined) {
      for (const key of ['person', 'name', 'email', 'function', 'language'] as const) {
        if (recipient[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'not with "functionId": the function gives the person' });
      }
      return;
    }
    if (recipient.delegationId !== undefined) ctx.addIssue({ code: 'custom', path: ['delegationId'], message: 'needs "functionId"' });
    if (recipient.person !== undefined) return;
    if (recipient.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'required unless "person" or "functionId" is given' });
    if (recipient.email === undefined) ctx.addIssue({ code: 'custom', path: ['email'], message: 'required unless "person" or "functionId" is given' });
  });

const envelopeSchema = z.strictObject({
  title: z.string().trim().min(1).max(500),
  message: z.string().max(5000).nullish(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  requireCode: z.boolean().optional(),
  body: z.string().trim().min(1).max(200).optional(),
  onBehalfOf: z.string().trim().min(1).max(200).optional(),
  signatureLevel: z.enum(SIGNATURE_LEVELS).optional(),
  recipients: z.array(recipientSchema).min(1).max(50),
  fields: z.array(fieldSchema).max(500).default([]),
  send: z.boolean().default(false),
  /** Issue 12: the draft meeting it belongs to, its agenda item and position, and what it is. */
  meetingId: z.string().min(1).max(64).optional(),
  agendaItem: z.string().trim().min(1).max(50).optional(),
  agendaPosition: z.number().int().nonnegative().max(100_000).optional(),
  kind: z.enum(ENVELOPE_KINDS).optional(),
});

type EnvelopeRequest = z.output<typeof envelopeSchema>;

/** `recipients[0].email: Invalid input` style, each issue naming its field. */
function describeIssues(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`), prefix);
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function parseEnvelopeField(raw: unknown): EnvelopeRequest {
  if (raw === undefined) throw new ValidationError('The multipart field "envelope" (JSON) is required.');
  if (typeof raw !== 'string') throw new ValidationError('The multipart field "envelope" must be sent once, as a JSON string.');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ValidationError(`The field "envelope" is not valid JSON: ${(error as Error).message}.`);
  }
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`Invalid envelope: ${describeIssues('envelope', parsed.error)}.`);
  if (parsed.data.send && parsed.data.meetingId) throw new ValidationError('Invalid envelope: an envelope of a meeting is sent with its meeting (POST /meetings/{id}/send), not with "send".');
  const fields = parsed.data.fields;
  for (const [index, field] of fields.entries()) {
    if (field.recipient >= parsed.data.recipients.length) {
      throw new ValidationError(`Invalid envelope: envelope.fields[${index}].recipient: there is no recipient ${field.recipient} (recipients are numbered from 0).`);
    }
  }
  return parsed.data;
}

function toCreateInput(request: EnvelopeRequest, documents: CreateEnvelopeInput['documents']): CreateEnvelopeInput {
  return {
    title: request.title,
    message: request.message,
    expiresAt: request.expiresAt === undefined ? undefined : new Date(request.expiresAt),
    requireCode: request.requireCode,
    routeName: request.body,
    onBehalfOf: request.onBehalfOf,
    signatureLevel: request.signatureLevel,
    meetingId: request.meetingId,
    agendaItem: request.agendaItem,
    agendaPosition: request.agendaPosition,
    kind: request.kind,
    documents,
    recipients: request.recipients.map((recipient, index) => ({
      personId: recipient.person,
      functionId: recipient.functionId,
      delegationId: recipient.delegationId,
      name: recipient.name,
      email: recipient.email,
      function: recipient.function,
      language: recipient.language,
      role: recipient.role,
      signatureLevel: recipient.signatureLevel,
      routingOrder: recipient.order,
      fields: request.fields
        .filter((field) => field.recipient === index)
        .map((field) => ({ document: field.document, page: field.page, x: field.x, y: field.y, width: field.width, height: field.height })),
    })),
  };
}

function uploadMiddleware(tmpDir: string, maxBytes: number) {
  const storage = temporaryPdfStorage(tmpDir, 'envelope');
  return utf8Multer({
    storage,
    limits: { fileSize: maxBytes, files: MAX_DOCUMENTS, fields: 10, parts: MAX_DOCUMENTS + 10, fieldSize: MAX_ENVELOPE_FIELD_BYTES },
  }).fields([{ name: 'documents', maxCount: MAX_DOCUMENTS }]);
}



/** The API key as actor of a use case, with the request's origin. */
export function staffRequest(req: Request, res: Response): StaffRequest {
  const principal = principalOf(res);
  return {
    organisationId: principal.organisationId,
    actor: { kind: 'api_key', id: principal.apiKeyId, label: 'API key' },
    origin: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
  };
}

/** The envelope of this organisation, or 404 (unknown, another organisation's, or not a uuid). */
export async function requireEnvelope(deps: Deps, organisationId: string, envelopeId: string): Promise<void> {
  await requireEnvelopeOf(deps.workflow, organisationId, envelopeId);
}

export function paramOf(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

function parseLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) throw new ValidationError('limit must be a whole number from 1 to 100.');
  return Number(value);
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`${name} must be given once.`);
  return value;
}

const cancelSchema = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
const resendSchema = z.strictObject({ name: z.string().max(200).optional(), email: z.string().max(320).optional() });

export function envelopesRouter(deps: Deps): Router {
  const router = Router();
  const upload = uploadMiddleware(path.join(deps.config.dataDir, 'tmp'), deps.config.maxUploadBytes);

  router.post('/envelopes', async (req, res) => {
    if (!req.is('multipart/form-data')) {
      throw new AppError('unsupported_media_type', 415, 'Send multipart/form-data with one or more "documents" files and an "envelope" JSON field.');
    }
    const request = staffRequest(req, res);
    let documents: CreateEnvelopeInput['documents'];
    let envelope: EnvelopeRequest;
    try {
      await receiveUpload(upload, req, res);
      envelope = parseEnvelopeField((req.body as Record<string, unknown> | undefined)?.envelope);
      const files = uploadedFiles(req);
      if (files.length === 0) throw new ValidationError('Upload at least one PDF in the field "documents".');
      documents = await Promise.all(files.map(async (file, index) => ({ name: uploadedDocumentName(file.originalname, index), pdf: await fs.readFile(file.path) })));
    } finally {
      await removeUploads(req);
    }
    for (const [index, field] of envelope.fields.entries()) {
      if (field.document >= documents.length) {
        throw new ValidationError(`Invalid envelope: envelope.fields[${index}].document: there is no document ${field.document} (documents are numbered from 0 in upload order).`);
      }
    }
    const fingerprint = {
      envelope,
      documents: documents.map((d) => ({ name: d.name, sha256: createHash('sha256').update(d.pdf).digest('hex') })),
    };
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint }, async () => {
      const input = { ...request, ...toCreateInput(envelope, documents) };
      const body = envelope.send ? await createAndSendEnvelope(deps.workflow, input) : await createEnvelope(deps.workflow, input);
      return { status: 201, body };
    });
  });

  router.get('/envelopes', async (req, res) => {
    const { organisationId } = principalOf(res);
    const page = await listEnvelopes(deps.workflow, {
      organisationId,
      status: optionalString('status', req.query.status),
      limit: parseLimit(req.query.limit),
      cursor: optionalString('cursor', req.query.cursor),
    });
    res.set('Cache-Control', 'no-store').json(page);
  });

  router.get('/envelopes/:id', async (req, res) => {
    const { organisationId } = principalOf(res);
    const envelopeId = paramOf(req, 'id');
    await requireEnvelope(deps, organisationId, envelopeId);
    res.set('Cache-Control', 'no-store').json(await getEnvelope(deps.workflow, { organisationId, envelopeId }));
  });

  router.post('/envelopes/:id/send', async (req, res) => {
    const request = staffRequest(req, res);
    const envelopeId = paramOf(req, 'id');
    await requireEnvelope(deps, request.organisationId, envelopeId);
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: null }, async () => ({
      status: 200,
      body: await sendEnvelope(deps.workflow, { ...request, envelopeId }),
    }));
  });

  router.post('/envelopes/:id/cancel', async (req, res) => {
    const request = staffRequest(req, res);
    const envelopeId = paramOf(req, 'id');
    await requireEnvelope(deps, request.organisationId, envelopeId);
    const parsed = cancelSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(`Invalid request: ${describeIssues('body', parsed.error)}.`);
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: parsed.data }, async () => ({
      status: 200,
      body: await cancelEnvelope(deps.workflow, { ...request, envelopeId, reason: parsed.data.reason }),
    }));
  });

  router.post('/envelopes/:id/remind', async (req, res) => {
    const request = staffRequest(req, res);
    const envelopeId = paramOf(req, 'id');
    await requireEnvelope(deps, request.organisationId, envelopeId);
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: null }, async () => {
      const { envelope, reminded } = await remindEnvelope(deps.workflow, { ...request, envelopeId });
      return { status: 200, body: { ...envelope, reminded } };
    });
  });

  // Correct and resend a declined envelope (issue 12): JSON `{ name, email }`, or multipart with those fields and a
  // corrected PDF per document as `documents[<documentId>]`.
  const resendUpload = correctedDocumentsUpload(deps, (_req, _res, next) => next());
  router.post('/envelopes/:id/resend', resendUpload, async (req, res) => {
    const request = staffRequest(req, res);
    const envelopeId = paramOf(req, 'id');
    await requireEnvelope(deps, request.organisationId, envelopeId);
    const parsed = resendSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(`Invalid request: ${describeIssues('body', parsed.error)}.`);
    const documents = await correctedDocuments(req, (field) => /^documents\[([0-9a-f-]{36})\]$/.exec(field)?.[1]);
    const fingerprint = { ...parsed.data, documents: documents.map((d) => ({ documentId: d.documentId, sha256: createHash('sha256').update(d.pdf).digest('hex') })) };
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint }, async () => ({
      status: 200,
      body: await resendEnvelope(deps.workflow, { ...request, envelopeId, ...parsed.data, documents }),
    }));
  });

  /** Each download is recorded as `document.downloaded` with the API key as actor, like a staff download. */
  const download = (which: 'current' | 'original') => async (req: Request, res: Response) => {
    const request = staffRequest(req, res);
    const envelopeId = paramOf(req, 'id');
    await requireEnvelope(deps, request.organisationId, envelopeId);
    const document = await downloadDocument(deps.workflow, { ...request, envelopeId, documentId: paramOf(req, 'docId'), variant: which });
    const base = document.name.replace(/\.pdf$/i, '');
    res
      .set('Cache-Control', 'private, no-store')
      .set('ETag', `"${document.sha256}"`)
      .set('Content-Disposition', attachmentDisposition(which === 'current' ? `${base}.pdf` : `${base} (original).pdf`))
      .type('application/pdf');
    await sendBlob(req, res, document.pdf, document.size);
  };
  router.get('/envelopes/:id/documents/:docId', download('current'));
  router.get('/envelopes/:id/documents/:docId/original', download('original'));

  return router;
}
