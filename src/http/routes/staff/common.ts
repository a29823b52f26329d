/** Helpers shared by the staff routes of src/http/routes/staff (issue 5). */
import type { Request, Response } from 'express';
import type { Deps } from '../../../deps.ts';
import { appendAuditEvent, type AuditEvent } from '../../../audit/index.ts';
import { withTransaction, type Db } from '../../../store/index.ts';
import { enqueueOutbox } from '../../../store/knex-outbox-store.ts';
import type { MailMessage } from '../../../notify/index.ts';
import { staffLayout, type StaffSection } from '../../../web/staff/layout.ts';
import { staffTranslator } from '../../../web/staff/i18n.ts';
import type { SafeHtml } from '../../../web/index.ts';
import { staffCsrfToken } from '../../staff/csrf.ts';
import { staffLanguageOf, staffOf } from '../../staff/session.ts';

export const origin = (req: Request) => ({ ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });

/** One org-level audit event (chain `org:<id>`), in `trx` when given. */
export async function auditOrg(
  db: Db,
  options: { organisationId: string; event: AuditEvent; actor: { kind: 'user' | 'system'; id?: string | null; label?: string | null }; req: Request; now: Date },
): Promise<void> {
  await withTransaction(db as never, (trx) =>
    appendAuditEvent(trx, { organisationId: options.organisationId, envelopeId: null, event: options.event, actor: options.actor, origin: origin(options.req), occurredAt: options.now }),
  );
}

/** The acting staff member as an audit actor. */
export const staffActor = (res: Response) => {
  const staff = staffOf(res);
  return { kind: 'user' as const, id: staff.userId, label: staff.email };
};

export async function queueMail(db: Db, organisationId: string, message: MailMessage, now: Date): Promise<void> {
  await enqueueOutbox(db, { organisationId, kind: 'mail', payload: message, now });
}

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
