/**
 * Dutch mail texts (nl-BE), the default language. Plain language at level B1: short
 * sentences, "u", active verbs, one message per sentence. `{name}` is filled in by
 * templates.ts; the other catalogs must have exactly the same keys and placeholders.
 */
export const nl = {
  'common.greeting': 'Beste {name},',
  'common.signoff': 'Met vriendelijke groeten,',
  'common.automatic': 'Dit is een automatisch bericht van Paraaf. U kunt niet antwoorden op deze e-mail.',
  'common.linkFallback': 'Werkt de knop niet? Kopieer dan deze link in uw browser:',
  'common.messageFrom': '{sender} schrijft:',
  'common.deadline': 'Doe dit ten laatste op {deadline}.',
  'common.personal': 'Deze link is persoonlijk. Stuur deze e-mail niet door.',
  'common.reason': 'De reden:',
  'common.viewDetails': 'Dossier bekijken',
  'batch.one': 'Er wacht nog 1 ander document van {organisation} op u.',
  'batch.other': 'Er wachten nog {count} andere documenten van {organisation} op u.',
  'batch.button': 'Alles samen bekijken',
  'signRequest.subject.sign': 'Te ondertekenen: {title}',
  'signRequest.subject.approve': 'Goed te keuren: {title}',
  'signRequest.intro.sign': '{sender} van {organisation} vraagt u om ‘{title}’ te ondertekenen.',
  'signRequest.intro.sign.byOrganisation': '{organisation} vraagt u om ‘{title}’ te ondertekenen.',
  'signRequest.intro.approve': '{sender} van {organisation} vraagt u om ‘{title}’ goed te keuren.',
  'signRequest.intro.approve.byOrganisation': '{organisation} vraagt u om ‘{title}’ goed te keuren.',
  'signRequest.button.sign': 'Bekijken en ondertekenen',
  'signRequest.button.approve': 'Bekijken en goedkeuren',
  'reminder.subject.sign': 'Herinnering: ‘{title}’ wacht op uw handtekening',
  'reminder.subject.approve': 'Herinnering: ‘{title}’ wacht op uw goedkeuring',
  'reminder.intro.sign': '{sender} van {organisation} vroeg u om ‘{title}’ te ondertekenen. Dat is nog niet gebeurd.',
  'reminder.intro.sign.byOrganisation': '{organisation} vroeg u om ‘{title}’ te ondertekenen. Dat is nog niet gebeurd.',
  'reminder.intro.approve': '{sender} van {organisation} vroeg u om ‘{title}’ goed te keuren. Dat is nog niet gebeurd.',
  'reminder.intro.approve.byOrganisation': '{organisation} vroeg u om ‘{title}’ goed te keuren. Dat is nog niet gebeurd.',
  'declined.subject': 'Geweigerd: {title}',
  'declined.intro': '{decliner} heeft ‘{title}’ geweigerd.',
  'declined.consequence': 'Daarom is de ondertekening gestopt. Niemand anders moet nog iets doen.',
  'declined.noReason': 'Er is geen reden opgegeven.',
  'cancelled.subject': 'Ingetrokken: {title}',
  'cancelled.intro': '{organisation} heeft ‘{title}’ ingetrokken. U hoeft niets meer te doen.',
  'cancelled.linkInvalid': 'De link in de vorige e-mail werkt niet meer.',
  'completed.subject': 'Ondertekend: {title}',
  'completed.intro': 'Iedereen heeft ‘{title}’ ondertekend. De documenten zijn nu volledig ondertekend.',
  'completed.download': 'Ondertekende documenten downloaden',
  'completed.noDownload': 'U kunt de ondertekende documenten opvragen bij {organisation}.',
  'expired.subject': 'Verlopen: {title}',
  'expired.intro': 'De termijn om ‘{title}’ te ondertekenen is voorbij sinds {date}. Niet iedereen had toen ondertekend.',
  'expired.next': 'Daarom is de ondertekening gestopt. {organisation} beslist wat er verder gebeurt.',
} as const satisfies Record<string, string>;

export type MailCatalogKey = keyof typeof nl;
export type MailCatalog = Readonly<Record<MailCatalogKey, string>>;
