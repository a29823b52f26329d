/**
 * The mails Paraaf sends, in Dutch (default), English and French. `renderMail(kind,
 * language, params)` returns the subject and both parts; texts come from the catalogs in
 * `i18n/`, user-provided values are escaped by mail-layout.ts, dates are shown in
 * Europe/Brussels time whatever the server's zone.
 */
import { LOCALES, mailCatalogs, resolveLanguage, type Language, type MailCatalogKey } from './i18n/index.ts';
import { assertHttpUrl, renderBlocks, type MailBlock, type RenderedMail } from './mail-layout.ts';

export type { RenderedMail } from './mail-layout.ts';

interface BaseMailParams {
  organisationName: string;
  /** The addressee, for the greeting. */
  recipientName: string;
  envelopeTitle: string;
}

export interface SignRequestParams extends BaseMailParams {
  /**
   * Who asks, when a person does: the staff member who sent the envelope. Null when another
   * service sent it through the API: the mail then speaks for the organisation alone.
   */
  senderName: string | null;
  /** Approvers approve without a signature (DESIGN §4); default `signer`. */
  role?: 'signer' | 'approver';
  message?: string | null;
  deadline?: Date | null;
  /** The personal link `/s/<token>`. */
  signingUrl: string;
  /** When other envelopes of the organisation wait for this person: the `/s/<token>/batch` page. */
  batch?: { url: string; otherCount: number } | null;
  /** Correct and resend replaced a document this person had signed or approved (issue 12): say their earlier act does not hold. */
  documentCorrected?: boolean;
  /** A function step signed by a substitute or a delegate (issue 12): the mail says in what capacity. */
  signingAs?: SigningAs | null;
}

/**
 * In what capacity a recipient of a function step signs, when not as the holder (issue 12). `function` is what the
 * signature says for a substitute ("wnd. algemeen directeur"); `actingStatement` a delegate's statement ("Bij opdracht
 * van de algemeen directeur"); `inPlaceOf` the absent holder's name when the mail's author has it at hand.
 */
export interface SigningAs {
  capacity: 'substitute' | 'delegate';
  function: string | null;
  actingStatement: string | null;
  inPlaceOf?: string | null;
}

export type ReminderParams = SignRequestParams;

/**
 * A meeting's one request mail per person (issue 12): the organisation and body ask, the sitting's date, every
 * item of it for this person in agenda order, and one link to the meeting page where all of them are signed.
 */
export interface MeetingSignRequestParams extends BaseMailParams {
  meetingTitle: string;
  bodyName: string;
  /** YYYY-MM-DD, the day of the sitting. */
  meetingDate: string;
  items: ReadonlyArray<{ agendaItem: string | null; title: string }>;
  deadline?: Date | null;
  /** The meeting page `/s/<token>/batch/meetings/<id>`. */
  signingUrl: string;
  /** A reminder of the meeting (staff or the schedule): the items still waiting, and a link replacing the earlier one. */
  reminder?: boolean;
  /** As for a sign request: an item's document was corrected after this person had signed it. */
  documentCorrected?: boolean;
  /** As for a sign request: signed as a substitute or a delegate. */
  signingAs?: SigningAs | null;
}

export interface DeclinedParams extends BaseMailParams {
  declinedBy: string;
  reason?: string | null;
  /** For staff: the envelope in the staff app. */
  detailsUrl?: string | null;
}

export interface CancelledParams extends BaseMailParams {
  reason?: string | null;
}

export interface CompletedParams extends BaseMailParams {
  /** The result link `/r/<token>` (issue 12): every signed PDF to download until `downloadUntil`. */
  downloadUrl?: string | null;
  downloadUntil?: Date | null;
  /** To the staff member who sent it: said so, with the envelope in the staff app. */
  forSender?: boolean;
  detailsUrl?: string | null;
  /** The signed PDFs are attached too (RESULT_ATTACH_MAX_KB). */
  attached?: boolean;
  /** A meeting's one completion mail (issue 12): the meeting's title and its items, in agenda order. */
  meeting?: { title: string; items: string[] } | null;
}

/** To the sender (issue 12): a mail of theirs could not be delivered. */
export interface MailFailedParams extends BaseMailParams {
  email: string;
  error?: string | null;
  detailsUrl?: string | null;
}

export interface ExpiredParams extends BaseMailParams {
  expiredAt: Date;
  detailsUrl?: string | null;
}

/** The second factor (issue 4): a 6-digit code to type on the signing page. */
export interface SigningCodeParams extends BaseMailParams {
  code: string;
  validMinutes: number;
  /** For a batch: how many documents the code signs together (the title is then the first one's). */
  batchCount?: number | null;
}

export interface MailParams {
  signingCode: SigningCodeParams;
  signRequest: SignRequestParams;
  reminder: ReminderParams;
  declined: DeclinedParams;
  cancelled: CancelledParams;
  completed: CompletedParams;
  expired: ExpiredParams;
  mailFailed: MailFailedParams;
  meetingSignRequest: MeetingSignRequestParams;
}

export type MailKind = keyof MailParams;
export const MAIL_KINDS: readonly MailKind[] = ['signRequest', 'reminder', 'declined', 'cancelled', 'completed', 'expired', 'signingCode', 'mailFailed', 'meetingSignRequest'];

/** Formats an instant for a reader in Belgium: `dinsdag 4 maart 2025 om 17:00`. */
export function formatBrusselsDateTime(date: Date, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: 'Europe/Brussels',
  }).format(date);
}

/** The day of a sitting (YYYY-MM-DD, a calendar date): `dinsdag 12 januari 2027`. */
export function formatMeetingDate(date: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
}

/** Names and titles go on one line (they end up in a Subject header too). */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

type Translate = (key: MailCatalogKey, values?: Record<string, string | number>) => string;

function translator(language: Language): Translate {
  const catalog = mailCatalogs[language];
  return (key, values = {}) =>
    catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`mail text ${key} needs {${name}}`);
      return typeof value === 'string' ? oneLine(value) : String(value);
    });
}

function opening(t: Translate, params: BaseMailParams): MailBlock[] {
  return [
    { kind: 'heading', text: oneLine(params.envelopeTitle) },
    { kind: 'paragraph', text: t('common.greeting', { name: params.recipientName }) },
  ];
}

function closing(t: Translate, params: BaseMailParams): MailBlock[] {
  return [
    { kind: 'paragraph', text: `${t('common.signoff')}\n${oneLine(params.organisationName)}` },
    { kind: 'footer', text: t('common.automatic') },
  ];
}

function action(t: Translate, label: string, url: string): MailBlock {
  return { kind: 'action', label, url: assertHttpUrl(url), fallback: t('common.linkFallback') };
}

/** "U ondertekent als wnd. algemeen directeur, …" — nothing for a holder or a recipient named directly. */
function signingAsBlocks(t: Translate, language: Language, signingAs: SigningAs | null | undefined): MailBlock[] {
  if (signingAs?.capacity === 'substitute' && signingAs.function) {
    const holder = signingAs.inPlaceOf?.trim();
    const text = holder ? t('signingAs.substitute', { function: signingAs.function, holder }) : t('signingAs.substitute.unnamed', { function: signingAs.function });
    return [{ kind: 'paragraph', text }];
  }
  if (signingAs?.capacity === 'delegate' && signingAs.actingStatement) {
    // The statement is Dutch, as the signature writes it: a Dutch sentence runs it on, the others quote it.
    const statement = signingAs.actingStatement;
    return [{ kind: 'paragraph', text: t('signingAs.delegate', { statement: language === 'nl' ? statement.charAt(0).toLowerCase() + statement.slice(1) : statement }) }];
  }
  return [];
}

function reasonBlocks(t: Translate, reason: string | null | undefined, whenMissing?: MailCatalogKey): MailBlock[] {
  const text = reason?.trim();
  if (text) return [{ kind: 'quote', label: t('common.reason'), text }];
  return whenMissing ? [{ kind: 'paragraph', text: t(whenMissing) }] : [];
}

/** signRequest and reminder differ only in subject and first sentence. */
function request(kind: 'signRequest' | 'reminder', t: Translate, language: Language, params: SignRequestParams) {
  const verb = params.role === 'approver' ? 'approve' : 'sign';
  const sender = params.senderName?.trim();
  const values = { title: params.envelopeTitle, sender: sender || params.organisationName, organisation: params.organisationName };
  const intro = t(sender ? `${kind}.intro.${verb}` : `${kind}.intro.${verb}.byOrganisation`, values);
  const blocks: MailBlock[] = [...opening(t, params), { kind: 'paragraph', text: intro }, ...signingAsBlocks(t, language, params.signingAs)];
  if (params.documentCorrected) blocks.push({ kind: 'paragraph', text: t(`corrected.${verb}`) });
  const message = params.message?.trim();
  if (message) blocks.push({ kind: 'quote', label: t('common.messageFrom', values), text: message });
  if (params.deadline) {
    blocks.push({ kind: 'paragraph', text: t('common.deadline', { deadline: formatBrusselsDateTime(params.deadline, language) }) });
  }
  blocks.push(action(t, t(`signRequest.button.${verb}`), params.signingUrl));
  blocks.push({ kind: 'paragraph', text: t('common.personal') });
  if (params.batch && params.batch.otherCount > 0) {
    const count = params.batch.otherCount;
    blocks.push({ kind: 'paragraph', text: t(count === 1 ? 'batch.one' : 'batch.other', { count, organisation: params.organisationName }) });
    blocks.push(action(t, t('batch.button'), params.batch.url));
  }
  return { subject: t(`${kind}.subject.${verb}`, values), blocks: [...blocks, ...closing(t, params)] };
}

function meetingRequest(t: Translate, language: Language, params: MeetingSignRequestParams): Composed {
  const values = { title: params.meetingTitle, organisation: params.organisationName, body: params.bodyName, date: formatMeetingDate(params.meetingDate, language), count: params.items.length };
  const blocks: MailBlock[] = [
    ...opening(t, { ...params, envelopeTitle: params.meetingTitle }),
    { kind: 'paragraph', text: t(params.reminder ? 'meetingReminder.intro' : 'meetingSignRequest.intro', values) },
    { kind: 'paragraph', text: params.items.map((item) => `${item.agendaItem ? `${oneLine(item.agendaItem)}. ` : '– '}${oneLine(item.title)}`).join('\n') },
    ...signingAsBlocks(t, language, params.signingAs),
  ];
  if (params.documentCorrected) blocks.push({ kind: 'paragraph', text: t('corrected.sign') });
  if (params.deadline) blocks.push({ kind: 'paragraph', text: t('common.deadline', { deadline: formatBrusselsDateTime(params.deadline, language) }) });
  blocks.push(action(t, t('meetingSignRequest.button'), params.signingUrl));
  blocks.push({ kind: 'paragraph', text: t(params.reminder ? 'meetingReminder.replaces' : 'meetingSignRequest.oneLink') });
  blocks.push({ kind: 'paragraph', text: t('common.personal') });
  return { subject: t(params.reminder ? 'meetingReminder.subject' : 'meetingSignRequest.subject', values), blocks: [...blocks, ...closing(t, params)] };
}

type Composed = { subject: string; blocks: MailBlock[] };
type Composer<K extends MailKind> = (t: Translate, language: Language, params: MailParams[K]) => Composed;

const composers: { [K in MailKind]: Composer<K> } = {
  signingCode: (t, _language, params) => {
    const values = { title: params.envelopeTitle, organisation: params.organisationName, minutes: params.validMinutes };
    const count = params.batchCount ?? 0;
    const blocks: MailBlock[] = [
      ...opening(t, params),
      { kind: 'paragraph', text: t(count > 1 ? 'signingCode.intro.batch' : 'signingCode.intro', { ...values, count }) },
      { kind: 'quote', label: t('signingCode.label'), text: params.code },
      { kind: 'paragraph', text: t('signingCode.validity', values) },
      { kind: 'paragraph', text: t('signingCode.notYou') },
    ];
    return { subject: t('signingCode.subject', values), blocks: [...blocks, ...closing(t, params)] };
  },
  signRequest: (t, language, params) => request('signRequest', t, language, params),
  reminder: (t, language, params) => request('reminder', t, language, params),
  meetingSignRequest: meetingRequest,

  declined: (t, _language, params) => {
    const values = { title: params.envelopeTitle, decliner: params.declinedBy };
    const blocks: MailBlock[] = [
      ...opening(t, params),
      { kind: 'paragraph', text: t('declined.intro', values) },
      ...reasonBlocks(t, params.reason, 'declined.noReason'),
      { kind: 'paragraph', text: t('declined.consequence') },
    ];
    if (params.detailsUrl) blocks.push(action(t, t('common.viewDetails'), params.detailsUrl));
    return { subject: t('declined.subject', values), blocks: [...blocks, ...closing(t, params)] };
  },

  cancelled: (t, _language, params) => {
    const values = { title: params.envelopeTitle, organisation: params.organisationName };
    const blocks: MailBlock[] = [
      ...opening(t, params),
      { kind: 'paragraph', text: t('cancelled.intro', values) },
      ...reasonBlocks(t, params.reason),
      { kind: 'paragraph', text: t('cancelled.linkInvalid') },
    ];
    return { subject: t('cancelled.subject', values), blocks: [...blocks, ...closing(t, params)] };
  },

  completed: (t, language, params) => {
    const values = { title: params.envelopeTitle, organisation: params.organisationName };
    const blocks: MailBlock[] = [...opening(t, params)];
    if (params.meeting) {
      blocks.push({ kind: 'paragraph', text: t('completed.meeting.intro', { meeting: params.meeting.title }) });
      blocks.push({ kind: 'paragraph', text: params.meeting.items.map((item) => `– ${oneLine(item)}`).join('\n') });
    } else {
      blocks.push({ kind: 'paragraph', text: t(params.forSender ? 'completed.staff.intro' : 'completed.intro', values) });
    }
    if (params.downloadUrl) {
      blocks.push(action(t, t('completed.download'), params.downloadUrl));
      if (params.downloadUntil) blocks.push({ kind: 'paragraph', text: t('completed.validUntil', { date: formatBrusselsDateTime(params.downloadUntil, language) }) });
      if (params.attached) blocks.push({ kind: 'paragraph', text: t('completed.attached') });
    } else {
      blocks.push({ kind: 'paragraph', text: t('completed.noDownload', values) });
    }
    if (params.detailsUrl) blocks.push(action(t, t('common.viewDetails'), params.detailsUrl));
    return { subject: t('completed.subject', values), blocks: [...blocks, ...closing(t, params)] };
  },

  mailFailed: (t, _language, params) => {
    const values = { title: params.envelopeTitle, email: params.email };
    const blocks: MailBlock[] = [...opening(t, params), { kind: 'paragraph', text: t('mailFailed.intro', values) }];
    const error = params.error?.trim();
    if (error) blocks.push({ kind: 'quote', label: t('mailFailed.error'), text: error.slice(0, 300) });
    blocks.push({ kind: 'paragraph', text: t('mailFailed.next') });
    if (params.detailsUrl) blocks.push(action(t, t('common.viewDetails'), params.detailsUrl));
    return { subject: t('mailFailed.subject', values), blocks: [...blocks, ...closing(t, params)] };
  },

  expired: (t, language, params) => {
    const values = {
      title: params.envelopeTitle,
      organisation: params.organisationName,
      date: formatBrusselsDateTime(params.expiredAt, language),
    };
    const blocks: MailBlock[] = [
      ...opening(t, params),
      { kind: 'paragraph', text: t('expired.intro', values) },
      { kind: 'paragraph', text: t('expired.next', values) },
    ];
    if (params.detailsUrl) blocks.push(action(t, t('common.viewDetails'), params.detailsUrl));
    return { subject: t('expired.subject', values), blocks: [...blocks, ...closing(t, params)] };
  },
};

/**
 * Renders one mail; throws on a link that is not an absolute http(s) URL. A language we do
 * not have (a stored `de`) falls back to Dutch rather than blocking the mail.
 */
export function renderMail<K extends MailKind>(kind: K, requested: Language, params: MailParams[K]): RenderedMail {
  const language = resolveLanguage(requested);
  const t = translator(language);
  const composer = composers[kind] as Composer<K>;
  const { subject, blocks } = composer(t, language, params);
  return renderBlocks(subject, LOCALES[language], blocks);
}
