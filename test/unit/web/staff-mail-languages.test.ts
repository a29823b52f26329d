/**
 * Every mail to staff (issue 12) is complete in English and French: the password reset and invitation
 * (src/web/staff/mails.ts) and the notices of a decline, completion, expiry and undelivered mail (the sender's,
 * and a notification address's). Each is rendered in nl, en and fr; no line of the Dutch text may come back in
 * the English or French one unless it is only the values put in (title, names, reason, links).
 */
import { expect } from 'chai';
import { renderMail, type Language, type MailKind, type MailParams } from '../../../src/notify/index.ts';
import { passwordMail } from '../../../src/web/staff/mails.ts';

const URL = 'https://paraaf.example.be/app/envelopes/1';
const base = { organisationName: 'Gemeente Zemst', recipientName: 'Sara Secretariaat', envelopeTitle: 'Gemeenteraad 4 maart: besluiten' };
const values = new Set([base.organisationName, base.recipientName, base.envelopeTitle, URL, 'Het bedrag klopt niet.', '550 5.1.1 mailbox unknown']);

const staffMails: Array<[string, (lang: Language) => { subject: string; text: string }]> = [
  ['reset', (lang) => passwordMail({ kind: 'reset', lang, to: { name: base.recipientName, email: 's@zemst.test' }, organisationName: base.organisationName, url: URL })],
  ['invite', (lang) => passwordMail({ kind: 'invite', lang, to: { name: base.recipientName, email: 's@zemst.test' }, organisationName: base.organisationName, inviter: 'Piet Beheer', url: URL })],
  ...(
    [
      ['declined', 'declined', { declinedBy: 'Piet Pieters', reason: 'Het bedrag klopt niet.', detailsUrl: URL }],
      ['expired', 'expired', { expiredAt: new Date('2025-03-10T23:00:00Z'), detailsUrl: URL }],
      ['mailFailed', 'mailFailed', { email: 'p.pieters@zemst.test', error: '550 5.1.1 mailbox unknown', detailsUrl: URL }],
      ['completed (sender)', 'completed', { downloadUrl: URL, downloadUntil: new Date('2025-04-10T10:00:00Z'), forSender: true, detailsUrl: URL, attached: true }],
      // To a notification address (an API envelope): the button opens the dossier in the staff app.
      ['completed (notification address)', 'completed', { downloadUrl: URL, attached: false }],
      ['completed (meeting sender)', 'completed', { downloadUrl: URL, forSender: true, meeting: { title: base.envelopeTitle, items: ['1. Notulen'] } }],
    ] as Array<[string, MailKind, Partial<MailParams[MailKind]>]>
  ).map(([label, kind, params]): [string, (lang: Language) => { subject: string; text: string }] => [label, (lang) => renderMail(kind, lang, { ...base, ...params } as never)]),
];

describe('staff mails in English and French', () => {
  for (const [name, render] of staffMails) {
    it(`${name}: no Dutch line left in en or fr`, () => {
      const dutch = render('nl');
      const words = (text: string) => text.split('\n').map((line) => line.trim()).filter((line) => /\p{L}/u.test(line) && !values.has(line.replace(/^> /, '')) && !line.startsWith('http') && !/^[–-] /.test(line));
      const dutchLines = new Set(words(dutch.text));
      for (const lang of ['en', 'fr'] as const) {
        const mail = render(lang);
        expect(mail.subject, `${name} ${lang} subject`).to.not.equal(dutch.subject);
        expect(words(mail.text).filter((line) => dutchLines.has(line)), `${name} ${lang}`).to.deep.equal([]);
      }
    });
  }
});
