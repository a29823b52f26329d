/**
 * HMACs bound to one signing link, keyed with a server secret (config `SIGNER_SECRET`):
 *
 * - CSRF tokens for the signer forms: HMAC-SHA256(secret, SHA-256(link token) ‖ purpose).
 *   Stateless (no session, no cookie): only a page served for this link can carry a valid one,
 *   and it is checked in constant time.
 * - Receipts: proof that this browser just signed or declined through this link, kept in a
 *   short-lived cookie. They let the result page and the downloads work after the link itself
 *   stops opening (envelope completed, links revoked on decline), without keeping the link alive.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type CsrfPurpose = 'sign' | 'decline' | 'declineConfirm' | 'code' | 'batch' | 'batchCode';
export type ReceiptKind = 'signed' | 'declined';

export interface Receipt {
  kind: ReceiptKind;
  organisationId: string;
  envelopeId: string;
  recipientId: string;
  /** Unix seconds. */
  expiresAt: number;
}

function linkDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function mac(secret: Buffer, token: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(linkDigest(token)).update(purpose, 'utf8').digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function csrfToken(secret: Buffer, token: string, purpose: CsrfPurpose): string {
  return mac(secret, token, `csrf:${purpose}`).toString('base64url');
}

export function verifyCsrfToken(secret: Buffer, token: string, purpose: CsrfPurpose, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
  return sameBytes(Buffer.from(presented, 'base64url'), mac(secret, token, `csrf:${purpose}`));
}

export function issueReceipt(secret: Buffer, token: string, receipt: Receipt): string {
  const payload = Buffer.from(JSON.stringify([receipt.kind, receipt.organisationId, receipt.envelopeId, receipt.recipientId, receipt.expiresAt])).toString('base64url');
  return `${payload}.${mac(secret, token, `receipt:${payload}`).toString('base64url')}`;
}

/** The receipt if it was issued for this link, is of `kind` and has not expired; otherwise null. */
export function readReceipt(secret: Buffer, token: string, kind: ReceiptKind, value: string | undefined, now: Date): Receipt | null {
  if (!value || value.length > 1024) return null;
  const [payload, signature, ...rest] = value.split('.');
  if (!payload || !signature || rest.length > 0) return null;
  if (!sameBytes(Buffer.from(signature, 'base64url'), mac(secret, token, `receipt:${payload}`))) return null;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields.length !== 5) return null;
  const [k, organisationId, envelopeId, recipientId, expiresAt] = fields as unknown[];
  if (k !== kind || typeof organisationId !== 'string' || typeof envelopeId !== 'string' || typeof recipientId !== 'string' || typeof expiresAt !== 'number') return null;
  if (expiresAt * 1000 <= now.getTime()) return null;
  return { kind, organisationId, envelopeId, recipientId, expiresAt };
}
