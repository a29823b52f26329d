/** What src/http may use from src/web: the signer-page templates, their catalogs and the stylesheet. */
import path from 'node:path';

export { html, escapeHtml, SafeHtml } from './html.ts';
export { layout, messagePage, STYLESHEET_PATH, type PageContext } from './layout.ts';
export { linkPage, donePage, declinedPage, declineConfirmPage, linkPath, type LinkPageView, type LinkFormState, type CodeState } from './signer-pages.ts';
export { qualifiedSection, cscContinuePage, qualifiedProblemText, providerList, type QualifiedFormState, type QualifiedProvider } from './qualified-pages.ts';
export { resultPage, resultExpiredPage, type ResultPageView } from './result-pages.ts';
export { batchPage, batchSummaryPage, batchReasonText, type BatchPageView, type BatchFormState } from './batch-pages.ts';
export { documentViewer, batchProgress, signaturePlacements } from './enhancements.ts';
export { staticAssets, SCRIPT_PATH, WEB_EID_SCRIPT_PATH, VIEWER_STYLESHEET_PATH, PDFJS_PATHS, PDFJS_VERSION, type StaticAsset } from './assets.ts';
export { signerCatalogs, translator, isLanguage, resolveLanguage, formatBrussels, LANGUAGES, type Language, type Translate, type SignerCatalog, type SignerCatalogKey } from './i18n/index.ts';

/** The signer pages' stylesheet on disk (served from our origin, so CSP `style-src 'self'` holds). */
export const STYLESHEET_FILE = path.join(import.meta.dirname, 'static', 'signer.css');
