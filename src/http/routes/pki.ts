/**
 * What our CAs publish, public and unauthenticated (issue 9), at the URLs certificates carry (src/keys/pki-urls.ts):
 *   GET  /pki/<slug|root>/ca.crt         the CA certificate, DER (RFC 5280 §4.2.2.1 caIssuers: application/pkix-cert)
 *   GET  /pki/<slug|root>/crl            its current CRL, DER (RFC 5280 §5, application/pkix-crl)
 *   POST /pki/<slug|root>/ocsp           RFC 6960 responder (application/ocsp-request → application/ocsp-response)
 *   GET  /pki/<slug|root>/ocsp/<base64>  the same by GET (RFC 6960 Appendix A.1)
 *   POST /pki/tsa                        the built-in RFC 3161 TSA (application/timestamp-query → -reply, §3.4)
 * Bodies are bounded, every route is rate limited per client IP, and a CA nobody has yet is 404.
 */
import express, { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.ts';
import { AppError, NotFoundError } from '../../errors.ts';
import { OCSP_REQUEST_LIMITS, OcspMalformedError, ocspErrorResponse, ocspRequestFromGetPath, type SigningKey } from '../../keys/index.ts';
import { answerOcsp, currentCrl } from '../../workflow/pki-publication.ts';
import { createTokenBuckets, rateLimit } from '../rate-limit.ts';

/** Requests per minute per client IP on /pki: validators ask once per certificate, a TSA client once per signature. */
export const PKI_RATE_LIMIT_PER_MINUTE = 600;
/** RFC 3161 requests are ~100 bytes (imprint, nonce, policy); 16 KiB leaves room and bounds the parser. */
const TSA_REQUEST_LIMIT = 16 * 1024;

export function pkiRouter(deps: Pick<Deps, 'workflow' | 'builtInTsa' | 'clock' | 'rateLimits'>): Router {
  const router = Router();
  const buckets = createTokenBuckets({ name: 'pki', perMinute: PKI_RATE_LIMIT_PER_MINUTE, clock: deps.clock, store: deps.rateLimits });
  router.use('/pki', rateLimit(buckets, () => {
    throw new AppError('rate_limited', 429, 'Too many requests; try again shortly.');
  }));
  const ocspBody = express.raw({ type: 'application/ocsp-request', limit: OCSP_REQUEST_LIMITS.maxBytes });
  const tsaBody = express.raw({ type: 'application/timestamp-query', limit: TSA_REQUEST_LIMIT });

  router.post('/pki/tsa', tsaBody, async (req: Request, res: Response) => {
    if (!deps.builtInTsa) throw new NotFoundError('This instance uses an external TSA (TSA_URL); it runs none itself.');
    const body = requestBody(req, 'application/timestamp-query');
    // respond() never throws for a bad request: it answers a TimeStampResp with status rejection (RFC 3161 §2.4.2).
    res.set('Cache-Control', 'no-store').type('application/timestamp-reply').send(await deps.builtInTsa.respond(body));
  });

  router.get('/pki/:name/ca.crt', async (req: Request, res: Response) => {
    const ca = await authority(deps, req);
    res.set('Cache-Control', 'public, max-age=86400').type('application/pkix-cert').send(Buffer.from(ca.certificates[0]));
  });

  router.get('/pki/:name/crl', async (req: Request, res: Response) => {
    const ca = await authority(deps, req);
    res.set('Cache-Control', 'public, max-age=300').type('application/pkix-crl').send(await currentCrl(deps.workflow, ca));
  });

  router.post('/pki/:name/ocsp', ocspBody, async (req: Request, res: Response) => {
    const ca = await authority(deps, req);
    await sendOcsp(deps, ca, () => requestBody(req, 'application/ocsp-request'), res);
  });

  // The base64 may hold '/' when a client does not URL-encode it: take the raw rest of the path.
  router.get(/^\/pki\/([a-z0-9-]+)\/ocsp\/(.+)$/, async (req: Request, res: Response) => {
    const [name, encoded] = [req.params[0], req.params[1]] as [string, string];
    const ca = await authorityNamed(deps, name);
    const raw = req.path.slice(`/pki/${name}/ocsp/`.length) || encoded;
    await sendOcsp(deps, ca, () => ocspRequestFromGetPath(raw), res);
  });

  return router;
}

async function sendOcsp(deps: Pick<Deps, 'workflow'>, ca: SigningKey, body: () => Buffer, res: Response): Promise<void> {
  res.set('Cache-Control', 'no-store').type('application/ocsp-response');
  try {
    res.send(await answerOcsp(deps.workflow, ca, body()));
  } catch (error) {
    // RFC 6960 §2.3: a request that cannot be read gets OCSPResponse malformedRequest, not an HTML or JSON error.
    if (!(error instanceof OcspMalformedError) && !(error instanceof AppError && error.code === 'unsupported_media_type')) throw error;
    res.status(400).send(ocspErrorResponse('malformedRequest'));
  }
}

function requestBody(req: Request, type: string): Buffer {
  if (!req.is(type) || !Buffer.isBuffer(req.body)) {
    throw new AppError('unsupported_media_type', 415, `Send a DER body with Content-Type: ${type}.`);
  }
  return req.body;
}

function authority(deps: Pick<Deps, 'workflow'>, req: Request): Promise<SigningKey> {
  return authorityNamed(deps, String(req.params.name));
}

async function authorityNamed(deps: Pick<Deps, 'workflow'>, name: string): Promise<SigningKey> {
  const ca = await deps.workflow.authorities.authority(name);
  if (!ca) throw new NotFoundError(`No CA is published as '${name}'.`);
  return ca;
}
