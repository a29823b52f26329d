/**
 * Meetings (zittingen, issue 12): the decision bodies of a Flemish local government (Decreet Lokaal Bestuur)
 * whose decisions and minutes are signed per sitting, and how a file name gives an agenda item and a title.
 * Pure rules, no I/O.
 */

export const DECISION_BODIES = ['gemeenteraad', 'college', 'raad_maatschappelijk_welzijn', 'vast_bureau', 'raad_van_bestuur', 'algemene_vergadering', 'other'] as const;
export type DecisionBody = (typeof DECISION_BODIES)[number];

/** The body's name as the town hall writes it (Dutch: it names an institution, and is matched to a route's name). */
export const DECISION_BODY_NAMES: Record<Exclude<DecisionBody, 'other'>, string> = {
  gemeenteraad: 'Gemeenteraad',
  college: 'College van burgemeester en schepenen',
  raad_maatschappelijk_welzijn: 'Raad voor maatschappelijk welzijn',
  vast_bureau: 'Vast bureau',
  raad_van_bestuur: 'Raad van bestuur',
  algemene_vergadering: 'Algemene vergadering',
};

export function isDecisionBody(value: unknown): value is DecisionBody {
  return typeof value === 'string' && (DECISION_BODIES as readonly string[]).includes(value);
}

/** The name shown for a meeting's body: the known name, or the free text given with 'other'. */
export function decisionBodyName(body: DecisionBody, label: string | null): string {
  return body === 'other' ? (label?.trim() || 'Other') : DECISION_BODY_NAMES[body];
}

const normalise = (text: string) => text.toLocaleLowerCase('nl-BE').replace(/[^a-z0-9]+/g, ' ').trim();

/**
 * The signing route that serves a body by default: the one named after it ("Gemeenteraad", "College"),
 * compared without case and punctuation; a route named with the body's first word also matches
 * ("College" for the college van burgemeester en schepenen).
 */
export function defaultRouteFor<R extends { name: string }>(routes: readonly R[], bodyName: string): R | undefined {
  const wanted = normalise(bodyName);
  const first = wanted.split(' ')[0] ?? wanted;
  return routes.find((r) => normalise(r.name) === wanted) ?? routes.find((r) => normalise(r.name).split(' ')[0] === first);
}

export interface ParsedAgendaFile {
  /** "3", "3a", "12.1"; null when the name carries no number. */
  agendaItem: string | null;
  title: string;
  /** Whether the title starts by saying it is the minutes ("Notulen …"; "Goedkeuring notulen" is a decision). */
  minutes: boolean;
}

/**
 * "03 Goedkeuring notulen.pdf" → item "3", title "Goedkeuring notulen"; "punt 3 - Subsidie jeugd.pdf" → "3",
 * "Subsidie jeugd"; "agendapunt 12.1_Budget.pdf" → "12.1", "Budget". Without a number, the title is the name.
 */
export function parseAgendaFileName(fileName: string): ParsedAgendaFile {
  const base = fileName.replace(/\.pdf$/i, '').replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
  const match = /^(?:(?:agenda)?punt|item|ap|nr\.?|#)?\s*(\d+(?:[.]\d+)*[a-z]?)(?=$|[\s.)\-–:])[\s.)\-–:]*(.*)$/i.exec(base);
  const agendaItem = match ? match[1]!.replace(/^0+(?=\d)/, '').toLowerCase() : null;
  const title = (match ? match[2]! : base).trim() || base;
  return { agendaItem, title, minutes: /^(notulen|zittingsverslag|proc[eè]s-verbal|minutes)\b/i.test(title) };
}

/** Agenda order: by the numbers of the item ("2" < "10" < "10a" < "10.1"), items without a number last, then by title. */
export function compareAgendaItems(a: { agendaItem: string | null; title: string }, b: { agendaItem: string | null; title: string }): number {
  if (a.agendaItem === null || b.agendaItem === null) {
    if (a.agendaItem !== b.agendaItem) return a.agendaItem === null ? 1 : -1;
    return a.title.localeCompare(b.title, 'nl');
  }
  return a.agendaItem.localeCompare(b.agendaItem, 'nl', { numeric: true }) || a.title.localeCompare(b.title, 'nl');
}
