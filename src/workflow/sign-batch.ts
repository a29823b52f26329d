/**
 * Batch signing (issue 4, DESIGN §7 `/s/<token>/batch`): the person behind a link signs the
 * envelopes they selected among those waiting for them, with one consent and, when any of them
 * asks for it, one mailed code. Each envelope is signed by signAsRecipient in its own
 * transaction with its usual audit events plus `code.verified` and `batch.signed`, so one that
 * fails (cancelled meanwhile, someone else's turn) leaves the others signed and is reported.
 */
import { randomUUID } from 'node:crypto';
import { AppError, ValidationError } from '../errors.ts';
import { recipientRowsForEmail } from '../store/waiting-envelopes.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { envelopesByIds, listWaitingIn } from './list-waiting-envelopes.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { signAsRecipient } from './sign-envelope.ts';
import { batchAccessByToken } from './signing-link-access.ts';
import { verifySigningCode, type VerifiedCode } from './verify-signing-code.ts';

export const MAX_BATCH = 200;

export interface SignBatchOptions extends LinkRequest {
  envelopeIds: readonly string[];
  code?: unknown;
  /**
   * A batch signed in several calls (the page's script signs envelope by envelope to show
   * progress): the batch these envelopes belong to, and the code checked by an earlier call of
   * it, for this same recipient. The caller vouches for both (signer-batch.ts carries them in a
   * signed ticket); without them each call is its own batch and checks its own code.
   * `startedAt` (Unix milliseconds): when the batch began, with the link valid; its later calls may
   * go on after the batch completed the link's own envelope (BatchAccessOptions), for what was
   * sent before it began.
   */
  continuing?: { batchId: string; batchSize: number; verifiedCode?: VerifiedCode; startedAt?: number };
}

export type BatchItemResult =
  | { envelopeId: string; title: string; signed: true; envelope: EnvelopeDto; recipientId: string }
  /** `reason`: an error code (`link_gone`, `recipient_not_active` …) or `envelope_<status>` / `already_signed` for one that no longer waits. */
  | { envelopeId: string; title: string; signed: false; reason: string };

export interface SignBatchResult {
  batchId: string;
  results: BatchItemResult[];
  /** The code this call relied on, if any: a batch signed in several calls carries it on. */
  verifiedCode?: VerifiedCode;
}

export async function signBatch(deps: WorkflowDeps, options: SignBatchOptions): Promise<SignBatchResult> {
  const ids = [...new Set(options.envelopeIds)];
  if (ids.length === 0) throw new AppError('batch_empty', 400, 'Select at least one envelope.');
  if (ids.length > MAX_BATCH) throw new ValidationError(`At most ${MAX_BATCH} envelopes at once.`);
  const startedAt = options.continuing?.startedAt;
  const access = await batchAccessByToken(deps.db, options.token, deps.clock(), { startedAt: typeof startedAt === 'number' ? new Date(startedAt) : undefined });
  // Only envelopes this person is a recipient of; anything else is not theirs to name.
  const mine = await recipientRowsForEmail(deps.db, access.organisationId, access.recipient.email, ['sent', 'in_progress', 'completed', 'declined', 'cancelled', 'expired']);
  if (ids.some((id) => !mine.some((row) => row.envelopeId === id))) throw new AppError('envelope_not_found', 404, 'There is no such envelope for this person.');

  const waiting = await listWaitingIn(deps.db, access, deps.clock());
  const selected = waiting.filter((w) => ids.includes(w.envelope.id));
  const carried = options.continuing?.verifiedCode;
  let verifiedCode: VerifiedCode | undefined = carried?.codeRecipientId === access.recipient.id ? carried : undefined;
  if (!verifiedCode && selected.some((w) => w.envelope.requireCode)) verifiedCode = await verifySigningCode(deps, { recipientId: access.recipient.id, code: options.code });

  const batchId = options.continuing?.batchId ?? randomUUID();
  const batchSize = options.continuing?.batchSize ?? selected.length;
  const envelopes = await envelopesByIds(deps.db, access.organisationId, ids);
  const results: BatchItemResult[] = [];
  for (const envelope of envelopes) {
    const base = { envelopeId: envelope.id, title: envelope.title };
    const item = selected.find((w) => w.envelope.id === envelope.id);
    if (!item) {
      const signedAlready = mine.some((row) => row.envelopeId === envelope.id && row.status === 'signed');
      results.push({ ...base, signed: false, reason: signedAlready ? 'already_signed' : envelope.status === 'sent' || envelope.status === 'in_progress' ? 'not_waiting' : `envelope_${envelope.status}` });
      continue;
    }
    try {
      const done = await signAsRecipient(deps, {
        organisationId: envelope.organisationId,
        envelopeId: envelope.id,
        recipientId: item.recipient.id,
        origin: options.origin,
        verifiedCode: envelope.requireCode ? verifiedCode : undefined,
        batch: { batchId, batchSize },
      });
      results.push({ ...base, signed: true, envelope: done.envelope, recipientId: done.recipientId });
    } catch (error) {
      if (!(error instanceof AppError)) deps.logger.error({ err: error, envelopeId: envelope.id, batchId }, 'batch signing failed for one envelope');
      const reason = error instanceof AppError ? await failureReason(deps, envelope.organisationId, envelope.id, error) : 'internal_error';
      results.push({ ...base, signed: false, reason });
    }
  }
  return { batchId, results, verifiedCode };
}

/** A link that stopped working names what happened to its envelope. */
async function failureReason(deps: WorkflowDeps, organisationId: string, envelopeId: string, error: AppError): Promise<string> {
  if (error.code !== 'link_gone') return error.code;
  const now = await loadEnvelopeDto(deps.db, organisationId, envelopeId);
  return now.status === 'sent' || now.status === 'in_progress' ? 'envelope_expired' : `envelope_${now.status}`;
}
