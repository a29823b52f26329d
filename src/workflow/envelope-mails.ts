/**
 * The mails of one envelope as staff follow them (issue 5): every `mail.queued` event of its
 * chain joined with its outbox row; and the retry of a failed one (the row becomes due again,
 * audit `mail.retried`).
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { AppError } from '../errors.ts';
import type { MailMessage } from '../notify/index.ts';
import { listEnvelopeAuditEvents } from '../store/audit-event-repository.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { makeOutboxDue, outboxByIds } from '../store/knex-outbox-store.ts';
import { isUuid } from '../store/sql.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound } from './envelope-dto.ts';
import { inTransaction } from './transaction.ts';

export interface EnvelopeMail {
  outboxId: string;
  recipientId: string | null;
  to: string;
  mail: string;
  status: string;
  attempts: number;
  lastError: string | null;
  queuedAt: string;
  /** Dead, or still pending after failed attempts. */
  failed: boolean;
  /** Dead because the worker stopped while handing it to SMTP: it may have arrived (issue 10). */
  uncertain: boolean;
}

export interface EnvelopeMailsOptions {
  organisationId: string;
  envelopeId: string;
}

function isFailed(row: { status: string; attempts: number; lastError: string | null }): boolean {
  return row.status === 'dead' || (row.status === 'pending' && row.attempts > 0 && row.lastError !== null);
}

export async function listEnvelopeMails(deps: Pick<WorkflowDeps, 'db'>, options: EnvelopeMailsOptions): Promise<EnvelopeMail[]> {
  const events = (await listEnvelopeAuditEvents(deps.db, options.organisationId, options.envelopeId)).filter((e) => e.action === 'mail.queued');
  const queued = new Map(events.map((e) => [String(e.details.outboxId), e]));
  const rows = await outboxByIds(deps.db, options.organisationId, [...queued.keys()].filter(isUuid));
  return rows.map((row) => {
    const event = queued.get(row.id)!;
    const message = row.payload as Partial<MailMessage> | null;
    return {
      outboxId: row.id,
      recipientId: typeof event.details.recipientId === 'string' ? event.details.recipientId : null,
      to: message?.to?.email ?? String(event.details.email ?? ''),
      mail: String(event.details.mail ?? ''),
      status: row.status,
      attempts: row.attempts,
      lastError: row.lastError,
      queuedAt: row.createdAt,
      failed: isFailed(row),
      uncertain: row.deliveryState === 'uncertain',
    };
  });
}

export interface RetryMailOptions extends StaffRequest {
  envelopeId: string;
  outboxId: string;
}

function mailNotFound(): AppError {
  return new AppError('mail_not_found', 404, 'This envelope has no such failed mail.');
}

/** Makes one failed mail of the envelope due now; 404 when it is not a failed mail of this envelope. */
export async function retryEnvelopeMail(deps: WorkflowDeps, options: RetryMailOptions): Promise<void> {
  const { organisationId, envelopeId, outboxId } = options;
  if (!isUuid(outboxId)) throw mailNotFound();
  await inTransaction(deps, 'retryEnvelopeMail', async (trx) => {
    const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
    if (!envelope) throw envelopeNotFound();
    const mail = (await listEnvelopeMails({ db: trx }, { organisationId, envelopeId })).find((m) => m.outboxId === outboxId);
    if (!mail || !mail.failed) throw mailNotFound();
    const now = deps.clock();
    if (!(await makeOutboxDue(trx, organisationId, outboxId, now))) throw mailNotFound();
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'mail.retried', details: { outboxId, recipientId: mail.recipientId } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
  });
}
