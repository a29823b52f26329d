/**
 * Signing-route templates of an organisation (`organisations.settings.routes`, issue 5): an admin
 * saves or deletes one (issue 10). One transaction each: the organisation read locked, only the
 * `routes` key rewritten from what is stored now, and `route.saved` / `route.deleted` recorded.
 * A step names a person or (issue 12) a function ("Algemeen directeur"), resolved when an envelope is
 * created to whoever signs for it on the day (resolve-function-signer.ts).
 */
import { randomUUID } from 'node:crypto';
import { coversDay, delegationCovers, type Capacity, type DocumentKind } from '../domain/mandates.ts';
import type { SignatureLevel } from '../domain/routing.ts';
import { AppError, ValidationError } from '../errors.ts';
import { functionById, listAbsences, listDelegations, listFunctions, type FunctionRow } from '../store/mandates.ts';
import { peopleByIds, personById, type Person } from '../store/people.ts';
import type { Organisation } from '../store/organisations.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';
import { functionNotFound } from './mandate-checks.ts';
import { resolveFunctionSigner } from './resolve-function-signer.ts';
import { changeOrganisation, organisationNotFound } from './update-organisation-settings.ts';

export const ROUTE_ROLES = ['signer', 'approver', 'cc'] as const;
export type RouteRole = (typeof ROUTE_ROLES)[number];

/** Who a step names: one person of the directory, or one function of the organisation (issue 12) — exactly one. */
export type RouteStepSigner = { personId: string; functionId?: undefined } | { functionId: string; personId?: undefined };

/** `signatureLevel` 'qualified': that signer must sign with their own qualified certificate (issue 13); absent means advanced. */
export type RouteStep = RouteStepSigner & { role: RouteRole; order: number; signatureLevel?: SignatureLevel };

/** What `organisations.settings.routes` holds; the send page reads it. */
export interface SigningRoute {
  id: string;
  name: string;
  steps: RouteStep[];
}

/** The functions a route step can name, by name (the route editor's choice). */
export async function routeFunctionsOf(deps: Pick<WorkflowDeps, 'db'>, organisationId: string): Promise<FunctionRow[]> {
  return listFunctions(deps.db, organisationId);
}

export function routesOf(organisation: Organisation): SigningRoute[] {
  return Array.isArray(organisation.settings.routes) ? (organisation.settings.routes as SigningRoute[]) : [];
}

export interface SaveSigningRouteOptions extends StaffRequest {
  /** The route to replace, or null for a new one. */
  routeId: string | null;
  name: string;
  /** Each person or function must be one of the organisation's (else 404); sorted by order when saved. */
  steps: SigningRoute['steps'];
}

export async function saveSigningRoute(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: SaveSigningRouteOptions): Promise<SigningRoute> {
  return inTransaction(deps, 'saveSigningRoute', async (trx) => {
    for (const step of options.steps) {
      if (typeof step.personId === 'string' && step.functionId === undefined) {
        if (!(await personById(trx, options.organisationId, step.personId))) throw organisationNotFound();
      } else if (typeof step.functionId === 'string' && step.personId === undefined) {
        if (!(await functionById(trx, options.organisationId, step.functionId))) throw functionNotFound();
      } else throw new ValidationError('A route step names either a person or a function.');
    }
    if (options.steps.some((s) => s.signatureLevel === 'qualified' && s.role !== 'signer')) throw new ValidationError('Only a signer step has a signature level.');
    // Advanced is the default: stored only when qualified, so routes saved before issue 13 read the same.
    const steps = [...options.steps]
      .sort((a, b) => a.order - b.order)
      .map(({ signatureLevel, ...step }) => (signatureLevel === 'qualified' ? { ...step, signatureLevel } : step));
    return changeOrganisation(deps, trx, options, (organisation) => {
      const stored = routesOf(organisation);
      if (options.routeId !== null && !stored.some((r) => r.id === options.routeId)) throw organisationNotFound();
      const route: SigningRoute = { id: options.routeId ?? randomUUID(), name: options.name, steps };
      const at = stored.findIndex((r) => r.id === route.id);
      const routes = at < 0 ? [...stored, route] : stored.map((r) => (r.id === route.id ? route : r));
      return { settings: { routes }, event: { action: 'route.saved', details: { routeId: route.id, name: route.name, steps } }, result: route };
    });
  });
}

export interface DeleteSigningRouteOptions extends StaffRequest {
  routeId: string;
}

/** The deleted route; 404 when the organisation has no such route. */
export async function deleteSigningRoute(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: DeleteSigningRouteOptions): Promise<SigningRoute> {
  return inTransaction(deps, 'deleteSigningRoute', (trx) =>
    changeOrganisation(deps, trx, options, (organisation) => {
      const stored = routesOf(organisation);
      const route = stored.find((r) => r.id === options.routeId);
      if (!route) throw organisationNotFound();
      return { settings: { routes: stored.filter((r) => r.id !== route.id) }, event: { action: 'route.deleted', details: { routeId: route.id, name: route.name } }, result: route };
    }),
  );
}

/** Why a step has nobody to sign on the day: its function is vacant or everyone is absent, or it names what no longer exists. */
export type RouteStepProblem = 'function_vacant' | 'function_everyone_absent' | 'function_not_found' | 'person_not_found';

/** A delegation the staff may choose for a function step (never chosen for them). */
export interface RouteStepDelegation {
  id: string;
  delegate: Pick<Person, 'id' | 'name' | 'function'>;
  validUntil: string | null;
}

/** Who signs for one step of a route on a day, as the send pages show it before anything is sent. */
export interface RouteStepSigners {
  index: number;
  role: RouteRole;
  order: number;
  signatureLevel?: SignatureLevel;
  /** Null for a step naming a person. */
  functionId: string | null;
  functionName: string | null;
  /** Who signs without a delegation: the person named, the holder or a substitute; null with a problem. */
  person: Pick<Person, 'id' | 'name' | 'email' | 'function'> | null;
  capacity: Capacity | null;
  /** The recipient's function text: the function, "wnd. …", or a person's own directory function. */
  function: string | null;
  /** For a substitute: the holder they replace and the last day of that absence. */
  absent: { name: string; until: string | null } | null;
  /** Delegations of a delegable function that cover the day and the kind of document, for the staff to choose. */
  delegations: RouteStepDelegation[];
  problem: RouteStepProblem | null;
}

/**
 * Who signs each step of a route on `day` (the meeting's date, else today) for documents of `kind`: read-only,
 * with the same resolution createEnvelope stores (resolveFunctionSigner), so the page shows who will get the mail.
 */
export async function routeSignersOn(
  deps: Pick<WorkflowDeps, 'db'>,
  organisationId: string,
  steps: readonly { personId?: string; functionId?: string; role: RouteRole; order: number; signatureLevel?: SignatureLevel }[],
  day: string,
  kind: DocumentKind | null,
): Promise<RouteStepSigners[]> {
  const result: RouteStepSigners[] = [];
  for (const [index, step] of steps.entries()) {
    const base = { index, role: step.role, order: step.order, ...(step.signatureLevel ? { signatureLevel: step.signatureLevel } : {}), absent: null, delegations: [] };
    if (!step.functionId) {
      const person = step.personId ? await personById(deps.db, organisationId, step.personId) : null;
      const active = person?.active ? person : null;
      result.push({ ...base, functionId: null, functionName: null, person: active, capacity: null, function: active?.function ?? null, problem: active ? null : 'person_not_found' });
      continue;
    }
    const fn = await functionById(deps.db, organisationId, step.functionId);
    if (!fn) {
      result.push({ ...base, functionId: step.functionId, functionName: null, person: null, capacity: null, function: null, problem: 'function_not_found' });
      continue;
    }
    const delegations = fn.delegable && kind !== 'minutes' ? await choosableDelegations(deps, organisationId, fn.id, day, kind) : [];
    try {
      const signer = await resolveFunctionSigner(deps.db, organisationId, { functionId: fn.id, day, kind });
      const absent = signer.absentPersonId ? await absenceOf(deps, organisationId, signer.absentPersonId, day) : null;
      result.push({ ...base, functionId: fn.id, functionName: fn.name, person: signer.person, capacity: signer.capacity, function: signer.function, absent, delegations, problem: null });
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'function_vacant' && error.code !== 'function_everyone_absent')) throw error;
      result.push({ ...base, functionId: fn.id, functionName: fn.name, person: null, capacity: null, function: null, delegations, problem: error.code });
    }
  }
  return result;
}

async function choosableDelegations(deps: Pick<WorkflowDeps, 'db'>, organisationId: string, functionId: string, day: string, kind: DocumentKind | null): Promise<RouteStepDelegation[]> {
  const choosable: RouteStepDelegation[] = [];
  const covering = (await listDelegations(deps.db, organisationId, { functionId })).filter((d) => delegationCovers(d, day, kind));
  const delegates = await peopleByIds(deps.db, organisationId, covering.map((d) => d.delegatePersonId));
  for (const delegation of covering) {
    const delegate = delegates.get(delegation.delegatePersonId);
    if (delegate?.active) choosable.push({ id: delegation.id, delegate: { id: delegate.id, name: delegate.name, function: delegate.function }, validUntil: delegation.validUntil });
  }
  return choosable;
}

/** The holder a substitute replaces, and until when they are absent (null: no holder that day). */
async function absenceOf(deps: Pick<WorkflowDeps, 'db'>, organisationId: string, personId: string, day: string): Promise<RouteStepSigners['absent']> {
  const person = await personById(deps.db, organisationId, personId);
  if (!person) return null;
  const absences = (await listAbsences(deps.db, organisationId, { personId, from: day, includeWithdrawn: false })).filter((a) => coversDay(a, day));
  const until = absences.reduce<string | null>((last, a) => (last === null || a.endsOn > last ? a.endsOn : last), null);
  return { name: person.name, until };
}
