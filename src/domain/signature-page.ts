/**
 * What heads the appended signature page (issue 12), in Dutch like the minutes it closes: the decision body and the
 * sitting ("Gemeenteraad — zitting van 3 december 2026"), the decision's title, and the line staff may set above the
 * blocks ("Namens de gemeenteraad"), by default taken from the body. Pure rules, no I/O.
 */
import { delegatedFunction } from './mandates.ts';

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

/** What a recipient row says about the capacity a signer signs in (issue 12): the function text and a delegate's statement. */
export interface SignerCapacityText {
  name: string;
  /** The holder's function, a substitute's "wnd. algemeen directeur", or a delegate's own function. */
  function: string | null;
  /** A delegate's "Bij opdracht van de algemeen directeur"; null otherwise. */
  actingStatement: string | null;
}

/** The statement without surrounding spaces or a closing comma or full stop; null when empty. */
function bareStatement(statement: string | null | undefined): string | null {
  return statement?.trim().replace(/[,.:;]+$/, '') || null;
}

/** X.520's upper bound on a title attribute, in characters (RFC 5280 Appendix A, ub-title). */
export const CERTIFICATE_TITLE_MAX_LENGTH = 64;

/**
 * The one-shot certificate's subject title: the function as the recipient signs with it; for a delegate their own
 * function followed by the delegation ("Diensthoofd secretariaat, bij opdracht van de algemeen directeur"), or the
 * statement alone when they have no function (delegatedFunction, as signingFunction words it at resolution). Null: none.
 * Within X.520's 64 characters, which strict validators hold certificates to: when the delegate's own function makes
 * it longer, the delegation alone, which is what the signature rests on (the visible signature still prints both);
 * a longer text is cut after a word, with an ellipsis.
 */
export function signerTitle(signer: Pick<SignerCapacityText, 'function' | 'actingStatement'>): string | null {
  const own = signer.function?.trim() || null;
  const statement = bareStatement(signer.actingStatement);
  const title = statement ? delegatedFunction(own, statement) : own;
  if (title === null || title.length <= CERTIFICATE_TITLE_MAX_LENGTH) return title;
  if (statement && statement.length <= CERTIFICATE_TITLE_MAX_LENGTH) return statement;
  return cutAfterWord(title, CERTIFICATE_TITLE_MAX_LENGTH);
}

/** `text` within `max` characters: cut after its last whole word that fits (or mid-word if none does), then "…". */
function cutAfterWord(text: string, max: number): string {
  const room = text.slice(0, max - 1);
  const lastSpace = room.lastIndexOf(' ');
  return `${(lastSpace > 0 ? room.slice(0, lastSpace) : room).replace(/[\s,.:;]+$/, '')}…`;
}

/**
 * The label above a signer's block on the appended signature page: the role the block stands for. "Algemeen directeur"
 * → "De algemeen directeur"; a substitute's "wnd. algemeen directeur" → "De wnd. algemeen directeur"; a delegate's
 * block carries the delegation ("Bij opdracht van de algemeen directeur"); without a function, the name.
 */
export function signerBlockLabel(signer: SignerCapacityText): string {
  const statement = bareStatement(signer.actingStatement);
  if (statement) return statement;
  const fn = signer.function?.trim();
  if (!fn) return signer.name;
  return `De ${fn.charAt(0).toLocaleLowerCase('nl-BE')}${fn.slice(1)}`;
}
