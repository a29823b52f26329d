/**
 * Signing at a PAdES baseline level (ETSI EN 319 142-1 §6): B-B (signPdf), B-T (with a
 * signature-time-stamp), B-LT (then a DSS revision with the validation data of every signature and
 * timestamp, §5.4.2) and B-LTA (then a document timestamp over it all and the TSA's validation data,
 * §5.4.3). `extendToLta` is the last step on its own: at an envelope's completion and when the newest
 * archive timestamp must be renewed before its TSA certificate expires (ETSI EN 319 102-1 §5.6.3).
 */
import type { X509Certificate } from 'node:crypto';
import { child, oidString, readBer } from '../asn1/ber.ts';
import { OID } from '../asn1/der.ts';
import { SignatureError } from '../errors.ts';
import type { HashAlgorithm, RevocationSource, TimeStamper } from '../keys/types.ts';
import { findSignatures, PdfReader, signedEnd } from '../pdf/index.ts';
import { addDocumentTimestamp } from './document-timestamp.ts';
import { addValidationData } from './ltv.ts';
import type { PadesLevel } from './report.ts';
import { signPdf, type SignPdfOptions } from './sign-pdf.ts';

export const PADES_LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

export interface SignAtLevelOptions extends SignPdfOptions {
  level: PadesLevel;
  /** Required from B-T up. */
  timeStamper?: TimeStamper;
  /** Required from B-LT up. */
  revocation?: RevocationSource;
  /** CA and TSA certificates that complete the chains in the DSS (e.g. the root). */
  extraCertificates?: readonly (X509Certificate | Buffer)[];
}

export interface ExtendToLtaOptions {
  timeStamper: TimeStamper;
  revocation: RevocationSource;
  extraCertificates?: readonly (X509Certificate | Buffer)[];
  /** Message imprint hash of the document timestamp (default sha256). */
  hash?: HashAlgorithm;
  /**
   * 'missing' (default) at completion; 'all' when renewing an archive timestamp, so the
   * previous timestamp's TSA chain gets revocation data from before the new one (EN 319 102-1 §5.6.3).
   */
  refresh?: 'missing' | 'all';
}

/** Signs `pdf` and extends the result to `options.level`. */
export async function signPdfAtLevel(pdf: Buffer, options: SignAtLevelOptions): Promise<Buffer> {
  const { level, timeStamper, revocation, extraCertificates, ...signOptions } = options;
  if (!PADES_LEVELS.includes(level)) throw new SignatureError('level_unknown', `Unknown PAdES level ${String(level)}; use B-B, B-T, B-LT or B-LTA.`);
  if (level === 'B-B') return signPdf(pdf, signOptions);
  if (!timeStamper) throw new SignatureError('timestamper_missing', `Signing at ${level} needs a time-stamping service.`);
  if (level !== 'B-T' && !revocation) throw new SignatureError('revocation_missing', `Signing at ${level} needs a source of revocation data.`);
  const signed = await signPdf(pdf, { ...signOptions, timeStamper });
  // Never hand out a weaker signature than was asked for (issue 9: no silent degradation).
  if (!newestHasSignatureTimestamp(signed)) throw new SignatureError('timestamp_missing', 'The signature did not get its timestamp.');
  if (level === 'B-T') return signed;
  const withDss = await addValidationData(signed, { revocation: revocation!, extraCertificates });
  if (level === 'B-LT') return withDss;
  return extendToLta(withDss, { timeStamper, revocation: revocation!, extraCertificates });
}

/**
 * Validation data for what the file holds, a document timestamp over all of it, then the validation
 * data of that timestamp's TSA chain: three steps, at most three revisions (none for data already there).
 */
export async function extendToLta(pdf: Buffer, options: ExtendToLtaOptions): Promise<Buffer> {
  const { revocation, extraCertificates } = options;
  const withDss = await addValidationData(pdf, { revocation, extraCertificates, refresh: options.refresh });
  const stamped = await addDocumentTimestamp(withDss, { timeStamper: options.timeStamper, hash: options.hash });
  return addValidationData(stamped, { revocation, extraCertificates });
}

/** Whether the signature covering the most of the file carries id-aa-signatureTimeStampToken. */
function newestHasSignatureTimestamp(pdf: Buffer): boolean {
  const signatures = findSignatures(PdfReader.open(pdf));
  const newest = signatures.reduce<(typeof signatures)[number] | undefined>((a, b) => (!a || signedEnd(b.byteRange) >= signedEnd(a.byteRange) ? b : a), undefined);
  if (!newest) return false;
  try {
    const signedData = child(child(readBer(newest.contents), 1, 0xa0), 0, 0x30);
    const signerInfos = signedData.children[signedData.children.length - 1];
    return signerInfos.children.some((info) =>
      (info.children.find((node) => node.tag === 0xa1)?.children ?? []).some((attr) => oidString(child(attr, 0, 0x06)) === OID.timeStampToken),
    );
  } catch {
    return false;
  }
}
