/**
 * The public PKI routes (src/http/routes/pki.ts): beside /api/v1, hence each path names its own server. No API key;
 * rate limited per client IP (429 with Retry-After).
 */
import type { Operation, Parameter, PathItem, Response } from './types.ts';

const der = (mediaType: string, description: string): Response => ({
  description,
  content: { [mediaType]: { schema: { type: 'string', contentMediaType: mediaType } } },
});
const notFound: Response = { description: 'No CA is published under this name (`not_found`).', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const limited: Response = { description: 'Too many requests from this address (`rate_limited`); see Retry-After.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const name: Parameter = { name: 'name', in: 'path', required: true, description: '`root`, or an organisation slug.', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' } };

function op(operationId: string, summary: string, description: string, extra: Partial<Operation>): Operation {
  return { operationId, summary, description, tags: ['PKI'], security: [], responses: {}, ...extra };
}

export function pkiPaths(baseUrl: string): Record<string, PathItem> {
  const servers = [{ url: baseUrl.replace(/\/+$/, ''), description: 'This Paraaf instance (outside /api/v1).' }];
  const ocspResponse = der('application/ocsp-response', 'A DER OCSPResponse (RFC 6960 §4.2.1), signed by the CA; malformedRequest with status 400 for a request that cannot be read.');
  return {
    '/pki/{name}/ca.crt': {
      servers,
      get: op('getCaCertificate', 'A CA certificate', 'The CA certificate in DER, as the AIA caIssuers URL of every certificate it issued points here (RFC 5280 §4.2.2.1).', {
        parameters: [name],
        responses: { '200': der('application/pkix-cert', 'The DER certificate.'), '404': notFound, '429': limited },
      }),
    },
    '/pki/{name}/crl': {
      servers,
      get: op('getCrl', 'A CA\'s current CRL', 'The CA\'s certificate revocation list in DER (RFC 5280 §5), signed by the CA, with the revocations recorded by `cert revoke`; the CRL distribution point of every certificate it issued.', {
        parameters: [name],
        responses: { '200': der('application/pkix-crl', 'The DER CRL.'), '404': notFound, '429': limited },
      }),
    },
    '/pki/{name}/ocsp': {
      servers,
      post: op('postOcsp', 'OCSP responder', 'RFC 6960 OCSP: good, revoked (with time and reason) or unknown for each certificate asked about; nonce echoed.', {
        parameters: [name],
        requestBody: { required: true, content: { 'application/ocsp-request': { schema: { type: 'string', contentMediaType: 'application/ocsp-request' } } } },
        responses: { '200': ocspResponse, '400': ocspResponse, '404': notFound, '429': limited },
      }),
    },
    '/pki/{name}/ocsp/{request}': {
      servers,
      get: op('getOcsp', 'OCSP responder by GET', 'The same by GET: the URL-encoded base64 of the DER OCSPRequest as last path segment (RFC 6960 Appendix A.1).', {
        parameters: [name, { name: 'request', in: 'path', required: true, description: 'URL-encoded base64 of the DER OCSPRequest.', schema: { type: 'string' } }],
        responses: { '200': ocspResponse, '400': ocspResponse, '404': notFound, '429': limited },
      }),
    },
    '/pki/tsa': {
      servers,
      post: op('postTimeStampQuery', 'Built-in time-stamping authority', 'RFC 3161 over HTTP (§3.4): a TimeStampReq in, a TimeStampResp out (a rejection with failInfo for a bad request). Only when TSA_URL is unset.', {
        requestBody: { required: true, content: { 'application/timestamp-query': { schema: { type: 'string', contentMediaType: 'application/timestamp-query' } } } },
        responses: { '200': der('application/timestamp-reply', 'A DER TimeStampResp.'), '404': notFound, '429': limited },
      }),
    },
  };
}
