/**
 * `/api/v1/functions`, `/mandates`, `/absences` and `/delegations` (issue 12): the functions a route step can name,
 * who holds them or substitutes for them from when to when, who is absent, and the delegation register. Routes
 * translate HTTP only (the use cases validate and audit); every id is looked up in the authenticated organisation,
 * so another organisation's function, person, mandate, absence or delegation is 404.
 */
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { brusselsDay, isDay } from '../../domain/mandates.ts';
import { ValidationError } from '../../errors.ts';
import {
  absenceInputSchema,
  absencesOf,
  addMandate,
  createFunction,
  delegationInputSchema,
  delegationRegister,
  directoryMandates,
  endMandate,
  endMandateInputSchema,
  functionInputSchema,
  mandateInputSchema,
  recordAbsence,
  registerDelegation,
  revokeDelegation,
  withdrawAbsence,
} from '../../workflow/index.ts';
import { principalOf } from '../auth.ts';
import { respondIdempotently } from '../idempotency.ts';
import { paramOf, staffRequest } from './envelopes.ts';

/** The JSON body as `schema` (no unknown members), or 400 naming each field. */
function bodyOf<S extends z.ZodObject>(req: Request, schema: S, what: string): z.output<S> {
  const parsed = schema.strict().safeParse(req.body ?? {});
  if (!parsed.success) throw new ValidationError(`Invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`);
  return parsed.data as z.output<S>;
}

/** An optional query parameter given once, as text. */
function queryOf(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`${name} must be given once.`);
  return value;
}

function dayQuery(req: Request, name: string): string | undefined {
  const value = queryOf(req, name);
  if (value !== undefined && !isDay(value)) throw new ValidationError(`${name} must be a day YYYY-MM-DD.`);
  return value;
}

function noStore(res: Response): Response {
  return res.set('Cache-Control', 'no-store');
}

export function mandatesRouter(deps: Deps): Router {
  const router = Router();
  const created = (req: Request, res: Response, fingerprint: unknown, run: () => Promise<unknown>) =>
    respondIdempotently(deps, req, res, { organisationId: principalOf(res).organisationId, fingerprint }, async () => ({ status: 201, body: await run() }));
  const changed = (req: Request, res: Response, run: () => Promise<unknown>) =>
    respondIdempotently(deps, req, res, { organisationId: principalOf(res).organisationId, fingerprint: null }, async () => ({ status: 200, body: await run() }));

  router.get('/functions', async (req, res) => {
    const { organisationId } = principalOf(res);
    const day = dayQuery(req, 'day') ?? brusselsDay(deps.workflow.clock());
    noStore(res).json(await directoryMandates(deps.workflow, organisationId, day));
  });

  router.post('/functions', async (req, res) => {
    const input = bodyOf(req, functionInputSchema, 'function');
    await created(req, res, input, () => createFunction(deps.workflow, { ...staffRequest(req, res), ...input }));
  });

  router.post('/functions/:id/mandates', async (req, res) => {
    const input = bodyOf(req, mandateInputSchema, 'mandate');
    await created(req, res, input, () => addMandate(deps.workflow, { ...staffRequest(req, res), functionId: paramOf(req, 'id'), ...input }));
  });

  router.post('/mandates/:id/end', async (req, res) => {
    const input = bodyOf(req, endMandateInputSchema, 'end of mandate');
    await respondIdempotently(deps, req, res, { organisationId: principalOf(res).organisationId, fingerprint: input }, async () => ({
      status: 200,
      body: await endMandate(deps.workflow, { ...staffRequest(req, res), mandateId: paramOf(req, 'id'), ...input }),
    }));
  });

  router.get('/absences', async (req, res) => {
    const { organisationId } = principalOf(res);
    const from = dayQuery(req, 'from') ?? brusselsDay(deps.workflow.clock());
    noStore(res).json({ absences: await absencesOf(deps.workflow, { organisationId, personId: queryOf(req, 'personId'), from }) });
  });

  router.post('/absences', async (req, res) => {
    const input = bodyOf(req, absenceInputSchema, 'absence');
    await created(req, res, input, () => recordAbsence(deps.workflow, { ...staffRequest(req, res), ...input }));
  });

  router.post('/absences/:id/withdraw', async (req, res) => {
    await changed(req, res, () => withdrawAbsence(deps.workflow, { ...staffRequest(req, res), absenceId: paramOf(req, 'id') }));
  });

  router.get('/delegations', async (req, res) => {
    const { organisationId } = principalOf(res);
    const includeRevoked = queryOf(req, 'includeRevoked');
    if (includeRevoked !== undefined && includeRevoked !== 'true' && includeRevoked !== 'false') throw new ValidationError('includeRevoked must be true or false.');
    const filter = { functionId: queryOf(req, 'functionId'), delegatePersonId: queryOf(req, 'delegatePersonId'), includeRevoked: includeRevoked === 'true' };
    noStore(res).json({ delegations: await delegationRegister(deps.workflow, { organisationId, ...filter }) });
  });

  router.post('/delegations', async (req, res) => {
    const input = bodyOf(req, delegationInputSchema, 'delegation');
    await created(req, res, input, () => registerDelegation(deps.workflow, { ...staffRequest(req, res), ...input }));
  });

  router.post('/delegations/:id/revoke', async (req, res) => {
    await changed(req, res, () => revokeDelegation(deps.workflow, { ...staffRequest(req, res), delegationId: paramOf(req, 'id') }));
  });

  return router;
}
