/** Paraaf as a library: the signing engine without the service around it. */
export { signPdf, verifyPdf, DEFAULT_TIMESTAMP_RESERVE } from './pades/index.ts';
export type { SignPdfOptions, SignaturePlacement, VerifyPdfOptions, ValidationReport, SignatureReport, PadesLevel, Verdict } from './pades/index.ts';
export { prepareForSigning, PdfReader } from './pdf/index.ts';
export type { PrepareOptions, PreparedPdf, PreparedField, SignerSlot, FieldPlacement } from './pdf/index.ts';
export { createSigningKey, loadPkcs12, loadPemKey, loadOrCreateDevPki, OrganisationCa } from './keys/index.ts';
export type { SigningKey, CertificateIssuer, SignerIdentity } from './keys/index.ts';
export { AppError, PdfInvalidError, PdfEncryptedError, PdfLockedError, PdfTooComplexError } from './errors.ts';
