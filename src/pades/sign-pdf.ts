/**
 * PAdES signing (ETSI EN 319 142-1 §5.3, baseline B-B): one incremental update per signature
 * holding the signature dictionary, the (new or filled) field with its widget appearance and
 * the AcroForm, then a CAdES detached SignedData over the ByteRange written into /Contents.
 *
 * Always in two steps — prepareSignatureUpdate (the update with its gap and the signed attributes),
 * then completeSignatureUpdate (the CMS around a signature value) — so that a key held here
 * (signPdf) and a key held elsewhere (deferred-signature.ts: an eID card, a remote QES service)
 * go through the same code.
 */
import { createHash } from 'node:crypto';
import { AppError, PdfLockedError, SignatureError } from '../errors.ts';
import type { SigningKey, TimeStamper } from '../keys/types.ts';
import {
  IncrementalUpdate,
  PdfReader,
  PdfRef,
  PdfString,
  addSignatureField,
  dict,
  docMdpPermission,
  emptyAppearance,
  fillByteRange,
  signatureGapPlaceholders,
  findField,
  markSignaturesExist,
  name,
  pageInfo,
  pageAt,
  pdfDate,
  safeFieldName,
  signatureAppearance,
  uniqueFieldName,
  updateDict,
  type PdfDict,
} from '../pdf/index.ts';
import { completeSignedData, estimateSignedDataSize, signedAttributesFor, type CmsSigner } from './cms-build.ts';
import { appearanceLines, type AppearanceSigner } from './appearance-text.ts';

export interface SignaturePlacement {
  /** 1-based page number. */
  page: number;
  /** Lower-left corner and size in PDF points, in the page's default user space. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SignPdfOptions {
  key: SigningKey;
  /**
   * Name and function shown in the appearance and stored in /Name; `qualified` words the block as a qualified
   * electronic signature (only for a certificate a trusted list says is qualified); a delegate's `actingStatement`
   * ("Bij opdracht van de algemeen directeur") heads the block (issue 12).
   */
  signer: AppearanceSigner;
  /** An existing empty signature field to fill, or the name of the field to create. */
  fieldName?: string;
  /** Where a new field's widget goes. Without it (and when filling an invisible field) the signature is invisible. */
  placement?: SignaturePlacement;
  invisible?: boolean;
  reason?: string;
  location?: string;
  contactInfo?: string;
  signingTime?: Date;
  /** Bytes kept free in /Contents for an RFC 3161 token (B-T), now or added later. */
  timestampReserve?: number;
  /**
   * PAdES B-T (ETSI EN 319 142-1 §6.3): a signature-time-stamp over the signature value is embedded as an
   * unsigned attribute. A TSA failure throws its TimestampError and no signature is returned.
   */
  timeStamper?: TimeStamper;
  /** Language of the appearance text. */
  language?: 'nl' | 'en' | 'fr';
}

export const DEFAULT_TIMESTAMP_RESERVE = 6144;

/** What the signature update says and where it goes: everything of SignPdfOptions but the key and the TSA. */
export type SignatureUpdateOptions = Omit<SignPdfOptions, 'key' | 'timeStamper'>;

/** A signature update waiting for its value. Internal to src/pades; deferred-signature.ts adds what a caller keeps. */
export interface PreparedUpdate {
  /** The incremental update, its /ByteRange written and /Contents still zeros. */
  update: Buffer;
  /** Offsets in `update` of the `<` that opens the /Contents hex string and just past its `>`: the ByteRange gap. */
  contentsAt: number;
  contentsEnd: number;
  /** DER SET OF signed attributes over the ByteRange digest: what the signature value is over (RFC 5652 §5.4). */
  signedAttributes: Buffer;
  timestampReserve: number;
}

/** Returns `pdf` followed by one incremental update carrying the new signature. */
export async function signPdf(pdf: Buffer, options: SignPdfOptions): Promise<Buffer> {
  const prepared = prepareSignatureUpdate(pdf, options, options.key);
  const signature = await options.key.sign(prepared.signedAttributes);
  return completeSignatureUpdate(pdf, options.key, prepared, signature, options.timeStamper);
}

/** Step one: the update after `pdf` with room for `signer`'s CMS, and the signed attributes over its ByteRange. */
export function prepareSignatureUpdate(pdf: Buffer, options: SignatureUpdateOptions, signer: CmsSigner): PreparedUpdate {
  const reader = PdfReader.open(pdf);
  if (docMdpPermission(reader) === 1) throw new PdfLockedError();
  const signingTime = options.signingTime ?? new Date();
  const timestampReserve = options.timestampReserve ?? DEFAULT_TIMESTAMP_RESERVE;
  const contentsSize = estimateSignedDataSize(signer, { timestampReserve });
  const update = new IncrementalUpdate(reader);
  const signatureRef = update.add(signatureDictionary(options, signingTime, contentsSize));
  placeSignature(update, signatureRef, options, signingTime);
  const built = update.build();
  const { contentsAt, contentsEnd } = fillByteRange(built, signatureRef.num, pdf.length, contentsSize);
  const digest = byteRangeDigest(pdf, built.bytes, contentsAt, contentsEnd, signer);
  return { update: built.bytes, contentsAt, contentsEnd, signedAttributes: signedAttributesFor(signer, digest), timestampReserve };
}

/** The hash with `signer.hash` of what the ByteRange covers: `pdf`, then the update without its /Contents gap. */
export function byteRangeDigest(pdf: Buffer, update: Buffer, contentsAt: number, contentsEnd: number, signer: Pick<CmsSigner, 'hash'>): Buffer {
  return createHash(signer.hash).update(pdf).update(update.subarray(0, contentsAt)).update(update.subarray(contentsEnd)).digest();
}

/**
 * Step two: the CMS around `signature` (ECDSA as DER, made over `prepared.signedAttributes`), with a
 * signature timestamp when `timeStamper` is given, written into a copy of the update after `pdf`.
 * `prepared` is left as it was.
 */
export async function completeSignatureUpdate(pdf: Buffer, signer: CmsSigner, prepared: PreparedUpdate, signature: Buffer, timeStamper?: TimeStamper): Promise<Buffer> {
  const { update, contentsAt, contentsEnd, timestampReserve } = prepared;
  const cms = await completeSignedData(signer, prepared.signedAttributes, signature, { timeStamper, timestampReserve });
  // Larger than its key promised means a faulty key or HSM; without a token now it must not eat the
  // room kept for a later one. A token larger than the reserve was refused by completeSignedData.
  const contentsSize = (contentsEnd - contentsAt - 2) / 2;
  const limit = timeStamper ? contentsSize : estimateSignedDataSize(signer);
  if (cms.length > limit) {
    throw new SignatureError('signature_too_large', 'The signature does not fit its reserved space.', { detail: `${cms.length} > ${limit} bytes` });
  }
  const signed = Buffer.concat([pdf, update], pdf.length + update.length);
  signed.write(cms.toString('hex'), pdf.length + contentsAt + 1, 'latin1');
  return signed;
}

function signatureDictionary(options: SignatureUpdateOptions, signingTime: Date, contentsSize: number): PdfDict {
  const text = (value?: string): PdfString | undefined => (value ? PdfString.text(value) : undefined);
  return dict({
    Type: name('Sig'),
    Filter: name('Adobe.PPKLite'),
    SubFilter: name('ETSI.CAdES.detached'),
    ...signatureGapPlaceholders(contentsSize),
    M: new PdfString(Buffer.from(pdfDate(signingTime), 'latin1')),
    Name: text(options.signer.name),
    Reason: text(options.reason),
    Location: text(options.location),
    ContactInfo: text(options.contactInfo),
    Prop_Build: dict({ App: dict({ Name: name('Paraaf') }) }),
  });
}

/** Fills the named empty field, or adds a new field (visible at `placement`, else invisible). */
function placeSignature(update: IncrementalUpdate, signatureRef: PdfRef, options: SignatureUpdateOptions, signingTime: Date): void {
  const { reader } = update;
  const existing = options.fieldName ? findField(reader, options.fieldName) : undefined;
  if (existing) {
    if (existing.type !== 'Sig') throw new AppError('field_not_signature', 409, `The field "${existing.name}" is not a signature field.`);
    if (existing.dict.has('V')) throw new AppError('field_already_signed', 409, `The field "${existing.name}" is already signed.`);
    updateDict(update, existing.ref, { V: signatureRef });
    for (const widget of existing.widgets) {
      const widgetDict = reader.dict(widget);
      const rect = (widgetDict?.get('Rect') as number[] | undefined) ?? [0, 0, 0, 0];
      const page = widgetDict?.get('P');
      const rotate = page instanceof PdfRef ? pageInfo(reader, page).rotate : 0;
      const appearance = options.invisible ? emptyAppearance() : appearanceFor(rect, options, signingTime, rotate);
      updateDict(update, widget, { AP: dict({ N: update.add(appearance) }) });
    }
    markSignaturesExist(update);
    return;
  }
  const fieldName = options.fieldName ? safeFieldName(options.fieldName) : uniqueFieldName(reader, 'Handtekening');
  const placement = options.invisible ? undefined : options.placement;
  const first = pageAt(reader, 0);
  if (placement && (!Number.isInteger(placement.page) || placement.page < 1 || placement.page > first.count)) {
    throw new AppError('placement_invalid', 400, `Page ${placement.page} does not exist; the document has ${first.count} pages.`);
  }
  const page = placement ? pageAt(reader, placement.page - 1).ref : first.ref;
  const rect = placement ? [placement.x, placement.y, placement.x + placement.width, placement.y + placement.height] : [0, 0, 0, 0];
  const appearance = placement ? appearanceFor(rect, options, signingTime, pageInfo(reader, page).rotate) : emptyAppearance();
  addSignatureField(update, { name: uniqueFieldName(reader, fieldName), page, rect, value: signatureRef, appearance: update.add(appearance) });
}

function appearanceFor(rect: number[], options: SignatureUpdateOptions, signingTime: Date, rotate: number) {
  const width = Math.abs(rect[2] - rect[0]);
  const height = Math.abs(rect[3] - rect[1]);
  if (width < 1 || height < 1) return emptyAppearance();
  return signatureAppearance({ width, height, rotate, lines: appearanceLines(options.signer, signingTime, options.language ?? 'nl') });
}
