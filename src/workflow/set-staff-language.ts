/**
 * A staff member picks Nederlands, English or Français in the staff app (issue 12): the choice is kept on
 * their account, so the app speaks it in their next session on any browser and their mails are written in it.
 *
 * No audit event: the language is the user's own display preference. It changes no envelope, no evidence and
 * nobody's rights, and an event for every click on a language link would bury the organisation's chain in noise.
 * (The organisation's notice language, which an admin sets for others, is recorded with the settings.)
 */
import { isLanguage, type Language } from '../domain/person.ts';
import { setUserLanguage } from '../store/users.ts';
import type { WorkflowDeps } from './deps.ts';

export interface SetStaffLanguageOptions {
  organisationId: string;
  userId: string;
  language: Language;
}

/** True when the user's language is now `language`; false for an unknown user or language. */
export async function setStaffLanguage(deps: Pick<WorkflowDeps, 'db'>, options: SetStaffLanguageOptions): Promise<boolean> {
  if (!isLanguage(options.language)) return false;
  return setUserLanguage(deps.db, options.organisationId, options.userId, options.language);
}
