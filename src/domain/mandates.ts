/**
 * Functions, mandates, substitutes and delegations (issue 12): who signs for a function on a given day, and
 * what the signature must then say. Pure rules, no I/O.
 *
 * The Decreet Lokaal Bestuur has decisions and minutes signed by the holders of functions (the chair and the
 * general director, the mayor and the general director). A holder who is absent is replaced by the substitute,
 * who signs in their own name with the acting function ("wnd. algemeen directeur"). The mayor and the general
 * director may delegate signing to someone (art. 280 and 283) for certain documents, never the minutes; the
 * delegate states the delegation above signature, name and function ("Bij opdracht van de algemeen directeur").
 *
 * Days are `YYYY-MM-DD` strings in Europe/Brussels: they compare as strings, and a mandate "until 31 December"
 * includes that whole day wherever the server runs.
 */
/** What an envelope is in a meeting (the store's `envelopes.kind`); null outside a meeting. */
export type DocumentKind = 'decision' | 'minutes' | 'other';

export const MANDATE_KINDS = ['holder', 'substitute'] as const;
export type MandateKind = (typeof MANDATE_KINDS)[number];

/** How a recipient came to sign for a function step: the holder, a substitute for an absent holder, or by delegation. */
export const CAPACITIES = ['holder', 'substitute', 'delegate'] as const;
export type Capacity = (typeof CAPACITIES)[number];

/** The kinds of document a delegation can cover: every envelope kind but the minutes. */
export const DELEGATION_SCOPES = ['decision', 'other'] as const satisfies readonly DocumentKind[];
export type DelegationScope = (typeof DELEGATION_SCOPES)[number];

export interface FunctionDefinition {
  id: string;
  /** As the town hall writes it, e.g. "Algemeen directeur", "Voorzitter gemeenteraad". */
  name: string;
  /** Whether its signing power may be delegated (the mayor and the general director). */
  delegable: boolean;
}

export interface MandateSpan {
  id: string;
  functionId: string;
  personId: string;
  kind: MandateKind;
  /** Orders substitutes: 1 is asked first. */
  rank: number;
  startsOn: string;
  /** Inclusive; null: open-ended. */
  endsOn: string | null;
}

export interface AbsenceSpan {
  personId: string;
  startsOn: string;
  /** Inclusive. */
  endsOn: string;
  withdrawn: boolean;
}

export interface DelegationGrant {
  id: string;
  functionId: string;
  delegatorPersonId: string;
  delegatePersonId: string;
  scope: readonly DelegationScope[];
  validFrom: string;
  /** Inclusive; null: until revoked. */
  validUntil: string | null;
  revoked: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a real calendar day written YYYY-MM-DD. */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The day `at` falls on in Europe/Brussels, YYYY-MM-DD. */
export function brusselsDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function coversDay(span: { startsOn: string; endsOn: string | null }, day: string): boolean {
  return span.startsOn <= day && (span.endsOn === null || day <= span.endsOn);
}

/** Lower case without accents ("Financiën" → "financien"): how names are compared here and in the mandate import. */
export function plainText(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLocaleLowerCase('nl-BE');
}

/** The key a function name is unique by within an organisation: case, accents, punctuation and spacing ignored. */
export function functionNameKey(name: string): string {
  return plainText(name)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Whether the decree lets this function's signing be delegated: the mayor and the general director. */
export function isDelegableByLaw(name: string): boolean {
  const key = functionNameKey(name);
  return key === 'burgemeester' || key === 'algemeen directeur';
}

export function isAbsent(absences: readonly AbsenceSpan[], personId: string, day: string): boolean {
  return absences.some((a) => !a.withdrawn && a.personId === personId && coversDay(a, day));
}

export type FunctionResolution =
  | { outcome: 'holder'; personId: string; mandateId: string }
  /** The holder is absent (or there is none that day) and a substitute steps in. */
  | { outcome: 'substitute'; personId: string; mandateId: string; absentPersonId: string | null }
  /** Nobody holds the function that day and there is no substitute. */
  | { outcome: 'vacant' }
  /** The holder and every substitute are absent. */
  | { outcome: 'everyone_absent'; absentPersonIds: string[] };

/**
 * Who signs for `functionId` on `day`: the holder when present; else the present substitute of the lowest rank.
 * Several holders on one day (an overlap left by an import) resolve to the one whose mandate started last.
 */
export function resolveFunction(functionId: string, day: string, mandates: readonly MandateSpan[], absences: readonly AbsenceSpan[]): FunctionResolution {
  const current = mandates.filter((m) => m.functionId === functionId && coversDay(m, day));
  const holder = current.filter((m) => m.kind === 'holder').sort((a, b) => b.startsOn.localeCompare(a.startsOn))[0];
  if (holder && !isAbsent(absences, holder.personId, day)) return { outcome: 'holder', personId: holder.personId, mandateId: holder.id };
  const substitutes = current.filter((m) => m.kind === 'substitute').sort((a, b) => a.rank - b.rank || a.startsOn.localeCompare(b.startsOn));
  const present = substitutes.find((m) => m.personId !== holder?.personId && !isAbsent(absences, m.personId, day));
  if (present) return { outcome: 'substitute', personId: present.personId, mandateId: present.id, absentPersonId: holder?.personId ?? null };
  if (!holder && substitutes.length === 0) return { outcome: 'vacant' };
  return { outcome: 'everyone_absent', absentPersonIds: [...(holder ? [holder.personId] : []), ...substitutes.map((m) => m.personId)] };
}

/** Minutes are never signed by delegation (art. 280 and 283 exclude them). */
export function mayBeDelegated(kind: DocumentKind | null): boolean {
  return kind !== 'minutes';
}

/** Whether `grant` lets its delegate sign a document of `kind` for its function on `day`. */
export function delegationCovers(grant: DelegationGrant, day: string, kind: DocumentKind | null): boolean {
  return !grant.revoked && mayBeDelegated(kind) && (grant.scope as readonly DocumentKind[]).includes(kind ?? 'other') && coversDay({ startsOn: grant.validFrom, endsOn: grant.validUntil }, day);
}

/** A function name inside a sentence: "Algemeen directeur" → "algemeen directeur" (a proper name keeps its capital). */
function inSentence(functionName: string): string {
  const [first = '', ...rest] = functionName.trim().split(' ');
  const lowered = first.length > 1 && first.slice(1) === first.slice(1).toLowerCase() ? first.toLowerCase() : first;
  return [lowered, ...rest].join(' ');
}

/** The acting function a substitute signs with: "wnd. algemeen directeur". */
export function substituteFunction(functionName: string): string {
  return `wnd. ${inSentence(functionName)}`;
}

/** The statement a delegate writes above signature, name and function: "Bij opdracht van de algemeen directeur". */
export function delegationStatement(functionName: string): string {
  return `Bij opdracht van de ${inSentence(functionName)}`;
}

/**
 * The function text a recipient signs with, as appearance and certificate show it: the holder's function, the
 * substitute's "wnd. …", or for a delegate their own function followed by the delegation
 * ("Diensthoofd secretariaat, bij opdracht van de algemeen directeur").
 */
export function signingFunction(capacity: Capacity, functionName: string, ownFunction: string | null): string {
  if (capacity === 'holder') return functionName;
  if (capacity === 'substitute') return substituteFunction(functionName);
  return delegatedFunction(ownFunction?.trim() || null, delegationStatement(functionName));
}

/** A delegate's own function followed by the delegation statement, or the statement alone without a function. */
export function delegatedFunction(own: string | null, statement: string): string {
  return own ? `${own}, ${statement.charAt(0).toLocaleLowerCase('nl-BE')}${statement.slice(1)}` : statement;
}
