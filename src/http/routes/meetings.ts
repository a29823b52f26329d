/**
 * `/api/v1/meetings` (issue 12): create a meeting (JSON: body, title, date), list, get with its envelopes in agenda
 * order, send all its drafts in one action, and remind everyone still waiting in it with one mail each. Envelopes join a meeting through `POST /envelopes` with `meetingId`.
 * Scoped to the authenticated organisation: another organisation's meeting is 404 `meeting_not_found`.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { ValidationError } from '../../errors.ts';
import { createMeeting, DECISION_BODIES, getMeeting, listMeetings, remindMeeting, sendMeeting, toMeetingDto } from '../../workflow/index.ts';
import { principalOf } from '../auth.ts';
import { respondIdempotently } from '../idempotency.ts';
import { paramOf, staffRequest } from './envelopes.ts';

const meetingSchema = z.strictObject({
  body: z.enum(DECISION_BODIES),
  bodyLabel: z.string().trim().min(1).max(200).optional(),
  title: z.string().trim().min(1).max(500),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
});

export function meetingsRouter(deps: Deps): Router {
  const router = Router();

  router.post('/meetings', async (req, res) => {
    const request = staffRequest(req, res);
    const parsed = meetingSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(`Invalid meeting: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`);
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: parsed.data }, async () => ({
      status: 201,
      body: { ...toMeetingDto(await createMeeting(deps.workflow, { ...request, ...parsed.data })), envelopes: [] },
    }));
  });

  router.get('/meetings', async (_req, res) => {
    const { organisationId } = principalOf(res);
    res.set('Cache-Control', 'no-store').json({ meetings: await listMeetings(deps.workflow, { organisationId }) });
  });

  router.get('/meetings/:id', async (req, res) => {
    const { organisationId } = principalOf(res);
    res.set('Cache-Control', 'no-store').json(await getMeeting(deps.workflow, { organisationId, meetingId: paramOf(req, 'id') }));
  });

  router.post('/meetings/:id/send', async (req, res) => {
    const request = staffRequest(req, res);
    const meetingId = paramOf(req, 'id');
    await getMeeting(deps.workflow, { organisationId: request.organisationId, meetingId });
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: null }, async () => ({
      status: 200,
      body: await sendMeeting(deps.workflow, { ...request, meetingId }),
    }));
  });

  router.post('/meetings/:id/remind', async (req, res) => {
    const request = staffRequest(req, res);
    const meetingId = paramOf(req, 'id');
    await getMeeting(deps.workflow, { organisationId: request.organisationId, meetingId });
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: null }, async () => {
      const { meeting, reminded } = await remindMeeting(deps.workflow, { ...request, meetingId });
      return { status: 200, body: { ...meeting, reminded } };
    });
  });

  return router;
}
