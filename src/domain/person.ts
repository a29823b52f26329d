/** Rules for the people in an organisation's directory and for recipients: pure, no I/O. */

export type Language = 'nl' | 'en' | 'fr';
export const LANGUAGES: readonly Language[] = ['nl', 'en', 'fr'];
export const DEFAULT_LANGUAGE: Language = 'nl';

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/**
 * A deliberately plain check (one @, no spaces, a dot in the domain): the real test of an
 * address is the mail that reaches it. Returns the address trimmed and lower-cased (addresses
 * are compared and kept unique that way), or null when it is not one.
 */
export function normaliseEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  if (email.length > 320 || !/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/.test(email)) return null;
  return email;
}

export interface PersonInput {
  name: string;
  email: string;
  function?: string | null;
  language?: string | null;
}

export interface ValidPerson {
  name: string;
  email: string;
  function: string | null;
  language: Language;
}

export type PersonValidation = { ok: true; person: ValidPerson } | { ok: false; errors: string[] };

export function validatePerson(input: PersonInput): PersonValidation {
  const errors: string[] = [];
  const name = input.name.trim();
  if (!name) errors.push('name is empty');
  else if (name.length > 200) errors.push('name is longer than 200 characters');
  const email = normaliseEmail(input.email);
  if (!email) errors.push(input.email.trim() ? `'${input.email.trim()}' is not an e-mail address` : 'email is empty');
  const fn = input.function?.trim() || null;
  if (fn && fn.length > 200) errors.push('function is longer than 200 characters');
  const language = (input.language?.trim().toLowerCase() || DEFAULT_LANGUAGE);
  if (!isLanguage(language)) errors.push(`language '${input.language?.trim()}' is not one of ${LANGUAGES.join(', ')}`);
  if (errors.length > 0 || !email || !isLanguage(language)) return { ok: false, errors };
  return { ok: true, person: { name, email, function: fn, language } };
}
