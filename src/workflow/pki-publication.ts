/**
 * What our CAs publish (issue 9): each CA's certificate, its CRL (RFC 5280 §5) and its OCSP answers (RFC 6960),
 * from the revocations recorded by `cert revoke` (store/revoked-certificates.ts); and the revocation source that
 * puts the same answers into a PDF's /DSS (B-LT). Every CA signs its own CRL and responses.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { buildCrl, buildOcspResponse, createOwnRevocationSource, isCrlReason, ocspErrorResponse, parseOcspRequest, type CertStatus, type RevocationSource, type SigningKey } from '../keys/index.ts';
import { revocationOf, revokedBy } from '../store/revoked-certificates.ts';
import type { WorkflowDeps } from './deps.ts';

/** How long a client may keep an OCSP answer or a CRL before asking again (nextUpdate). */
export const OCSP_VALIDITY_MS = 24 * 60 * 60_000;
export const CRL_VALIDITY_MS = 7 * 24 * 60 * 60_000;

type PublicationDeps = Pick<WorkflowDeps, 'db' | 'clock' | 'authorities'>;

export const certificateSha256 = (der: Buffer | Uint8Array): string => createHash('sha256').update(der).digest('hex');

/** The CA's record of one of its certificates: revoked when `cert revoke` named it, good otherwise. */
export async function certificateStatus(deps: Pick<WorkflowDeps, 'db'>, issuer: X509Certificate | Buffer, serial: Buffer): Promise<CertStatus> {
  const der = Buffer.isBuffer(issuer) ? issuer : issuer.raw;
  const revoked = await revocationOf(deps.db, certificateSha256(der), serial);
  if (!revoked) return { status: 'good' };
  const reason = revoked.reason && isCrlReason(revoked.reason) ? revoked.reason : undefined;
  return { status: 'revoked', revokedAt: new Date(revoked.revokedAt), ...(reason ? { reason } : {}) };
}

/**
 * The CA's current CRL. cRLNumber (RFC 5280 §5.2.3) is the issuing second: it increases with every CRL issued
 * without any stored counter, and two CRLs made within one second list the same revocations.
 */
export async function currentCrl(deps: Pick<WorkflowDeps, 'db' | 'clock'>, authority: SigningKey): Promise<Buffer> {
  const now = deps.clock();
  const revoked = await revokedBy(deps.db, certificateSha256(authority.certificates[0]));
  return buildCrl({
    issuer: authority,
    entries: revoked.map((r) => ({
      serialNumber: Buffer.from(r.serialHex.length % 2 ? `0${r.serialHex}` : r.serialHex, 'hex'),
      revokedAt: new Date(r.revokedAt),
      ...(r.reason && isCrlReason(r.reason) ? { reason: r.reason } : {}),
    })),
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS),
    crlNumber: BigInt(Math.floor(now.getTime() / 1000)),
  });
}

/** The DER OCSPResponse to an OCSPRequest sent to `authority`'s responder; parse errors throw OcspMalformedError. */
export async function answerOcsp(deps: PublicationDeps, authority: SigningKey, requestDer: Buffer): Promise<Buffer> {
  const request = parseOcspRequest(requestDer);
  const issuer = Buffer.from(authority.certificates[0]);
  try {
    return await buildOcspResponse({
      responder: authority,
      request,
      status: (serial) => certificateStatus(deps, issuer, serial),
      now: deps.clock(),
      validityMs: OCSP_VALIDITY_MS,
    });
  } catch {
    return ocspErrorResponse('internalError');
  }
}

/** Our CAs' OCSP answers, made in-process, for /DSS (B-LT); one response per certificate keeps each revision small. */
export function ownRevocationSource(deps: PublicationDeps): RevocationSource {
  return createOwnRevocationSource({
    authorityFor: (issuer) => deps.authorities.authorityFor(issuer),
    status: (issuer, serial) => certificateStatus(deps, issuer, serial),
    clock: deps.clock,
    ocspValidityMs: OCSP_VALIDITY_MS,
  });
}
