/**
 * Checks a code typed by the signer (issue 4) in its own transaction, so that a wrong attempt
 * is counted even though the signing it guards does not happen. The right code is used up;
 * CODE_MAX_ATTEMPTS wrong ones kill it; an expired, used or replaced code needs a new one.
 * The `code.verified` audit event is written by the signing transaction that relies on it.
 */
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import { latestSigningCode, updateSigningCode, type SigningCode } from '../store/signing-code-repository.ts';
import type { Db } from '../store/sql.ts';
import type { WorkflowDeps } from './deps.ts';
import { CODE_MAX_ATTEMPTS, signingCodeHash } from './send-signing-code.ts';
import { inTransaction } from './transaction.ts';

export interface VerifySigningCodeOptions {
  /** The recipient the code was mailed to. */
  recipientId: string;
  code: unknown;
}

/** Proof, for the signing transaction, that a code was checked. */
export interface VerifiedCode {
  codeId: string;
  codeRecipientId: string;
  failedAttempts: number;
}

/** What the signer pages tell: why a code was refused. */
export type CodeProblem = 'code_required' | 'code_missing' | 'code_invalid' | 'code_expired' | 'code_locked';

const MESSAGES: Record<CodeProblem, string> = {
  code_required: 'Enter the code that was mailed to you.',
  code_missing: 'Ask for a code first; an earlier code was used or replaced.',
  code_invalid: 'The code is not right.',
  code_expired: 'The code has expired; ask for a new one.',
  code_locked: 'Too many wrong codes; ask for a new one.',
};

export function codeError(problem: CodeProblem, remainingAttempts?: number): AppError {
  return new AppError(problem, 400, MESSAGES[problem], remainingAttempts === undefined ? {} : { extensions: { remainingAttempts } });
}

export function isCodeProblem(code: string): code is CodeProblem {
  return code in MESSAGES;
}

function isLive(code: SigningCode, now: Date): boolean {
  return code.usedAt === null && code.invalidatedAt === null && code.attempts < CODE_MAX_ATTEMPTS && new Date(code.expiresAt).getTime() > now.getTime();
}

/** The recipient's usable code, if any: what the page needs to say "we mailed you a code". */
export async function liveSigningCode(db: Db, recipientId: string, now: Date): Promise<{ expiresAt: string } | null> {
  const code = await latestSigningCode(db, recipientId);
  return code && isLive(code, now) ? { expiresAt: code.expiresAt } : null;
}

export async function verifySigningCode(deps: WorkflowDeps, options: VerifySigningCodeOptions): Promise<VerifiedCode> {
  const typed = typeof options.code === 'string' ? options.code.replace(/[\s-]/g, '') : '';
  if (typed === '') throw codeError('code_required');
  const outcome = await inTransaction(deps, 'verifySigningCode', async (trx): Promise<VerifiedCode | { problem: CodeProblem; remaining?: number }> => {
    const now = deps.clock();
    const code = await latestSigningCode(trx, options.recipientId);
    if (!code || code.usedAt !== null || code.invalidatedAt !== null) return { problem: 'code_missing' };
    if (code.attempts >= CODE_MAX_ATTEMPTS) return { problem: 'code_locked' };
    if (new Date(code.expiresAt).getTime() <= now.getTime()) return { problem: 'code_expired' };
    const expected = Buffer.from(code.codeSha256, 'hex');
    const presented = Buffer.from(signingCodeHash(options.recipientId, typed), 'hex');
    if (/^\d{6}$/.test(typed) && timingSafeEqual(expected, presented)) {
      await updateSigningCode(trx, code.id, { usedAt: now.toISOString() });
      return { codeId: code.id, codeRecipientId: options.recipientId, failedAttempts: code.attempts };
    }
    const attempts = code.attempts + 1;
    await updateSigningCode(trx, code.id, { attempts });
    return attempts >= CODE_MAX_ATTEMPTS ? { problem: 'code_locked' } : { problem: 'code_invalid', remaining: CODE_MAX_ATTEMPTS - attempts };
  });
  if ('problem' in outcome) throw codeError(outcome.problem, outcome.remaining);
  return outcome;
}
