/**
 * `/app/send` and `/app/people/search` (issue 5, "Send"): staff upload one or many PDFs, choose a
 * signing-route template of their organisation or people from its directory, optionally place
 * each signer's box, and send — one envelope per PDF or one envelope with all documents.
 *
 * Everything is checked before anything is created (every PDF inspected, every person looked up
 * in this organisation); then all envelopes are created and sent in ONE transaction, so a failure
 * leaves nothing half-sent. Without JavaScript the form posts as multipart and answers HTML (the
 * page again with its errors, or 303 to `/app?sent=N`); the script asks for JSON instead
 * (`Accept: application/json`: `{ redirect }` or 422 `{ errors }`) so it can show upload progress.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { Deps } from '../../../deps.ts';
import { AppError } from '../../../errors.ts';
import { inspectPdf } from '../../../pdf/index.ts';
import { brusselsDay } from '../../../domain/mandates.ts';
import { organisationOf, peopleOf, personOf, type Organisation, type Person } from '../../../workflow/staff-directory.ts';
import { routeSignersOn, type RouteStepSigners } from '../../../workflow/signing-routes.ts';
import type { Language } from '../../../web/i18n/index.ts';
import { colonIn } from '../../../notify/index.ts';
import { dayText, inSentence, sendPage, stepSignerText, PERSON_ROWS, RECIPIENT_ROLES, SIGNATURE_LEVELS, type RecipientRole, type RouteSignersView, type SendFormValues, type SendRouteOption, type SignatureLevel } from '../../../web/staff/send-page.ts';
import { sendTranslator, type SendTranslate } from '../../../web/staff/send-i18n.ts';
import { staffLayout } from '../../../web/staff/layout.ts';
import { createAndSendEnvelope, DEFAULT_EXPIRY_DAYS, type CreateEnvelopeInput, type EnvelopeDto } from '../../../workflow/index.ts';
import { inTransaction } from '../../../workflow/transaction.ts';
import { removeUploadsWhenAnswered, temporaryPdfStorage, uploadedDocumentName, uploadedFiles, utf8Multer } from '../../upload.ts';
import { staffCsrfToken, verifyStaffCsrf } from '../../staff/csrf.ts';
import { requireStaff, staffLanguageOf, staffOf } from '../../staff/session.ts';

export const MAX_SEND_FILES = 50;
/** Person rows the form may post (the page shows PERSON_ROWS; the script can add more). */
const MAX_PERSON_ROWS = 50;
const MAX_PLACEMENTS = 500;
const SEARCH_LIMIT = 20;
const DAY_MS = 86_400_000;
const MAX_DEADLINE_DAYS = 365;

interface RouteStep {
  /** Exactly one of the two: a person of the directory, or (issue 12) a function resolved on the day. */
  personId?: string;
  functionId?: string;
  role: RecipientRole;
  order: number;
  /** Set when the step asks for a qualified signature (issue 13); otherwise the form's level applies. */
  signatureLevel?: SignatureLevel;
}
interface RouteTemplate {
  id: string;
  name: string;
  steps: RouteStep[];
}

interface Recipient {
  /** For a function step: who signs for it today (the delegate when one was chosen). */
  person: Pick<Person, 'id' | 'name'>;
  role: RecipientRole;
  order: number;
  signatureLevel?: SignatureLevel;
  functionId?: string;
  delegationId?: string;
}

interface Placement {
  personId: string;
  document: number;
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The organisation's route templates, read defensively: settings are JSON edited elsewhere. */
export function routeTemplates(organisation: Organisation | null): RouteTemplate[] {
  const raw = organisation?.settings.routes;
  if (!Array.isArray(raw)) return [];
  const routes: RouteTemplate[] = [];
  for (const item of raw as unknown[]) {
    if (!item || typeof item !== 'object') continue;
    const { id, name, steps } = item as Record<string, unknown>;
    if (typeof id !== 'string' || typeof name !== 'string' || !Array.isArray(steps)) continue;
    const parsed: RouteStep[] = [];
    for (const step of steps as unknown[]) {
      const s = (step ?? {}) as Record<string, unknown>;
      const order = Number(s.order);
      const who = typeof s.personId === 'string' ? { personId: s.personId } : typeof s.functionId === 'string' ? { functionId: s.functionId } : null;
      if (!who || !RECIPIENT_ROLES.includes(s.role as RecipientRole) || !Number.isInteger(order) || order < 1) continue;
      parsed.push({ ...who, role: s.role as RecipientRole, order, ...(s.signatureLevel === 'qualified' && s.role === 'signer' ? { signatureLevel: 'qualified' as const } : {}) });
    }
    routes.push({ id, name, steps: parsed.sort((a, b) => a.order - b.order) });
  }
  return routes;
}

function expiryDays(organisation: Organisation | null): number {
  const days = Number(organisation?.settings.defaultExpiryDays);
  return Number.isInteger(days) && days >= 1 && days <= MAX_DEADLINE_DAYS ? days : DEFAULT_EXPIRY_DAYS;
}

/** 23:59:59 on that day in Europe/Brussels, or null for something that is not a date. */
export function endOfBrusselsDay(date: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const noonUtc = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(noonUtc.getTime()) || noonUtc.toISOString().slice(0, 10) !== date) return null;
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Brussels', timeZoneName: 'longOffset' }).formatToParts(noonUtc).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+01:00';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offset);
  const minutes = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 60;
  return new Date(Date.parse(`${date}T23:59:59Z`) - minutes * 60_000);
}

/** One value of a form field (multer makes an array of a repeated one; we take the first). */
function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function fieldList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
}

function titleFromName(name: string): string {
  return name.replace(/\.pdf$/i, '').replace(/[_]+/g, ' ').trim().slice(0, 500) || name;
}

function pdfProblem(t: SendTranslate, error: unknown): string {
  if (!(error instanceof AppError)) return t('send.error.pdfOther');
  switch (error.code) {
    case 'pdf_invalid':
      return t('send.error.pdfInvalid');
    case 'pdf_encrypted':
      return t('send.error.pdfEncrypted');
    case 'pdf_locked':
      return t('send.error.pdfLocked');
    case 'pdf_too_complex':
      return t('send.error.pdfTooComplex');
    default:
      return t('send.error.pdfOther');
  }
}


function wantsJson(req: Request): boolean {
  return req.accepts(['text/html', 'application/json']) === 'application/json';
}

/** The field of the delegation chosen for step `index` of a route (issue 12). */
export function delegationField(routeId: string, index: number): string {
  return `delegation-${routeId}-${index}`;
}

/** Who signs for each function step of the route on `day` (null for a route naming only people). */
export async function routeSigners(deps: Deps, organisationId: string, route: RouteTemplate, day: string, kind: 'decision' | null): Promise<RouteStepSigners[] | null> {
  return route.steps.some((s) => s.functionId) ? routeSignersOn(deps.workflow, organisationId, route.steps, day, kind) : null;
}

/** The pages' view of each route with function steps, with the delegation chosen per step from the posted form. */
export async function routeSignersViews(deps: Deps, organisationId: string, routes: readonly RouteTemplate[], day: string, kind: 'decision' | null, body: Record<string, unknown> = {}): Promise<RouteSignersView[]> {
  const views: RouteSignersView[] = [];
  for (const route of routes) {
    const steps = await routeSigners(deps, organisationId, route, day, kind);
    if (!steps) continue;
    const chosen = Object.fromEntries(steps.map((s) => [s.index, field(body, delegationField(route.id, s.index))]));
    views.push({ routeId: route.id, routeName: route.name, day, steps, chosen });
  }
  return views;
}

/**
 * The recipients of a route with function steps as chosen on a page (issue 12), or the page's error messages:
 * a step nobody can sign that day, or a delegation that no longer covers it.
 */
export function chosenRouteRecipients(t: SendTranslate, language: Language, day: string, route: RouteTemplate, steps: readonly RouteStepSigners[], body: Record<string, unknown>): { recipients: Recipient[]; errors: string[] } {
  const recipients: Recipient[] = [];
  const errors: string[] = [];
  for (const [index, step] of route.steps.entries()) {
    const signers = steps[index]!;
    const chosen = step.functionId ? field(body, delegationField(route.id, index)) : '';
    const delegation = chosen ? signers.delegations.find((d) => d.id === chosen) : undefined;
    if (chosen && !delegation) {
      errors.push(t('send.error.delegation', { function: inSentence(signers.functionName ?? ''), day: dayText(day, language) }));
      continue;
    }
    const person = delegation ? delegation.delegate : signers.person;
    if (!person || (signers.problem && !delegation)) {
      errors.push(stepSignerText(t, language, day, signers));
      continue;
    }
    recipients.push({
      person,
      role: step.role,
      order: step.order,
      signatureLevel: step.signatureLevel,
      ...(step.functionId ? { functionId: step.functionId, ...(delegation ? { delegationId: delegation.id } : {}) } : {}),
    });
  }
  return { recipients, errors };
}

/** "Algemeen directeur: An Dewaele (ondertekent) → …", with who signs each function step today (the fieldset says more). */
function summary(t: SendTranslate, language: Language, route: RouteTemplate, people: Map<string, Person>, signers: RouteSignersView | undefined): string {
  return route.steps
    .map((s, i) => {
      const step = signers?.steps[i];
      const who = s.functionId ? `${step?.function ?? step?.functionName ?? '?'}${colonIn(language)} ${step?.person?.name ?? '—'}` : (people.get(s.personId ?? '')?.name ?? '?');
      return `${who} (${t(`send.role.${s.role}`)})`;
    })
    .join(' → ');
}

/** A refusal of createEnvelope about a function step, in the staff member's words; null for any other. */
export function functionProblem(t: SendTranslate, error: AppError): string | null {
  switch (error.code) {
    case 'delegation_minutes_refused':
      return t('send.error.minutesDelegation');
    case 'function_vacant':
    case 'function_everyone_absent':
      return t('send.error.functionNobody');
    case 'delegation_not_valid':
    case 'delegation_not_found':
      return t('send.error.delegationGone');
    case 'function_not_found':
      return t('send.signers.functionMissing');
    default:
      return null;
  }
}

function normalise(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function staffSendRouter(deps: Deps): Router {
  const router = Router();
  const storage = temporaryPdfStorage(path.join(deps.config.dataDir, 'tmp'), 'staff-send');
  const multipart = utf8Multer({
    storage,
    limits: { fileSize: deps.config.maxUploadBytes, files: MAX_SEND_FILES, fields: 20 + 3 * MAX_PERSON_ROWS + MAX_SEND_FILES + MAX_PLACEMENTS, fieldSize: 16 * 1024 },
  }).fields([{ name: 'documents', maxCount: MAX_SEND_FILES }]);
  const maxFileMb = Math.floor(deps.config.maxUploadBytes / (1024 * 1024));

  /** Receives the upload before the CSRF check (the token is a multipart field); files are removed when the answer ends. */
  const receive = (req: Request, res: Response, next: NextFunction): void => {
    if (!req.is('multipart/form-data')) {
      res.locals.uploadProblem = 'noFiles';
      next();
      return;
    }
    removeUploadsWhenAnswered(req, res);
    multipart(req, res, (error?: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') {
        res.locals.uploadProblem = 'tooLarge';
        return next();
      }
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_COUNT') {
        res.locals.uploadProblem = 'tooManyFiles';
        return next();
      }
      if (error instanceof multer.MulterError || (error as NodeJS.ErrnoException).code !== undefined) return next(error);
      next(new AppError('upload_malformed', 400, 'The multipart body could not be read.', { cause: error }));
    });
  };

  async function render(req: Request, res: Response, status: number, values: SendFormValues | null, errors: string[]): Promise<void> {
    const staff = staffOf(res);
    const language = staffLanguageOf(res);
    const t = sendTranslator(language);
    const organisation = await organisationOf(deps.workflow, staff.organisationId);
    const people = await peopleOf(deps.workflow, staff.organisationId);
    const byId = new Map(people.map((p) => [p.id, p]));
    const now = deps.clock();
    const templates = routeTemplates(organisation);
    const signers = await routeSignersViews(deps, staff.organisationId, templates, brusselsDay(now), null, (req.method === 'POST' ? req.body : {}) as Record<string, unknown>);
    const routes: SendRouteOption[] = templates.map((r) => {
      const view = signers.find((v) => v.routeId === r.id);
      return {
        id: r.id,
        name: r.name,
        summary: summary(t, language, r, byId, view),
        steps: r.steps.map((s, i) => {
          const person = s.functionId ? view?.steps[i]?.person : byId.get(s.personId ?? '');
          return { personId: person?.id ?? '', name: person?.name ?? '?', role: s.role, ...(s.signatureLevel ? { signatureLevel: s.signatureLevel } : {}), ...(s.functionId ? { step: i } : {}) };
        }),
      };
    });
    const body = sendPage({
      t,
      routes,
      people: people.map((p) => ({ id: p.id, name: p.name, email: p.email, function: p.function })),
      values: values ?? {
        mode: 'perDocument',
        title: '',
        message: '',
        deadline: brusselsDay(new Date(now.getTime() + expiryDays(organisation) * DAY_MS)),
        route: '',
        onBehalfOf: '',
        signatureLevel: 'advanced',
        rows: [],
      },
      errors,
      signers,
      language,
      minDeadline: brusselsDay(new Date(now.getTime() + DAY_MS)),
      maxDeadline: brusselsDay(new Date(now.getTime() + MAX_DEADLINE_DAYS * DAY_MS)),
      maxFiles: MAX_SEND_FILES,
      maxFileMb,
      searchUrl: '/app/people/search',
      action: '/app/send',
      csrf: staffCsrfToken(deps, res),
    });
    const title = t('send.title');
    res.status(status).set('Cache-Control', 'no-store').type('html').send(staffLayout({ lang: language, staff, title, active: 'send', body, csrf: staffCsrfToken(deps, res) }));
  }

  router.get('/send', requireStaff(deps), async (req, res) => {
    await render(req, res, 200, null, []);
  });

  router.get('/people/search', requireStaff(deps), async (req, res) => {
    const staff = staffOf(res);
    const q = typeof req.query.q === 'string' ? normalise(req.query.q.trim()).slice(0, 100) : '';
    const people = await peopleOf(deps.workflow, staff.organisationId);
    const words = q.split(/\s+/).filter(Boolean);
    const matches = people.filter((p) => {
      const text = normalise(`${p.name} ${p.email} ${p.function ?? ''}`);
      return words.every((w) => text.includes(w));
    });
    res.set('Cache-Control', 'no-store').json({
      people: matches.slice(0, SEARCH_LIMIT).map((p) => ({ id: p.id, name: p.name, email: p.email, function: p.function })),
      total: matches.length,
    });
  });

  router.post('/send', requireStaff(deps), receive, verifyStaffCsrf(deps), async (req, res) => {
    const staff = staffOf(res);
    const t = sendTranslator(staffLanguageOf(res));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const organisation = await organisationOf(deps.workflow, staff.organisationId);
    const errors: string[] = [];
    const now = deps.clock();

    // The form as posted, to show it again with its errors.
    const rows: SendFormValues['rows'] = [];
    for (let i = 0; i < MAX_PERSON_ROWS; i += 1) {
      const person = field(body, `person-${i}`);
      const role = field(body, `role-${i}`);
      const order = field(body, `order-${i}`);
      if (i >= PERSON_ROWS && !person) continue;
      rows.push({ person, role: (RECIPIENT_ROLES.includes(role as RecipientRole) ? role : 'signer') as RecipientRole, order: order || String(i + 1) });
    }
    const modeRaw = field(body, 'mode') || 'perDocument';
    const levelRaw = field(body, 'signatureLevel') || 'advanced';
    const values: SendFormValues = {
      mode: modeRaw === 'single' ? 'single' : 'perDocument',
      title: field(body, 'title').trim(),
      message: field(body, 'message'),
      deadline: field(body, 'deadline').trim(),
      route: field(body, 'route'),
      onBehalfOf: field(body, 'onBehalfOf').trim().slice(0, 200),
      signatureLevel: SIGNATURE_LEVELS.includes(levelRaw as SignatureLevel) ? (levelRaw as SignatureLevel) : 'advanced',
      rows,
    };
    if (!SIGNATURE_LEVELS.includes(levelRaw as SignatureLevel)) errors.push(t('send.error.level'));

    // Files: each read and inspected; every problem named with its file.
    const uploadProblem = res.locals.uploadProblem as string | undefined;
    if (uploadProblem === 'tooLarge') errors.push(t('send.error.tooLarge', { mb: maxFileMb }));
    if (uploadProblem === 'tooManyFiles') errors.push(t('send.error.tooManyFiles', { max: MAX_SEND_FILES }));
    const files = uploadProblem ? [] : uploadedFiles(req).filter((f) => f.size > 0 || f.originalname);
    if (!uploadProblem && files.length === 0) errors.push(t('send.error.noFiles'));
    const documents: Array<{ name: string; pdf: Buffer; pageCount: number; title: string }> = [];
    let filesOk = files.length > 0;
    for (const [index, file] of files.entries()) {
      const name = uploadedDocumentName(file.originalname, index);
      const pdf = await fs.readFile(file.path);
      let pageCount = 0;
      if (!pdf.subarray(0, 1024).includes('%PDF-')) {
        errors.push(t('send.error.file', { name, problem: t('send.error.notPdf') }));
        filesOk = false;
      } else {
        try {
          pageCount = (await inspectPdf(pdf)).pageCount;
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          errors.push(t('send.error.file', { name, problem: pdfProblem(t, error) }));
          filesOk = false;
        }
      }
      const ownTitle = field(body, `title-${index}`).trim();
      if (ownTitle.length > 500) errors.push(t('send.error.documentTitle', { name }));
      const title = ownTitle || (values.mode === 'perDocument' && files.length === 1 && values.title ? values.title : titleFromName(name));
      documents.push({ name, pdf, pageCount, title });
    }

    if (modeRaw !== 'single' && modeRaw !== 'perDocument') errors.push(t('send.error.mode'));
    let singleTitle = values.title;
    if (values.mode === 'single') {
      if (!singleTitle && documents.length === 1) singleTitle = documents[0]!.title;
      if (!singleTitle || singleTitle.length > 500) errors.push(t('send.error.title'));
    } else if (values.title.length > 500) {
      errors.push(t('send.error.title'));
    }
    if (values.message.length > 5000) errors.push(t('send.error.message'));
    const expiresAt = endOfBrusselsDay(values.deadline);
    if (!expiresAt || expiresAt.getTime() <= now.getTime() || expiresAt.getTime() > now.getTime() + (MAX_DEADLINE_DAYS + 1) * DAY_MS) errors.push(t('send.error.deadline'));

    // Recipients: a route template of this organisation, or the person rows.
    const recipients: Recipient[] = [];
    const activePerson = async (id: string): Promise<Person | null> => {
      const person = await personOf(deps.workflow, staff.organisationId, id);
      return person && person.active ? person : null;
    };
    let routeName: string | null = null;
    if (values.route) {
      const route = routeTemplates(organisation).find((r) => r.id === values.route);
      routeName = route?.name.trim().slice(0, 200) || null;
      if (!route) errors.push(t('send.error.route'));
      else if (route.steps.length === 0) errors.push(t('send.error.routeEmpty'));
      else if (route.steps.some((s) => s.functionId)) {
        // Issue 12: function steps resolve for today; the page's choice of delegation per step.
        const day = brusselsDay(now);
        const chosen = chosenRouteRecipients(t, staffLanguageOf(res), day, route, (await routeSigners(deps, staff.organisationId, route, day, null))!, body);
        errors.push(...chosen.errors);
        recipients.push(...chosen.recipients);
      } else {
        for (const step of route.steps) {
          const person = await activePerson(step.personId ?? '');
          if (!person) {
            errors.push(t('send.error.routePerson'));
            break;
          }
          recipients.push({ person, role: step.role, order: step.order, signatureLevel: step.signatureLevel });
        }
      }
    } else {
      let rowProblem = false;
      for (const [i, row] of rows.entries()) {
        if (!row.person) continue;
        const number = i + 1;
        const person = await activePerson(row.person);
        if (!person) {
          errors.push(t('send.error.person', { number }));
          rowProblem = true;
          continue;
        }
        if (!RECIPIENT_ROLES.includes(field(body, `role-${i}`) as RecipientRole)) errors.push(t('send.error.role', { number }));
        const order = Number(row.order);
        if (!/^\d{1,2}$/.test(row.order) || order < 1 || order > 50) {
          errors.push(t('send.error.order', { number }));
          continue;
        }
        if (recipients.some((r) => r.person.id === person.id)) {
          errors.push(t('send.error.duplicate', { name: person.name }));
          continue;
        }
        recipients.push({ person, role: row.role, order });
      }
      if (recipients.length === 0 && !rowProblem) errors.push(t('send.error.noRecipients'));
    }
    if (recipients.length > 0 && recipients.every((r) => r.role === 'cc')) errors.push(t('send.error.onlyCc'));

    // Placements: `personId|document|page|x|y|width|height`, PDF points from the bottom-left.
    const placements: Placement[] = [];
    const rawPlacements = fieldList(body, 'placement');
    let placementsOk = rawPlacements.length <= MAX_PLACEMENTS;
    for (const raw of placementsOk ? rawPlacements : []) {
      const [personId, ...numbers] = raw.split('|');
      const [document, page, x, y, width, height] = numbers.map(Number);
      const valid =
        numbers.length === 6 &&
        numbers.every((n) => /^\d+(\.\d+)?$/.test(n)) &&
        Number.isInteger(document) &&
        Number.isInteger(page) &&
        width! > 0 &&
        height! > 0 &&
        recipients.some((r) => r.person.id === personId && r.role !== 'cc') &&
        (!filesOk || (document! < documents.length && page! >= 1 && page! <= documents[document!]!.pageCount));
      if (!valid) {
        placementsOk = false;
        continue;
      }
      placements.push({ personId: personId!, document: document!, page: page!, x: x!, y: y!, width: width!, height: height! });
    }
    if (!placementsOk) errors.push(t('send.error.placement'));

    if (errors.length > 0) {
      if (wantsJson(req)) {
        res.status(422).set('Cache-Control', 'no-store').json({ errors });
        return;
      }
      await render(req, res, 422, values, errors);
      return;
    }

    // One transaction for every envelope: all are sent, or none.
    const envelopeRecipients = (documentIndexes: number[]): CreateEnvelopeInput['recipients'] =>
      recipients.map((r) => ({
        ...(r.functionId ? { functionId: r.functionId, delegationId: r.delegationId ?? null } : { personId: r.person.id }),
        role: r.role,
        signatureLevel: r.role === 'signer' ? (r.signatureLevel ?? values.signatureLevel) : undefined,
        routingOrder: r.order,
        fields: placements
          .filter((p) => p.personId === r.person.id && documentIndexes.includes(p.document) && r.role !== 'cc')
          .map((p) => ({ document: documentIndexes.indexOf(p.document), page: p.page, x: p.x, y: p.y, width: p.width, height: p.height })),
      }));
    const envelopes: Array<Omit<CreateEnvelopeInput, 'recipients'> & { recipients: CreateEnvelopeInput['recipients'] }> =
      values.mode === 'single'
        ? [{ title: singleTitle, documents: documents.map((d) => ({ name: d.name, pdf: d.pdf })), recipients: envelopeRecipients(documents.map((_, i) => i)) }]
        : documents.map((d, i) => ({ title: d.title, documents: [{ name: d.name, pdf: d.pdf }], recipients: envelopeRecipients([i]) }));
    const request = {
      organisationId: staff.organisationId,
      actor: { kind: 'user' as const, id: staff.userId, label: staff.name },
      origin: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
    };
    let sent: EnvelopeDto[];
    try {
      sent = await inTransaction(deps.workflow, 'staffSend', async (trx) => {
        const joined = { ...deps.workflow, db: trx };
        const results: EnvelopeDto[] = [];
        for (const envelope of envelopes) {
          results.push(
            await createAndSendEnvelope(joined, {
              ...request,
              ...envelope,
              message: values.message.trim() || null,
              expiresAt: expiresAt!,
              requireCode: organisation?.settings.requireCode === true,
              routeName,
              onBehalfOf: values.onBehalfOf || null,
            }),
          );
        }
        return results;
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const failed = [t('send.error.failed', { problem: functionProblem(t, error) ?? error.message })];
      if (wantsJson(req)) {
        res.status(422).set('Cache-Control', 'no-store').json({ errors: failed });
        return;
      }
      await render(req, res, 422, values, failed);
      return;
    }

    const redirect = `/app?sent=${sent.length}`;
    deps.logger.info({ organisationId: staff.organisationId, userId: staff.userId, envelopes: sent.map((e) => e.id) }, 'staff sent envelopes');
    if (wantsJson(req)) {
      res.status(200).set('Cache-Control', 'no-store').json({ redirect, envelopes: sent.map((e) => ({ id: e.id, title: e.title })) });
      return;
    }
    res.redirect(303, redirect);
  });

  return router;
}

