/**
 * What heads the appended signature page (issue 12), in Dutch like the minutes it closes: the decision body and the
 * sitting ("Gemeenteraad — zitting van 3 december 2026"), the decision's title, and the line staff may set above the
 * blocks ("Namens de gemeenteraad"), by default taken from the body. Pure rules, no I/O.
 */

export interface SignaturePageHeaderOptions {
  /** The decision body: the meeting's body, else the envelope's signing route name; null when neither is known. */
  body: string | null;
  /** YYYY-MM-DD of the sitting when the envelope belongs to a meeting. */
  meetingDate?: string | null;
  /** The decision's title (the envelope's title). */
  title: string;
  /** Its agenda item in the meeting ("3", "3a"): the title reads "Punt 3 – …". */
  agendaItem?: string | null;
  /** What staff set ("Namens het college van burgemeester en schepenen"); null or empty: from the body. */
  onBehalfOf?: string | null;
}

export interface SignaturePageHeader {
  title: string;
  subtitle: string;
  heading?: string;
}

/** Bodies that take "het" in Dutch ("het college", "het vast bureau"); every other body takes "de". */
const NEUTER = /^(college|schepencollege|vast bureau|bureau|comité|directiecomité|managementteam|bestuur)\b/;

/** "Gemeenteraad" → "Namens de gemeenteraad"; "College van burgemeester en schepenen" → "Namens het college …". */
export function defaultOnBehalfOf(body: string | null): string | undefined {
  const name = body?.trim();
  if (!name) return undefined;
  // Lower-case the first word only when it is an ordinary word, so "OCMW-raad" keeps its capitals.
  const inSentence = /^\p{Lu}\p{Ll}/u.test(name) ? name.charAt(0).toLocaleLowerCase('nl-BE') + name.slice(1) : name;
  return `Namens ${NEUTER.test(inSentence.toLocaleLowerCase('nl-BE')) ? 'het' : 'de'} ${inSentence}`;
}

/** "3 december 2026", the sitting's day as it stands (a date without a time zone). */
function meetingDay(date: string): string {
  return new Intl.DateTimeFormat('nl-BE', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
}

export function signaturePageHeader(options: SignaturePageHeaderOptions): SignaturePageHeader {
  const body = options.body?.trim() || null;
  const sitting = options.meetingDate ? `zitting van ${meetingDay(options.meetingDate)}` : null;
  const title = body && sitting ? `${body} — ${sitting}` : (body ?? (sitting ? `Ondertekening — ${sitting}` : 'Ondertekening'));
  const heading = options.onBehalfOf?.trim() || defaultOnBehalfOf(body);
  const subtitle = options.agendaItem?.trim() ? `Punt ${options.agendaItem.trim()} – ${options.title}` : options.title;
  return { title, subtitle, ...(heading ? { heading } : {}) };
}
