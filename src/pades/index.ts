export { verifyPdf } from './verify-pdf.ts';
export type { VerifyPdfOptions } from './verify-pdf.ts';
export type * from './report.ts';
