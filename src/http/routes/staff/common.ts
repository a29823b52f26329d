/**
 * Helpers shared by the staff routes of src/http/routes/staff (issue 5). Their state changes are
 * use cases in src/workflow (one transaction with the audit event, issue 10): no audit or mail here.
 */
import type { Request, Response } from 'express';
import type { Deps } from '../../../deps.ts';
import { staffLayout, type StaffSection } from '../../../web/staff/layout.ts';
import { staffTranslator } from '../../../web/staff/i18n.ts';
import type { SafeHtml } from '../../../web/index.ts';
import { staffCsrfToken } from '../../staff/csrf.ts';
import { staffLanguageOf, staffOf } from '../../staff/session.ts';

export const origin = (req: Request) => ({ ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });

/** The acting staff member as an audit actor. */
export const staffActor = (res: Response) => {
  const staff = staffOf(res);
  return { kind: 'user' as const, id: staff.userId, label: staff.email };
};

/** Renders a page of a logged-in staff member, with the logout form's token. */
export function page(deps: Deps, res: Response, status: number, options: { title: string; active?: StaffSection; body: SafeHtml }): void {
  res
    .status(status)
    .type('html')
    .send(staffLayout({ lang: staffLanguageOf(res), staff: staffOf(res), title: options.title, active: options.active, body: options.body.value, csrf: staffCsrfToken(deps, res) }));
}

export const tOf = (res: Response) => staffTranslator(staffLanguageOf(res));

export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
