export { signPdf, DEFAULT_TIMESTAMP_RESERVE, type SignPdfOptions, type SignaturePlacement } from './sign-pdf.ts';
export { verifyPdf, type VerifyPdfOptions } from './verify-pdf.ts';
export { buildSignedData, estimateSignedDataSize } from './cms-build.ts';
export type * from './report.ts';
export { signPdfAtLevel, extendToLta, PADES_LEVELS, type SignAtLevelOptions, type ExtendToLtaOptions } from './sign-at-level.ts';
export { addValidationData, collectValidationData, extendWithValidationData, type AddValidationDataOptions, type ExtendedWithValidationData, type ValidationData } from './ltv.ts';
export { addDocumentTimestamp, stampDocument, DEFAULT_DOCUMENT_TIMESTAMP_RESERVE, type DocumentTimestampOptions, type StampedDocument } from './document-timestamp.ts';
export { prepareDeferredSignature, completeDeferredSignature, serializePreparedSignature, deserializePreparedSignature, type PreparedSignature, type PrepareDeferredOptions, type CompleteDeferredOptions } from './deferred-signature.ts';
export { externalSignerFromCertificates, type ExternalSigner, type ExternalSignerOptions } from './external-signer.ts';
