/** Mail catalogs by language (nl is the default and the reference for the key set). */
import { en } from './en.ts';
import { fr } from './fr.ts';
import { nl, type MailCatalog, type MailCatalogKey } from './nl.ts';

export type { MailCatalog, MailCatalogKey };
export { nl, en, fr };

export const LANGUAGES = ['nl', 'en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export const mailCatalogs: Readonly<Record<Language, MailCatalog>> = Object.freeze({ nl, en, fr });

/** The `lang` attribute and the Intl locale of each language: Belgian variants where they exist. */
export const LOCALES: Readonly<Record<Language, string>> = Object.freeze({ nl: 'nl-BE', en: 'en-GB', fr: 'fr-BE' });

/**
 * What joins a label to its value where code joins them ("Stap 1: …"): French sets the colon off with a space
 * ("Étape 1 : …"), as every French text of the catalogues does; Dutch and English do not.
 */
export function colonIn(language: Language): string {
  return language === 'fr' ? ' :' : ':';
}

/** Maps a stored preference or an Accept-Language tag (`fr-BE`, `EN`) to a language; Dutch otherwise. */
export function resolveLanguage(tag: string | null | undefined): Language {
  const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(primary) ? (primary as Language) : 'nl';
}
