/**
 * Signer-page catalogs by language. The language list, the Belgian locales and the way a tag
 * is mapped to a language are the mail catalogs' (src/notify/i18n), so a recipient reads their
 * mail and their page in the same language.
 */
import { formatBrusselsDateTime, LANGUAGES, resolveLanguage, type Language } from '../../notify/index.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { nl, type SignerCatalog, type SignerCatalogKey } from './nl.ts';

export type { SignerCatalog, SignerCatalogKey, Language };
export { LANGUAGES, resolveLanguage };

export const signerCatalogs: Readonly<Record<Language, SignerCatalog>> = Object.freeze({ nl, en, fr });

export type Translate = (key: SignerCatalogKey, values?: Record<string, string | number>) => string;

/** `{name}` placeholders filled from `values`; an unknown placeholder stays visible rather than vanishing. */
export function translator(language: Language): Translate {
  const catalog = signerCatalogs[language];
  return (key, values = {}) => catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** True for `nl`, `en`, `fr` exactly: what `?lang=` and the cookie accept. */
export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** A date and time in Europe/Brussels, written as the mails write it. */
export function formatBrussels(iso: string, language: Language): string {
  return formatBrusselsDateTime(new Date(iso), language);
}
