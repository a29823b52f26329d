/**
 * Deferred (two-step) PAdES signing, for a signer whose key is elsewhere (DESIGN §5): Web eID signs
 * a hash on the citizen's card, a CSC service signs a hash on its QSCD (CSC API v2 signatures/signHash).
 *
 * prepareDeferredSignature writes the incremental update with an empty /Contents and returns the signed
 * attributes and their hash, which the signer signs; completeDeferredSignature, perhaps minutes later
 * and in another process, checks the document did not move on and the value is right, and fills the
 * gap. Both halves are those of signPdf (sign-pdf.ts), so a deferred signature is the same PDF update
 * and the same CMS as one made with a key we hold.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError, ConflictError, SignatureError } from '../errors.ts';
import type { TimeStamper } from '../keys/types.ts';
import { signedAttributesFor } from './cms-build.ts';
import { checkedSignatureValue, externalSignerFromCertificates, type ExternalSigner } from './external-signer.ts';
import { byteRangeDigest, completeSignatureUpdate, prepareSignatureUpdate, type SignatureUpdateOptions } from './sign-pdf.ts';

export interface PreparedSignature {
  signer: ExternalSigner;
  /** sha-256 hex of the PDF the update goes after, and its length. */
  basePdfSha256: string;
  baseLength: number;
  /** The incremental update with /Contents still zeros, and where the hex gap lies in it (from its `<` to just past its `>`). */
  update: Buffer;
  contentsAt: number;
  contentsEnd: number;
  /** DER SET OF the signed attributes: the bytes the signature value is over (RFC 5652 §5.4). */
  signedAttributes: Buffer;
  /** hash(signedAttributes) with signer.hash: what Web eID `sign` and CSC `signHash` sign. */
  dataToBeSignedDigest: Buffer;
  timestampReserve: number;
}

export type PrepareDeferredOptions = SignatureUpdateOptions & { externalSigner: ExternalSigner };

export interface CompleteDeferredOptions {
  /** Makes the signature B-T: a signature timestamp over the value, as signPdf's timeStamper. */
  timeStamper?: TimeStamper;
}

/** The update for `options.externalSigner` after `pdf`, and what that signer has to sign. */
export async function prepareDeferredSignature(pdf: Buffer, options: PrepareDeferredOptions): Promise<PreparedSignature> {
  const signer = options.externalSigner;
  const prepared = prepareSignatureUpdate(pdf, options, signer);
  return {
    signer,
    basePdfSha256: createHash('sha256').update(pdf).digest('hex'),
    baseLength: pdf.length,
    ...prepared,
    dataToBeSignedDigest: createHash(signer.hash).update(prepared.signedAttributes).digest(),
  };
}

/**
 * `pdf` followed by the prepared update, its /Contents holding the CMS around `signatureValue` (and a
 * signature timestamp with `options.timeStamper`). Refuses with ConflictError `document_changed` (409)
 * when `pdf` is not the document the update was prepared after, and AppError `signature_value_invalid`
 * (422) when the value does not verify with the leaf's key over the signed attributes; accepts ECDSA
 * as DER or raw r‖s (IEEE P1363, what cards return) and RSA PKCS#1 v1.5 or PSS (salt = hash length).
 */
export async function completeDeferredSignature(pdf: Buffer, prepared: PreparedSignature, signatureValue: Buffer, options: CompleteDeferredOptions = {}): Promise<Buffer> {
  const { signer } = prepared;
  if (pdf.length !== prepared.baseLength || createHash('sha256').update(pdf).digest('hex') !== prepared.basePdfSha256) {
    throw new ConflictError('document_changed', 'The document changed after it was prepared for this signature; start the signature again.');
  }
  // The stored update and attributes must still belong together: a value over attributes that no
  // longer match the bytes would give a PDF whose signature is broken from the start.
  const digest = byteRangeDigest(pdf, prepared.update, prepared.contentsAt, prepared.contentsEnd, signer);
  if (!signedAttributesFor(signer, digest).equals(prepared.signedAttributes)) {
    throw invalidPrepared('the signed attributes do not match the prepared update');
  }
  const value = Buffer.isBuffer(signatureValue) && signatureValue.length <= MAX_SIGNATURE_VALUE ? checkedSignatureValue(signer, prepared.signedAttributes, signatureValue) : null;
  if (!value) {
    throw new AppError('signature_value_invalid', 422, 'The signature does not match the signer\'s certificate and this document.', {
      detail: `${signer.scheme}/${signer.hash} value of ${Buffer.isBuffer(signatureValue) ? signatureValue.length : typeof signatureValue} bytes`,
    });
  }
  return completeSignatureUpdate(pdf, signer, prepared, value, options.timeStamper);
}

/** Above an RSA-16384 value: no real signature value is larger, so a larger one is not even looked at. */
const MAX_SIGNATURE_VALUE = 2048;

const invalidPrepared = (detail: string): SignatureError =>
  new SignatureError('prepared_signature_invalid', 'The pending signature cannot be read; start the signature again.', { detail });

/** Far above a real update (a few tens of kB), low enough that a stored value cannot make us read megabytes. */
const MAX_SERIALIZED = 1 << 20;

const base64 = z.base64();
const serializedSchema = z.strictObject({
  version: z.literal(1),
  signer: z.strictObject({
    certificates: z.array(base64).min(1),
    scheme: z.enum(['rsa-pkcs1', 'rsa-pss', 'ecdsa']),
    hash: z.enum(['sha256', 'sha384', 'sha512']),
    signatureSize: z.int().positive(),
  }),
  basePdfSha256: z.string().regex(/^[0-9a-f]{64}$/),
  baseLength: z.int().nonnegative(),
  update: base64,
  contentsAt: z.int().nonnegative(),
  contentsEnd: z.int().positive(),
  signedAttributes: base64,
  dataToBeSignedDigest: base64,
  timestampReserve: z.int().nonnegative(),
});

/** The pending state as a JSON string (buffers in base64), to keep server-side between the two steps. */
export function serializePreparedSignature(p: PreparedSignature): string {
  const b64 = (buffer: Buffer): string => buffer.toString('base64');
  const { signer } = p;
  return JSON.stringify({
    version: 1,
    signer: { certificates: signer.certificates.map(b64), scheme: signer.scheme, hash: signer.hash, signatureSize: signer.signatureSize },
    basePdfSha256: p.basePdfSha256,
    baseLength: p.baseLength,
    update: b64(p.update),
    contentsAt: p.contentsAt,
    contentsEnd: p.contentsEnd,
    signedAttributes: b64(p.signedAttributes),
    dataToBeSignedDigest: b64(p.dataToBeSignedDigest),
    timestampReserve: p.timestampReserve,
  });
}

/**
 * Reads what serializePreparedSignature wrote, and checks it holds together: the signer follows from
 * its certificates, the gap lies inside the update and is empty, the digest is that of the attributes.
 * Anything else → SignatureError `prepared_signature_invalid`.
 */
export function deserializePreparedSignature(s: string): PreparedSignature {
  if (typeof s !== 'string' || s.length > MAX_SERIALIZED) throw invalidPrepared('not a string of at most 1 MiB');
  let parsed: z.infer<typeof serializedSchema>;
  try {
    parsed = serializedSchema.parse(JSON.parse(s));
  } catch (error) {
    throw invalidPrepared(error instanceof Error ? error.message.slice(0, 500) : 'unreadable');
  }
  const buffer = (text: string): Buffer => Buffer.from(text, 'base64');
  const certificates = parsed.signer.certificates.map(buffer);
  let signer: ExternalSigner;
  try {
    signer = externalSignerFromCertificates(certificates, { scheme: parsed.signer.scheme, hash: parsed.signer.hash });
  } catch (error) {
    throw invalidPrepared(`signer: ${(error as Error).message}`);
  }
  if (signer.signatureSize !== parsed.signer.signatureSize) throw invalidPrepared('signatureSize does not follow from the certificate');
  const prepared: PreparedSignature = {
    signer,
    basePdfSha256: parsed.basePdfSha256,
    baseLength: parsed.baseLength,
    update: buffer(parsed.update),
    contentsAt: parsed.contentsAt,
    contentsEnd: parsed.contentsEnd,
    signedAttributes: buffer(parsed.signedAttributes),
    dataToBeSignedDigest: buffer(parsed.dataToBeSignedDigest),
    timestampReserve: parsed.timestampReserve,
  };
  checkGap(prepared);
  if (!createHash(signer.hash).update(prepared.signedAttributes).digest().equals(prepared.dataToBeSignedDigest)) {
    throw invalidPrepared('dataToBeSignedDigest is not the hash of signedAttributes');
  }
  return prepared;
}

/** `<` + an even number of '0' + `>` inside the update, as fillByteRange left it. */
function checkGap({ update, contentsAt, contentsEnd }: PreparedSignature): void {
  const inside = contentsEnd <= update.length && contentsEnd - contentsAt >= 4 && (contentsEnd - contentsAt) % 2 === 0;
  if (!inside || update[contentsAt] !== 0x3c || update[contentsEnd - 1] !== 0x3e) throw invalidPrepared('the /Contents gap is not where it is said to be');
  if (update.subarray(contentsAt + 1, contentsEnd - 1).some((byte) => byte !== 0x30)) throw invalidPrepared('the /Contents gap is not empty');
}
