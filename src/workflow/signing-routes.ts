/**
 * Signing-route templates of an organisation (`organisations.settings.routes`, issue 5): an admin
 * saves or deletes one (issue 10). One transaction each: the organisation read locked, only the
 * `routes` key rewritten from what is stored now, and `route.saved` / `route.deleted` recorded.
 * A step names a person or (issue 12) a function ("Algemeen directeur"), resolved when an envelope is
 * created to whoever signs for it on the day (resolve-function-signer.ts).
 */
import { randomUUID } from 'node:crypto';
import type { SignatureLevel } from '../domain/routing.ts';
import { ValidationError } from '../errors.ts';
import { functionById } from '../store/mandates.ts';
import { personById } from '../store/people.ts';
import type { Organisation } from '../store/organisations.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';
import { functionNotFound } from './resolve-function-signer.ts';
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
