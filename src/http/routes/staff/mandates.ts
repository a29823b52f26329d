/**
 * `/app/functions`, `/app/absences`, `/app/delegations` and `/app/functions/import` (issue 12): the directory's
 * functions and mandates, absences, the delegation register and the mandate database import. Every member of staff
 * may look; only an admin changes (403 otherwise), every change with the form's CSRF token. Each change is a use case
 * (createFunction, addMandate, endMandate, recordAbsence, withdrawAbsence, registerDelegation, revokeDelegation,
 * importMandates); this translates HTTP and the use cases' refusals into the form's own message.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import type { Deps } from '../../../deps.ts';
import { brusselsDay, resolveFunction, substituteFunction, type MandateSpan } from '../../../domain/mandates.ts';
import { AppError } from '../../../errors.ts';
import {
  ABSENCES_PATH,
  absencesPage,
  DELEGATIONS_PATH,
  FUNCTIONS_PATH,
  functionInSentence,
  functionsPage,
  importPage,
  type AbsenceView,
  type ImportView,
  type MandatePage,
  type MandatePageFrame,
} from '../../../web/staff/mandate-pages.ts';
import { delegationsPage, revokeDelegationPage, type DelegationsView, type DelegationView } from '../../../web/staff/delegation-pages.ts';
import { importProblemText, mandateDateTime, mandateTranslator, type MandateKey } from '../../../web/staff/mandate-i18n.ts';
import {
  absencesOf,
  addMandate,
  createFunction,
  delegationNotFound,
  delegationRegister,
  directoryMandates,
  endMandate,
  recordAbsence,
  registerDelegation,
  revokeDelegation,
  withdrawAbsence,
  type FunctionOverview,
  type ReassignmentReport,
  type StaffRequest,
} from '../../../workflow/index.ts';
import { importMandates, type MandateImportReport } from '../../../workflow/import-mandates.ts';
import { peopleOf, staffUsersOf } from '../../../workflow/staff-directory.ts';
import { staffCsrfToken, verifyStaffCsrf } from '../../staff/csrf.ts';
import { requireAdmin, requireStaff, staffLanguageOf, staffOf } from '../../staff/session.ts';
import { receiveUpload } from '../../upload.ts';
import { field, origin, page, staffActor } from './common.ts';

const MAX_CSV_BYTES = 2 * 1024 * 1024;
/** The notices a change redirects to (`?done=`), so no free text travels in the address. */
const DONE = ['function', 'mandate', 'ended', 'absence', 'withdrawn', 'delegation', 'revoked'] as const;
/** Refusals of the use cases that have their own words on the form; any other 4xx gets the form's general message. */
const REFUSALS: Readonly<Record<string, MandateKey>> = {
  function_exists: 'error.function_exists',
  delegation_minutes_refused: 'error.delegation_minutes_refused',
  function_not_delegable: 'error.function_not_delegable',
  function_vacant: 'error.function_vacant',
  delegation_to_self: 'error.delegate_is_delegator',
};

type Failed = MandatePageFrame['failed'];

export function staffMandatesRouter(deps: Deps): Router {
  const router = Router();
  const adminForm: RequestHandler[] = [requireStaff(deps), requireAdmin, verifyStaffCsrf(deps)];
  const today = () => brusselsDay(deps.clock());
  const staffRequest = (req: Request, res: Response): StaffRequest => ({ organisationId: staffOf(res).organisationId, actor: staffActor(res), origin: origin(req) });
  const frameOf = (req: Request, res: Response, failed: Failed = null): MandatePageFrame => {
    const done = typeof req.query.done === 'string' ? DONE.find((d) => d === req.query.done) : undefined;
    return { language: staffLanguageOf(res), admin: staffOf(res).role === 'admin', csrf: staffCsrfToken(deps, res), notice: done ? mandateTranslator(staffLanguageOf(res))(`done.${done}`) : null, failed };
  };
  const show = (res: Response, status: number, { title, body }: MandatePage) => page(deps, res, status, { title, active: 'mandates', body });
  /** The directory: active people to choose in forms, and everyone's name (a deactivated person stays named in a register). */
  const directory = async (res: Response) => {
    const people = await peopleOf(deps.workflow, staffOf(res).organisationId, { includeInactive: true });
    const names = new Map(people.map((p) => [p.id, p.name]));
    return { choices: people.filter((p) => p.active).map((p) => ({ id: p.id, name: p.name, function: p.function })), name: (id: string) => names.get(id) ?? '' };
  };

  /**
   * Runs a form's use case and redirects to `then(result)`; a refusal (4xx but 404) shows the page again with the
   * form's message, its values and the refusal's status.
   */
  const submit = <T>(form: (req: Request) => string, general: MandateKey, render: (req: Request, res: Response, status: number, failed: Failed) => Promise<void>, run: (req: Request, res: Response) => Promise<T>, then: (result: T) => string): RequestHandler =>
    async (req, res) => {
      let result: T;
      try {
        result = await run(req, res);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
        const t = mandateTranslator(staffLanguageOf(res));
        const values = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([k]) => k !== '_csrf').map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
        return void (await render(req, res, error.status, { form: form(req), message: t(REFUSALS[error.code] ?? general), values }));
      }
      res.redirect(303, then(result));
    };

  // ---- functions and mandates ----
  const renderFunctions = async (req: Request, res: Response, status: number, failed: Failed = null) => {
    const day = today();
    const [overview, people] = await Promise.all([directoryMandates(deps.workflow, staffOf(res).organisationId, day), directory(res)]);
    const acting = Object.fromEntries(overview.functions.map((fn) => [fn.id, substituteFunction(fn.name)]));
    show(res, status, functionsPage(frameOf(req, res, failed), { day, functions: overview.functions, people: people.choices, acting }));
  };
  router.get('/functions', requireStaff(deps), (req, res) => renderFunctions(req, res, 200));

  router.post(
    '/functions',
    ...adminForm,
    submit(() => 'function', 'error.function', renderFunctions, (req, res) => {
      const delegable = field(req.body, 'delegable');
      return createFunction(deps.workflow, {
        ...staffRequest(req, res),
        name: field(req.body, 'name'),
        body: (field(req.body, 'body') || null) as never,
        ...(delegable === 'yes' ? { delegable: true } : delegable === 'no' ? { delegable: false } : {}),
      });
    }, () => `${FUNCTIONS_PATH}?done=function`),
  );

  router.post(
    '/mandates',
    ...adminForm,
    submit(() => 'mandate', 'error.mandate', renderFunctions, (req, res) => {
      const kind = field(req.body, 'kind');
      const rank = field(req.body, 'rank').trim();
      return addMandate(deps.workflow, {
        ...staffRequest(req, res),
        functionId: field(req.body, 'functionId'),
        personId: field(req.body, 'personId'),
        kind: kind as never,
        ...(kind === 'substitute' && rank ? { rank: Number(rank) } : {}),
        startsOn: field(req.body, 'startsOn'),
        endsOn: field(req.body, 'endsOn') || null,
      });
    }, () => `${FUNCTIONS_PATH}?done=mandate`),
  );

  router.post(
    '/mandates/:id/end',
    ...adminForm,
    submit((req) => `end-${String(req.params.id)}`, 'error.end', renderFunctions, (req, res) =>
      endMandate(deps.workflow, { ...staffRequest(req, res), mandateId: String(req.params.id), endsOn: field(req.body, 'endsOn') }),
    () => `${FUNCTIONS_PATH}?done=ended`),
  );

  // ---- absences ----
  const renderAbsences = async (req: Request, res: Response, status: number, failed: Failed = null) => {
    const organisationId = staffOf(res).organisationId;
    const day = today();
    const [overview, absences, people] = await Promise.all([directoryMandates(deps.workflow, organisationId, day), absencesOf(deps.workflow, { organisationId, from: day }), directory(res)]);
    const views = absenceViews(overview.functions, absences, people.name, day);
    show(res, status, absencesPage(handOverNotice(req, res, frameOf(req, res, failed), people.name), { day, absences: views, people: people.choices }));
  };
  router.get('/absences', requireStaff(deps), (req, res) => renderAbsences(req, res, 200));
  router.post(
    '/absences',
    ...adminForm,
    submit(() => 'absence', 'error.absence', renderAbsences, (req, res) =>
      recordAbsence(deps.workflow, { ...staffRequest(req, res), personId: field(req.body, 'personId'), startsOn: field(req.body, 'startsOn'), endsOn: field(req.body, 'endsOn'), reason: field(req.body, 'reason') || null }),
    (absence) => `${ABSENCES_PATH}?done=absence${handedOverQuery(absence.reassigned)}`),
  );
  router.post('/absences/:id/withdraw', ...adminForm, async (req, res) => {
    await withdrawAbsence(deps.workflow, { ...staffRequest(req, res), absenceId: String(req.params.id) });
    res.redirect(303, `${ABSENCES_PATH}?done=withdrawn`);
  });

  // ---- delegations ----
  const delegationsView = async (res: Response): Promise<DelegationsView> => {
    const organisationId = staffOf(res).organisationId;
    const language = staffLanguageOf(res);
    const t = mandateTranslator(language);
    const day = today();
    const [overview, register, users, people] = await Promise.all([
      directoryMandates(deps.workflow, organisationId, day),
      delegationRegister(deps.workflow, { organisationId, includeRevoked: true }),
      staffUsersOf(deps.workflow, organisationId),
      directory(res),
    ]);
    const userName = (id: string | null) => {
      const user = users.find((u) => u.id === id);
      return user ? (user.name ?? user.email) : t('delegations.apiKey');
    };
    const functionName = new Map(overview.functions.map((fn) => [fn.id, fn.name]));
    // Newest first: the register is read from its latest entry.
    const delegations: DelegationView[] = [...register].reverse().map((d) => ({
      id: d.id,
      functionName: functionName.get(d.functionId) ?? '',
      delegatorName: people.name(d.delegatorPersonId),
      delegateName: people.name(d.delegatePersonId),
      scope: d.scope,
      validFrom: d.validFrom,
      validUntil: d.validUntil,
      reference: d.reference,
      registeredBy: d.createdByKind === 'user' ? userName(d.createdById) : t('delegations.apiKey'),
      registeredAt: d.createdAt,
      revokedBy: d.revokedAt ? userName(d.revokedById) : null,
      revokedAt: d.revokedAt,
    }));
    return { day, delegations, functions: overview.functions.filter((fn) => fn.delegable).map((fn) => ({ id: fn.id, name: fn.name })), people: people.choices, dateTime: (iso) => mandateDateTime(iso, language) };
  };
  const renderDelegations = async (req: Request, res: Response, status: number, failed: Failed = null) => {
    show(res, status, delegationsPage(frameOf(req, res, failed), await delegationsView(res)));
  };
  router.get('/delegations', requireStaff(deps), (req, res) => renderDelegations(req, res, 200));
  router.post(
    '/delegations',
    ...adminForm,
    submit(() => 'delegation', 'error.delegation', renderDelegations, (req, res) => {
      const scope = (req.body as Record<string, unknown>).scope;
      return registerDelegation(deps.workflow, {
        ...staffRequest(req, res),
        functionId: field(req.body, 'functionId'),
        delegatePersonId: field(req.body, 'delegatePersonId'),
        scope: (Array.isArray(scope) ? scope : typeof scope === 'string' ? [scope] : []) as never,
        validFrom: field(req.body, 'validFrom'),
        validUntil: field(req.body, 'validUntil') || null,
        reference: field(req.body, 'reference') || null,
      });
    }, () => `${DELEGATIONS_PATH}?done=delegation`),
  );
  router.get('/delegations/:id/revoke', requireStaff(deps), requireAdmin, async (req, res) => {
    const view = await delegationsView(res);
    const delegation = view.delegations.find((d) => d.id === req.params.id);
    if (!delegation) throw delegationNotFound();
    if (delegation.revokedAt) return res.redirect(303, DELEGATIONS_PATH);
    show(res, 200, revokeDelegationPage(frameOf(req, res), view, delegation));
  });
  router.post('/delegations/:id/revoke', ...adminForm, async (req, res) => {
    await revokeDelegation(deps.workflow, { ...staffRequest(req, res), delegationId: String(req.params.id) });
    res.redirect(303, `${DELEGATIONS_PATH}?done=revoked`);
  });

  // ---- import from the mandate database ----
  const renderImport = async (req: Request, res: Response, status: number, report: ImportView['report'], failed: Failed = null) => {
    show(res, status, importPage(frameOf(req, res, failed), { report }));
  };
  router.get('/functions/import', requireStaff(deps), requireAdmin, (req, res) => renderImport(req, res, 200, null));
  // The CSV is read into memory (the token is a multipart field), then the token is checked. The confirmation
  // carries the CSV back as base64 text, so nothing of a dry run is kept on the server.
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CSV_BYTES, fieldSize: Math.ceil((MAX_CSV_BYTES * 4) / 3) + 4, files: 1, fields: 5 } }).single('file');
  const receive: RequestHandler = (req, res, next) => {
    receiveUpload(upload, req, res).then(() => next(), (error: unknown) => {
      if (!(error instanceof multer.MulterError)) return next(error);
      res.locals.uploadRefused = true;
      next();
    });
  };
  router.post('/functions/import', requireStaff(deps), requireAdmin, receive, verifyStaffCsrf(deps), async (req, res) => {
    const t = mandateTranslator(staffLanguageOf(res));
    const file = (req as Request & { file?: Express.Multer.File }).file;
    const confirmed = field(req.body, 'confirm') === '1';
    const bytes = res.locals.uploadRefused ? null : confirmed ? Buffer.from(field(req.body, 'csv'), 'base64') : (file?.buffer ?? null);
    let csv: string;
    try {
      if (!bytes || bytes.length === 0) throw new Error('empty');
      csv = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return renderImport(req, res, 400, null, { form: 'import', message: t('error.import.file'), values: {} });
    }
    let report: MandateImportReport;
    try {
      report = await importMandates(deps.workflow, { ...staffRequest(req, res), csv, dryRun: !confirmed });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return renderImport(req, res, error.status, null, { form: 'import', message: t('error.import.unreadable', { reason: importProblemText(staffLanguageOf(res), error.message) }), values: {} });
    }
    await renderImport(req, res, 200, { ...report, csv: Buffer.from(csv, 'utf8').toString('base64') });
  });

  return router;
}

/**
 * The absences still to come or under way, each with who signs the functions the absent person holds on its first
 * day still to come: the first present substitute, or nobody (null) when they are absent too.
 */
function absenceViews(functions: readonly FunctionOverview[], absences: Awaited<ReturnType<typeof absencesOf>>, nameOf: (personId: string) => string, day: string): AbsenceView[] {
  const spans: MandateSpan[] = functions.flatMap((fn) =>
    fn.mandates.filter((m) => m.person.active).map((m) => ({ id: m.id, functionId: fn.id, personId: m.person.id, kind: m.kind, rank: m.rank, startsOn: m.startsOn, endsOn: m.endsOn })),
  );
  return absences.map((a) => {
    const on = a.startsOn > day ? a.startsOn : day;
    const effects = a.withdrawn
      ? []
      : functions.flatMap((fn): AbsenceView['effects'] => {
          const holds = spans.some((m) => m.functionId === fn.id && m.personId === a.personId && m.kind === 'holder' && m.startsOn <= on && (m.endsOn === null || on <= m.endsOn));
          if (!holds) return [];
          const resolution = resolveFunction(fn.id, on, spans, absences);
          const functionName = functionInSentence(substituteFunction(fn.name));
          if (resolution.outcome === 'substitute') return [{ functionName, substitute: nameOf(resolution.personId) }];
          return resolution.outcome === 'holder' ? [] : [{ functionName, substitute: null }];
        });
    return { id: a.id, personName: nameOf(a.personId), startsOn: a.startsOn, endsOn: a.endsOn, reason: a.reason, withdrawn: a.withdrawn, effects };
  });
}

/**
 * After an absence is recorded, who the waiting dossiers went to (reassign-function-recipients.ts), in the address as
 * person ids and counts only: `to=<personId>.<count>` each, `kept=<count>` for those nobody else could take.
 */
function handedOverQuery(report: ReassignmentReport): string {
  const to = report.byPerson.map((p) => `&to=${encodeURIComponent(`${p.personId}.${p.dossiers}`)}`).join('');
  return `${to}${report.notHandedOver.length > 0 ? `&kept=${report.notHandedOver.length}` : ''}`;
}

/** The notice, with "3 dossiers gaan nu naar Piet Claeys." and that withdrawing the absence hands nothing back (nl/en/fr). */
function handOverNotice(req: Request, res: Response, frame: MandatePageFrame, name: (personId: string) => string): MandatePageFrame {
  const t = mandateTranslator(staffLanguageOf(res));
  const done = req.query.done;
  if (done === 'withdrawn' && frame.notice) return { ...frame, notice: `${frame.notice} ${t('done.withdrawnNoHandBack')}` };
  if (done !== 'absence' || !frame.notice) return frame;
  const sentences: string[] = [];
  for (const value of ([] as unknown[]).concat(req.query.to ?? [])) {
    const [, personId, count] = /^([0-9a-f-]{36})\.([1-9][0-9]{0,5})$/.exec(String(value)) ?? [];
    if (!personId || !count) continue;
    sentences.push(count === '1' ? t('done.handedOverOne', { name: name(personId) }) : t('done.handedOver', { count, name: name(personId) }));
  }
  const kept = /^[1-9][0-9]{0,5}$/.test(String(req.query.kept ?? '')) ? String(req.query.kept) : null;
  if (kept) sentences.push(t('done.notHandedOver', { count: kept }));
  if (sentences.length > 0) sentences.push(t('done.noHandBack'));
  return sentences.length > 0 ? { ...frame, notice: [frame.notice, ...sentences].join(' ') } : frame;
}
