/**
 * A document timestamp (ISO 32000-2 §12.8.5, ETSI EN 319 142-1 §5.4.3; the archive timestamp of
 * PAdES B-LTA): an invisible signature field whose value is a /DocTimeStamp dictionary with
 * /SubFilter /ETSI.RFC3161 and, in /Contents, an RFC 3161 TimeStampToken whose message imprint is
 * the hash of the ByteRange, i.e. of the whole file as it was, this revision included.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { SignatureError } from '../errors.ts';
import type { HashAlgorithm, TimeStamper } from '../keys/types.ts';
import { checkTimestampToken } from './timestamp-token.ts';
import { addSignatureField, dict, emptyAppearance, fillByteRange, IncrementalUpdate, name, pageAt, PdfReader, signatureGapPlaceholders, uniqueFieldName } from '../pdf/index.ts';

export interface DocumentTimestampOptions {
  timeStamper: TimeStamper;
  /** Hash of the message imprint (default sha256). */
  hash?: HashAlgorithm;
  /** Bytes reserved in /Contents for the token; a larger token costs one more TSA request. */
  reserve?: number;
  /** Name of the new field (default "Documenttijdstempel", made unique). */
  fieldName?: string;
}

/** A token from a TSA that sends its chain (TSA RSA-3072 certificate and root) is about 4 KB. */
export const DEFAULT_DOCUMENT_TIMESTAMP_RESERVE = 6144;
/** A token that did not fit gets this much extra room on the second attempt. */
const RETRY_MARGIN = 512;

interface Prepared {
  bytes: Buffer;
  contentsAt: number;
  contentsEnd: number;
}

export interface StampedDocument {
  pdf: Buffer;
  /** The TimeStampToken now in /Contents. */
  token: Buffer;
  genTime: Date;
  /** The certificate that signed the token: the archive timestamp must be renewed before it expires. */
  tsaCertificate: X509Certificate;
}

/** Returns `pdf` followed by one incremental update holding a document timestamp over all of it. */
export async function addDocumentTimestamp(pdf: Buffer, options: DocumentTimestampOptions): Promise<Buffer> {
  return (await stampDocument(pdf, options)).pdf;
}

/** `addDocumentTimestamp`, also answering the token (for its genTime and TSA certificate). */
export async function stampDocument(pdf: Buffer, options: DocumentTimestampOptions): Promise<StampedDocument> {
  const hash = options.hash ?? 'sha256';
  let reserve = options.reserve ?? DEFAULT_DOCUMENT_TIMESTAMP_RESERVE;
  for (let attempt = 0; ; attempt++) {
    const prepared = prepare(pdf, reserve, options.fieldName);
    const { bytes, contentsAt, contentsEnd } = prepared;
    const digest = createHash(hash).update(pdf).update(bytes.subarray(0, contentsAt)).update(bytes.subarray(contentsEnd)).digest();
    const token = await options.timeStamper.timestamp(digest, hash);
    if (token.length <= reserve) {
      const { genTime, tsaCertificate } = checked(token, digest, hash);
      bytes.write(token.toString('hex'), contentsAt + 1, 'latin1');
      return { pdf: Buffer.concat([pdf, bytes], pdf.length + bytes.length), token, genTime, tsaCertificate };
    }
    if (attempt > 0) {
      throw new SignatureError('timestamp_too_large', 'The timestamp does not fit its reserved space.', { detail: `${token.length} > ${reserve} bytes` });
    }
    reserve = token.length + RETRY_MARGIN;
  }
}

/** The TimeStamper promised a checked token; what goes into an archive is checked here once more. */
function checked(token: Buffer, digest: Buffer, hash: HashAlgorithm): { genTime: Date; tsaCertificate: X509Certificate } {
  const check = checkTimestampToken(token, { digest, hash });
  if (!check.imprintMatches || !check.signatureValid || !check.genTime || !check.tsaCertificate) {
    throw new SignatureError('timestamp_invalid', 'The document timestamp could not be checked.', { detail: check.problems.join('; ') });
  }
  return { genTime: check.genTime, tsaCertificate: check.tsaCertificate };
}

function prepare(pdf: Buffer, reserve: number, fieldName: string | undefined): Prepared {
  const reader = PdfReader.open(pdf);
  const update = new IncrementalUpdate(reader);
  const timestampRef = update.add(
    dict({
      Type: name('DocTimeStamp'),
      Filter: name('Adobe.PPKLite'),
      SubFilter: name('ETSI.RFC3161'),
      ...signatureGapPlaceholders(reserve),
    }),
  );
  const page = pageAt(reader, 0).ref;
  const fieldNameUsed = uniqueFieldName(reader, fieldName ?? 'Documenttijdstempel');
  addSignatureField(update, { name: fieldNameUsed, page, rect: [0, 0, 0, 0], value: timestampRef, appearance: update.add(emptyAppearance()) });
  const built = update.build();
  const { contentsAt, contentsEnd } = fillByteRange(built, timestampRef.num, pdf.length, reserve);
  return { bytes: built.bytes, contentsAt, contentsEnd };
}
