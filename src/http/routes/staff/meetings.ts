/**
 * `/app/meetings` (issue 12): staff create a meeting, upload its decisions and minutes in bulk (agenda number
 * and title from each file name, one signing route for all, by default the one named after the body; all or
 * nothing), correct the agenda, send the meeting in one action after ticking a confirmation, and remind everyone
 * still waiting. Every state change is a use case (createMeeting, addMeetingItems, editMeetingAgenda, sendMeeting,
 * remindMeeting); this translates HTTP.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../../../deps.ts';
import { AppError } from '../../../errors.ts';
import { meetingDetailPage, meetingsListPage, MEETINGS_PATH, type MeetingCreateValues } from '../../../web/staff/meeting-pages.ts';
import { meetingTranslator } from '../../../web/staff/meeting-i18n.ts';
import {
  addMeetingItems,
  createMeeting,
  DEFAULT_EXPIRY_DAYS,
  defaultRouteFor,
  editMeetingAgenda,
  getMeeting,
  listMeetings,
  remindMeeting,
  sendMeeting,
  type EnvelopeKind,
  type MeetingAgendaItem,
} from '../../../workflow/index.ts';
import { organisationOf } from '../../../workflow/staff-directory.ts';
import { staffCsrfToken, verifyStaffCsrf } from '../../staff/csrf.ts';
import { requireStaff, staffLanguageOf, staffOf } from '../../staff/session.ts';
import { removeUploadsWhenAnswered, temporaryPdfStorage, uploadedDocumentName, uploadedFiles, utf8Multer } from '../../upload.ts';
import { field, origin, page } from './common.ts';
import { routeSignersSection } from '../../../web/staff/send-page.ts';
import { sendTranslator } from '../../../web/staff/send-i18n.ts';
import { brusselsDay } from '../../../domain/mandates.ts';
import { chosenRouteRecipients, endOfBrusselsDay, functionProblem, MAX_SEND_FILES, routeSigners, routeSignersViews, routeTemplates } from './send.ts';

const DAY_MS = 86_400_000;
const KINDS: readonly EnvelopeKind[] = ['decision', 'minutes', 'other'];

export function staffMeetingsRouter(deps: Deps): Router {
  const router = Router();
  const storage = temporaryPdfStorage(path.join(deps.config.dataDir, 'tmp'), 'staff-meeting');
  const multipart = utf8Multer({ storage, limits: { fileSize: deps.config.maxUploadBytes, files: MAX_SEND_FILES, fields: 10 } }).fields([{ name: 'documents', maxCount: MAX_SEND_FILES }]);
  /** The upload is read before the CSRF check (the token is a multipart field); its files go when the answer ends. */
  const receive = (req: Request, res: Response, next: NextFunction): void => {
    removeUploadsWhenAnswered(req, res);
    multipart(req, res, (error?: unknown) => (error ? next(error instanceof AppError ? error : new AppError('upload_malformed', 400, 'The upload could not be read.', { cause: error })) : next()));
  };
  const request = (req: Request, res: Response) => {
    const staff = staffOf(res);
    return { organisationId: staff.organisationId, actor: { kind: 'user' as const, id: staff.userId, label: staff.name }, origin: origin(req) };
  };

  const renderList = async (res: Response, status: number, values: MeetingCreateValues, errors: string[]) => {
    const staff = staffOf(res);
    const meetings = await listMeetings(deps.workflow, { organisationId: staff.organisationId });
    const { title, body } = meetingsListPage(staffLanguageOf(res), { meetings, values, errors, csrf: staffCsrfToken(deps, res) });
    page(deps, res, status, { title, active: 'meetings', body });
  };

  const renderDetail = async (req: Request, res: Response, status: number, extra: { errors?: string[]; route?: string; deadline?: string; body?: Record<string, unknown> } = {}) => {
    const staff = staffOf(res);
    const language = staffLanguageOf(res);
    const t = meetingTranslator(language);
    const meeting = await getMeeting(deps.workflow, { organisationId: staff.organisationId, meetingId: String(req.params.id) });
    const routes = routeTemplates(await organisationOf(deps.workflow, staff.organisationId));
    const now = deps.clock();
    const query = req.query as Record<string, unknown>;
    const count = (name: string) => (typeof query[name] === 'string' && /^\d{1,3}$/.test(query[name] as string) ? Number(query[name]) : null);
    const uploaded = count('uploaded');
    const sent = count('sent');
    const reminded = count('reminded');
    const notice =
      uploaded !== null ? t('meetings.uploaded', { count: uploaded })
      : sent !== null ? t('meetings.sent', { count: sent })
      : reminded !== null ? t('meetings.reminded', { count: reminded })
      : query.saved === '1' ? t('meetings.saved')
      : null;
    const { title, body } = meetingDetailPage(language, {
      meeting,
      routes: routes.map((r) => ({ id: r.id, name: r.name })),
      // Issue 12: who signs the function steps on the meeting's date; a delegation applies to the decisions only.
      signers:
        meeting.status === 'draft'
          ? routeSignersSection(sendTranslator(language), language, await routeSignersViews(deps, staff.organisationId, routes, meeting.meetingDate, 'decision', extra.body), { select: 'meeting-route', minutesNote: true, script: true })
          : '',
      route: extra.route ?? defaultRouteFor(routes, meeting.bodyName)?.id ?? '',
      deadline: extra.deadline ?? brusselsDay(new Date(now.getTime() + DEFAULT_EXPIRY_DAYS * DAY_MS)),
      minDeadline: brusselsDay(new Date(now.getTime() + DAY_MS)),
      errors: extra.errors ?? [],
      notice,
      csrf: staffCsrfToken(deps, res),
    });
    page(deps, res, status, { title, active: 'meetings', body });
  };

  router.get('/meetings', requireStaff(deps), async (_req, res) => {
    await renderList(res, 200, { body: 'gemeenteraad', bodyLabel: '', title: '', date: '' }, []);
  });

  router.post('/meetings', requireStaff(deps), verifyStaffCsrf(deps), async (req, res) => {
    const values: MeetingCreateValues = { body: field(req.body, 'body'), bodyLabel: field(req.body, 'bodyLabel').trim(), title: field(req.body, 'title').trim(), date: field(req.body, 'date').trim() };
    try {
      const meeting = await createMeeting(deps.workflow, { ...request(req, res), body: values.body as never, bodyLabel: values.bodyLabel || null, title: values.title, date: values.date });
      res.redirect(303, `${MEETINGS_PATH}/${meeting.id}`);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      await renderList(res, 400, values, [meetingTranslator(staffLanguageOf(res))('meetings.error.create')]);
    }
  });

  router.get('/meetings/:id', requireStaff(deps), async (req, res) => {
    await renderDetail(req, res, 200);
  });

  router.post('/meetings/:id/documents', requireStaff(deps), receive, verifyStaffCsrf(deps), async (req, res) => {
    const staff = staffOf(res);
    const t = meetingTranslator(staffLanguageOf(res));
    const meetingId = String(req.params.id);
    const meeting = await getMeeting(deps.workflow, { organisationId: staff.organisationId, meetingId });
    const routeId = field(req.body, 'route');
    const deadline = field(req.body, 'deadline').trim();
    const route = routeTemplates(await organisationOf(deps.workflow, staff.organisationId)).find((r) => r.id === routeId);
    const expiresAt = endOfBrusselsDay(deadline);
    const errors: string[] = [];
    const uploads = uploadedFiles(req).filter((f) => f.size > 0);
    if (uploads.length === 0) errors.push(t('meetings.error.files'));
    if (!route) errors.push(t('meetings.error.route'));
    if (!expiresAt || expiresAt.getTime() <= deps.clock().getTime()) errors.push(t('meetings.error.deadline'));
    if (errors.length || !route || !expiresAt) return void (await renderDetail(req, res, 400, { errors, route: routeId, deadline }));
    // Function steps (issue 12) resolve for the meeting's date, with the delegation chosen per step for the decisions.
    const body = req.body as Record<string, unknown>;
    const steps = await routeSigners(deps, staff.organisationId, route, meeting.meetingDate, 'decision');
    const chosen = steps ? chosenRouteRecipients(sendTranslator(staffLanguageOf(res)), staffLanguageOf(res), meeting.meetingDate, route, steps, body) : null;
    if (chosen?.errors.length) return void (await renderDetail(req, res, 400, { errors: chosen.errors, route: routeId, deadline, body }));
    const pdfs = await Promise.all(uploads.map(async (file, index) => ({ name: uploadedDocumentName(file.originalname, index), pdf: await fs.readFile(file.path) })));
    try {
      const { envelopeIds } = await addMeetingItems(deps.workflow, {
        ...request(req, res),
        meetingId: meeting.id,
        files: pdfs,
        routeName: route.name,
        expiresAt,
        recipients: chosen
          ? chosen.recipients.map((r) => ({ ...(r.functionId ? { functionId: r.functionId, delegationId: r.delegationId ?? null } : { personId: r.person.id }), role: r.role, routingOrder: r.order, ...(r.signatureLevel ? { signatureLevel: r.signatureLevel } : {}) }))
          : route.steps.map((s) => ({ personId: s.personId, role: s.role, routingOrder: s.order, ...(s.signatureLevel ? { signatureLevel: s.signatureLevel } : {}) })),
      });
      res.redirect(303, `${MEETINGS_PATH}/${meetingId}?uploaded=${envelopeIds.length}`);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.code === 'meeting_sent' || error.code === 'meeting_not_found') throw error;
      const problem = functionProblem(sendTranslator(staffLanguageOf(res)), error);
      if (problem) return void (await renderDetail(req, res, error.status === 404 ? 400 : error.status, { errors: [problem], route: routeId, deadline, body }));
      // All or nothing (addMeetingItems): say that nothing was added, and name every file refused.
      const refused = Array.isArray(error.extensions?.files) ? (error.extensions.files as string[]) : [];
      await renderDetail(req, res, 400, { errors: [t('meetings.error.upload'), ...refused.map((name) => t('meetings.error.file', { name }))], route: routeId, deadline });
    }
  });

  router.post('/meetings/:id/agenda', requireStaff(deps), verifyStaffCsrf(deps), async (req, res) => {
    const meetingId = String(req.params.id);
    const count = Math.min(Number(field(req.body, 'count')) || 0, 500);
    const items: MeetingAgendaItem[] = [];
    for (let i = 0; i < count; i += 1) {
      const envelopeId = field(req.body, `envelope-${i}`);
      if (!envelopeId) continue;
      const kind = field(req.body, `kind-${i}`) as EnvelopeKind;
      items.push({ envelopeId, agendaItem: field(req.body, `item-${i}`).trim() || null, title: field(req.body, `title-${i}`).trim(), kind: KINDS.includes(kind) ? kind : 'decision' });
    }
    try {
      await editMeetingAgenda(deps.workflow, { ...request(req, res), meetingId, items });
    } catch (error) {
      if (error instanceof AppError && error.code === 'delegation_minutes_refused') {
        return void (await renderDetail(req, res, 422, { errors: [sendTranslator(staffLanguageOf(res))('send.error.minutesDelegation')] }));
      }
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return void (await renderDetail(req, res, 400, { errors: [meetingTranslator(staffLanguageOf(res))('meetings.error.agenda')] }));
    }
    res.redirect(303, `${MEETINGS_PATH}/${meetingId}?saved=1`);
  });

  router.post('/meetings/:id/send', requireStaff(deps), verifyStaffCsrf(deps), async (req, res) => {
    const meetingId = String(req.params.id);
    if (field(req.body, 'confirm') !== 'ja') return void (await renderDetail(req, res, 400, { errors: [meetingTranslator(staffLanguageOf(res))('meetings.send.confirmMissing')] }));
    const meeting = await sendMeeting(deps.workflow, { ...request(req, res), meetingId });
    res.redirect(303, `${MEETINGS_PATH}/${meetingId}?sent=${meeting.envelopes.length}`);
  });

  router.post('/meetings/:id/remind', requireStaff(deps), verifyStaffCsrf(deps), async (req, res) => {
    const meetingId = String(req.params.id);
    try {
      const { reminded } = await remindMeeting(deps.workflow, { ...request(req, res), meetingId });
      res.redirect(303, `${MEETINGS_PATH}/${meetingId}?reminded=${reminded.length}`);
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'meeting_nothing_waiting' && error.code !== 'meeting_not_sent')) throw error;
      await renderDetail(req, res, 409, { errors: [meetingTranslator(staffLanguageOf(res))('meetings.error.nothingWaiting')] });
    }
  });

  return router;
}
