/**
 * Mails a recipient a 6-digit code, the optional second factor before signing (issue 4). The
 * code is uniform over 000000–999999 (rejection sampling on `deps.random`), valid
 * CODE_VALID_MINUTES, and stored only as SHA-256(recipient id ‖ ":" ‖ code); a new code
 * invalidates the older one. At most CODES_PER_WINDOW codes per recipient per
 * CODE_WINDOW_MINUTES, counted in the database so every instance shares the limit.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../audit/chain.ts';
import { AppError, ConflictError } from '../errors.ts';
import type { Envelope } from '../store/envelope-repository.ts';
import { countSigningCodesSince, replaceSigningCode } from '../store/signing-code-repository.ts';
import type { Recipient } from '../store/recipient-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { listWaitingIn } from './list-waiting-envelopes.ts';
import { effectContext, queueMail } from './notifications.ts';
import { accessByToken, assertActive, assertLinkUsable, batchAccessByToken, recipientActor } from './signing-link-access.ts';
import { inTransaction } from './transaction.ts';

export const CODE_VALID_MINUTES = 10;
export const CODE_MAX_ATTEMPTS = 5;
export const CODES_PER_WINDOW = 3;
export const CODE_WINDOW_MINUTES = 10;

export interface SendSigningCodeOptions extends LinkRequest {
  /** `link`: for the envelope of this link; `batch`: for everything that waits at /s/<token>/batch. */
  purpose: 'link' | 'batch';
}

export interface SentSigningCode {
  recipientId: string;
  expiresAt: string;
}

export function signingCodeHash(recipientId: string, code: string): string {
  return createHash('sha256').update(`${recipientId}:${code}`, 'utf8').digest('hex');
}

/** Six decimal digits, each value equally likely. */
export function randomSigningCode(random: (size: number) => Buffer = randomBytes): string {
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    const value = random(4).readUInt32BE(0);
    if (value < limit) return String(value % 1_000_000).padStart(6, '0');
  }
}

function codeNotRequired(): ConflictError {
  return new ConflictError('code_not_required', 'No code is needed to sign here.');
}

export async function sendSigningCode(deps: WorkflowDeps, options: SendSigningCodeOptions): Promise<SentSigningCode> {
  return inTransaction(deps, 'sendSigningCode', async (trx) => {
    const now = deps.clock();
    let recipient: Recipient;
    let envelopes: Envelope[];
    let batchCount: number | null = null;
    if (options.purpose === 'link') {
      const access = await accessByToken(trx, options.token);
      assertLinkUsable(access, now);
      assertActive(access, 'signer');
      if (!access.envelope.requireCode) throw codeNotRequired();
      recipient = access.recipient;
      envelopes = [access.envelope];
    } else {
      const identity = await batchAccessByToken(trx, options.token, now);
      recipient = identity.recipient;
      const waiting = (await listWaitingIn(trx, identity, now)).map((w) => w.envelope);
      envelopes = waiting.filter((e) => e.requireCode);
      if (envelopes.length === 0) throw codeNotRequired();
      // One code signs the whole batch, so the mail counts everything that waits.
      batchCount = waiting.length;
    }
    const since = new Date(now.getTime() - CODE_WINDOW_MINUTES * 60_000);
    if ((await countSigningCodesSince(trx, recipient.id, since)) >= CODES_PER_WINDOW) {
      throw new AppError('code_rate_limited', 429, `At most ${CODES_PER_WINDOW} codes per ${CODE_WINDOW_MINUTES} minutes.`);
    }
    const code = randomSigningCode(deps.random);
    const codeId = randomUUID();
    const expiresAt = new Date(now.getTime() + CODE_VALID_MINUTES * 60_000).toISOString();
    await replaceSigningCode(trx, { id: codeId, recipientId: recipient.id, codeSha256: signingCodeHash(recipient.id, code), expiresAt, createdAt: now.toISOString() });

    const actor = recipientActor(recipient);
    const [first] = envelopes;
    const ctx = await effectContext(trx, deps, first!, { actor, origin: options.origin, now });
    await queueMail(ctx, recipient, 'signingCode', { code, validMinutes: CODE_VALID_MINUTES, batchCount });
    // Each envelope the code is for records it in its own chain.
    for (const envelope of envelopes) {
      await appendAuditEvent(trx, {
        organisationId: envelope.organisationId,
        envelopeId: envelope.id,
        event: { action: 'code.sent', details: { recipientId: recipient.id, codeId, expiresAt, purpose: options.purpose } },
        actor,
        origin: options.origin,
        occurredAt: now,
      });
    }
    return { recipientId: recipient.id, expiresAt };
  });
}
