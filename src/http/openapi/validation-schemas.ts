/** `components.schemas` of the validation report (src/pades/report.ts), answered by `POST /api/v1/verify`. */
import type { JsonSchema } from './types.ts';

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const nullable = (description?: string, extra: JsonSchema = {}): JsonSchema => ({ type: ['string', 'null'], ...(description ? { description } : {}), ...extra });
const time = (description?: string): JsonSchema => str(description, { format: 'date-time' });
const nullableTime = (description?: string): JsonSchema => nullable(description, { format: 'date-time' });
const bool = (description?: string): JsonSchema => ({ type: 'boolean', ...(description ? { description } : {}) });
const strings = (description?: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, ...(description ? { description } : {}) });
const LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
const STATUSES = ['good', 'revoked', 'unknown'] as const;

/** Every property listed is required: the report always has each member, null when empty. */
function object(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return { type: 'object', ...(description ? { description } : {}), properties, required: Object.keys(properties), additionalProperties: false };
}

const certificate = object({
  subject: str(),
  commonName: nullable(),
  email: nullable(),
  organisation: nullable(),
  title: nullable(),
  issuer: str(),
  serialNumber: str('Lowercase hex.'),
  fingerprintSha256: str(undefined, { pattern: '^[0-9a-f]{64}$' }),
  validFrom: time(),
  validTo: time(),
});

const chain = object({
  trusted: bool('A path to a trust anchor was built.'),
  path: strings('Subjects from the certificate up to the anchor, or as far as a path went.'),
  validAtSigningTime: bool('Every certificate of the path was valid at the time it was judged at.'),
  reason: nullable(),
});

const revocation = object({
  status: str('Worst status over the chain, anchors excluded.', { enum: [...STATUSES, 'not_checked'] }),
  checkedAt: time('The moment the chain was judged at.'),
  certificates: {
    type: 'array',
    items: object({
      subject: str(),
      serialNumber: str(),
      status: str(undefined, { enum: STATUSES }),
      source: { type: ['string', 'null'], enum: ['ocsp', 'crl', null] },
      origin: { type: ['string', 'null'], enum: ['dss', 'live', null], description: '`dss`: embedded in the PDF; `live`: asked at validation time.' },
      revokedAt: nullableTime(),
      reason: nullable('CRLReason, e.g. keyCompromise.'),
    }),
  },
});

const timestampReport = object({
  genTime: nullableTime('The time the TSA vouches for (RFC 3161).'),
  valid: bool(),
  imprintMatches: bool(),
  signatureValid: bool(),
  timeStampingEku: bool(),
  tsa: { oneOf: [ref('CertificateSummary'), { type: 'null' }] },
  chain: ref('ChainReport'),
  revocation: ref('RevocationReport'),
  judgedAt: time('When the TSA chain was judged: the validation time, or the time of a later timestamp covering this one.'),
  problems: strings(),
});

const qualification = object(
  {
    kind: str(
      '`qualified`: a qualified certificate for electronic signatures (QcCompliance, QcType esign) with its key on a QSCD, issued by a CA/QC ' +
        'service granted on a loaded ETSI TS 119 612 trusted list at issuance and at `judgedAt`; `non_qualified`: known not to be; ' +
        '`unknown`: the certificate says it is qualified but no loaded trusted list confirms or denies it.',
      { enum: ['qualified', 'non_qualified', 'unknown'] },
    ),
    qcCompliance: bool('QcCompliance (ETSI EN 319 412-5) in the certificate, or QCStatement in the trusted list.'),
    qcSscd: bool('The key is on a qualified signature creation device: QcSSCD in the certificate, or QCWithQSCD in the trusted list.'),
    qcType: { type: ['string', 'null'], enum: ['esign', 'eseal', 'web', null], description: 'QcType, as the certificate or the trusted list says.' },
    service: {
      oneOf: [
        object({ tsp: str('The trust service provider.'), name: str('The trust service.'), status: str('Its status at `judgedAt`, e.g. granted, withdrawn.') }),
        { type: 'null' },
      ],
    },
    reason: nullable('Why the certificate is not qualified, or not known to be; null when it is.'),
  },
  'The signer certificate judged against the trusted lists (ETSI TS 119 615).',
);

const signature = object(
  {
    fieldName: str(),
    subFilter: str(),
    signingTime: nullableTime('/M of the signature dictionary (self-declared), or a document timestamp\'s genTime.'),
    reason: nullable(),
    location: nullable(),
    signer: { oneOf: [ref('CertificateSummary'), { type: 'null' }] },
    integrity: object({
      valid: bool(),
      digestAlgorithm: nullable(),
      signatureAlgorithm: nullable(),
      byteRange: { type: 'array', items: { type: 'integer' } },
      byteRangeValid: bool(),
    }),
    coverage: object({
      revision: { type: 'integer' },
      revisions: { type: 'integer' },
      coversWholeFile: bool(),
      modificationsAfter: str(undefined, { enum: ['none', 'signatures_and_forms', 'other'] }),
      changes: strings(),
    }),
    timeSource: { type: ['string', 'null'], enum: ['timestamp', 'self_declared', null], description: '`self_declared`: only /M, a time the signing software wrote itself.' },
    judgedAt: time('The proven time the signer chain was judged at, else the validation time.'),
    timestamp: { oneOf: [ref('TimestampReport'), { type: 'null' }] },
    chain: ref('ChainReport'),
    revocation: ref('RevocationReport'),
    certificate: ref('CertificateQualification'),
    level: object({
      achieved: { type: ['string', 'null'], enum: [...LEVELS, null] },
      reasons: strings('Why the next level is not reached.'),
    }),
    problems: strings(),
    valid: bool(),
  },
  'One signature or document timestamp.',
);

export const validationSchemas: Record<string, JsonSchema> = {
  CertificateSummary: certificate,
  ChainReport: chain,
  RevocationReport: revocation,
  TimestampReport: timestampReport,
  CertificateQualification: qualification,
  SignatureReport: signature,
  ValidationReport: object(
    {
      verdict: str(undefined, { enum: ['valid', 'invalid', 'untrusted', 'no_signatures'] }),
      valid: bool('Every signature is valid and trusted.'),
      revisions: { type: 'integer' },
      validationTime: time('The moment the file was judged as of (`at`, default now).'),
      signatures: { type: 'array', items: ref('SignatureReport') },
      problems: strings('Problems of the file as a whole.'),
    },
    'Result of validating every signature in the PDF.',
  ),
};
