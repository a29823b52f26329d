export { signPdf, DEFAULT_TIMESTAMP_RESERVE, type SignPdfOptions, type SignaturePlacement } from './sign-pdf.ts';
export { verifyPdf, type VerifyPdfOptions } from './verify-pdf.ts';
export { buildSignedData, estimateSignedDataSize } from './cms-build.ts';
export type * from './report.ts';
