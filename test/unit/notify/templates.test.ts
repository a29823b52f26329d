import { expect } from 'chai';
import { en, fr, nl, LANGUAGES, mailCatalogs, resolveLanguage, type Language } from '../../../src/notify/i18n/index.ts';
import { MAIL_KINDS, formatBrusselsDateTime, renderMail, type MailKind, type MailParams } from '../../../src/notify/templates.ts';

const SIGNING_URL = 'https://paraaf.example.be/s/tok_abc123';
const base = { organisationName: 'Gemeente Zemst', recipientName: 'Anaïs Geëerts', envelopeTitle: 'Gemeenteraad 4 maart: besluiten' };

const params: { [K in MailKind]: MailParams[K] } = {
  signRequest: {
    ...base,
    senderName: 'Joëlle Secretariaat',
    message: 'Graag vóór de zitting.\nDank u!',
    deadline: new Date('2025-03-04T16:00:00Z'),
    signingUrl: SIGNING_URL,
    batch: { url: `${SIGNING_URL}/batch`, otherCount: 3 },
  },
  reminder: { ...base, senderName: 'Joëlle Secretariaat', signingUrl: SIGNING_URL, deadline: new Date('2025-03-04T16:00:00Z') },
  declined: { ...base, declinedBy: 'Piet Pieters', reason: 'Het bedrag klopt niet.', detailsUrl: 'https://paraaf.example.be/app/envelopes/1' },
  cancelled: { ...base, reason: 'Verkeerde versie verstuurd.' },
  completed: { ...base, downloadUrl: 'https://paraaf.example.be/d/xyz' },
  expired: { ...base, expiredAt: new Date('2025-03-10T23:00:00Z'), detailsUrl: 'https://paraaf.example.be/app/envelopes/1' },
  signingCode: { ...base, code: '042917', validMinutes: 10 },
  meetingSignRequest: {
    ...base,
    meetingTitle: base.envelopeTitle,
    bodyName: 'Gemeenteraad',
    meetingDate: '2025-03-04',
    items: [{ agendaItem: '1', title: 'Goedkeuring notulen' }, { agendaItem: '2', title: 'Subsidie jeugd' }],
    deadline: new Date('2025-03-10T16:00:00Z'),
    signingUrl: `${SIGNING_URL}/batch?meeting=m1`,
  },
  mailFailed: { ...base, email: 'p.pieters@zemst.test', error: '550 5.1.1 mailbox unknown', detailsUrl: 'https://paraaf.example.be/app/envelopes/1' },
};

const LANG_ATTR: Record<Language, string> = { nl: 'nl-BE', en: 'en-GB', fr: 'fr-BE' };

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

describe('notify/templates', () => {
  describe('catalogs', () => {
    it('have the same keys in nl, en and fr', () => {
      const reference = Object.keys(nl).sort();
      for (const language of LANGUAGES) {
        const keys = Object.keys(mailCatalogs[language]).sort();
        expect(keys, `keys of ${language}`).to.deep.equal(reference);
      }
      expect(Object.keys(en).sort()).to.deep.equal(reference);
      expect(Object.keys(fr).sort()).to.deep.equal(reference);
    });

    it('use the same placeholders for each key and have no empty or untranslated texts', () => {
      for (const [key, text] of Object.entries(nl)) {
        for (const language of LANGUAGES) {
          const translated = mailCatalogs[language][key as keyof typeof nl];
          expect(translated.trim(), `${language} ${key}`).to.not.equal('');
          expect(placeholders(translated), `${language} ${key}`).to.deep.equal(placeholders(text));
          expect(translated, `${language} ${key} holds no markup`).to.not.match(/[<>]/);
        }
      }
      const untranslated = Object.keys(nl).filter((key) => en[key as keyof typeof nl] === nl[key as keyof typeof nl] && /[a-z]{4}/.test(nl[key as keyof typeof nl]));
      expect(untranslated).to.deep.equal([]);
    });
  });

  describe('renderMail', () => {
    for (const kind of MAIL_KINDS) {
      for (const language of LANGUAGES) {
        it(`renders ${kind} in ${language}`, () => {
          const mail = renderMail(kind, language, params[kind] as never);
          expect(mail.subject).to.include(base.envelopeTitle);
          expect(mail.subject).to.not.match(/[\r\n{}]/);
          expect(mail.text).to.include(base.envelopeTitle).and.include(base.recipientName).and.include(base.organisationName);
          expect(mail.text).to.not.match(/\{\w+\}/);
          expect(mail.html).to.match(new RegExp(`^<!DOCTYPE html>\\n<html lang="${LANG_ATTR[language]}">`));
          expect(mail.html).to.include('<meta charset="utf-8">').and.include('<h1').and.include('<main');
          expect(mail.html).to.include(`<title>${mail.subject.replace(/&/g, '&amp;').replace(/'/g, '&#39;')}</title>`);
          expect(mail.html).to.not.match(/\{\w+\}/);
          expect(mail.html).to.not.include('<img');
        });
      }
    }

    it('puts the personal link, the deadline in Brussels time, the message and the batch link in a sign request', () => {
      const mail = renderMail('signRequest', 'nl', params.signRequest);
      expect(mail.subject).to.equal('Te ondertekenen: Gemeenteraad 4 maart: besluiten');
      expect(mail.text).to.include('Joëlle Secretariaat van Gemeente Zemst vraagt u om ‘Gemeenteraad 4 maart: besluiten’ te ondertekenen.');
      expect(mail.text).to.include(`Bekijken en ondertekenen:\n${SIGNING_URL}\n`);
      expect(mail.text).to.include('Doe dit ten laatste op dinsdag 4 maart 2025 om 17:00.');
      expect(mail.text).to.include('Deze link is persoonlijk.');
      expect(mail.text).to.include('> Graag vóór de zitting.\n> Dank u!');
      expect(mail.text).to.include('Er wachten nog 3 andere documenten van Gemeente Zemst op u.');
      expect(mail.text).to.include(`${SIGNING_URL}/batch`);
      expect(mail.html).to.include(`<a href="${SIGNING_URL}"`).and.include(`<a href="${SIGNING_URL}/batch"`);
      expect(mail.html).to.include('Graag vóór de zitting.<br>\nDank u!');
      expect(mail.html).to.include('<blockquote');
    });

    it('leaves the batch paragraph out when nothing else waits, and says "1 other" in the singular', () => {
      const none = renderMail('signRequest', 'en', { ...params.signRequest, batch: { url: `${SIGNING_URL}/batch`, otherCount: 0 } });
      expect(none.text).to.not.include('/batch');
      const one = renderMail('signRequest', 'en', { ...params.signRequest, batch: { url: `${SIGNING_URL}/batch`, otherCount: 1 } });
      expect(one.text).to.include('1 other document from Gemeente Zemst is waiting for you.');
    });

    it('asks approvers to approve, not to sign', () => {
      const mail = renderMail('reminder', 'fr', { ...params.reminder, role: 'approver' });
      expect(mail.subject).to.equal('Rappel : « Gemeenteraad 4 maart: besluiten » attend votre approbation');
      expect(mail.text).to.include('Consulter et approuver');
      expect(mail.text).to.include('mardi 4 mars 2025 à 17:00');
    });

    it('sets the colon after a button label in the text part as each language writes it (French: a space before it)', () => {
      expect(renderMail('reminder', 'fr', { ...params.reminder, role: 'approver' }).text).to.include(`Consulter et approuver :\n${SIGNING_URL}\n`);
      expect(renderMail('signRequest', 'nl', params.signRequest).text).to.include(`Bekijken en ondertekenen:\n${SIGNING_URL}\n`);
      expect(renderMail('signRequest', 'en', params.signRequest).text).to.match(new RegExp(`\\w:\\n${SIGNING_URL.replace(/[.]/g, '\\.')}\\n`));
    });

    it('formats dates in Europe/Brussels, summer time included', () => {
      expect(formatBrusselsDateTime(new Date('2025-07-01T10:00:00Z'), 'nl')).to.equal('dinsdag 1 juli 2025 om 12:00');
      expect(formatBrusselsDateTime(new Date('2025-03-10T23:00:00Z'), 'en')).to.equal('Tuesday, 11 March 2025 at 00:00');
    });

    it('escapes every user-provided value in the HTML part and keeps it readable in the text part', () => {
      const hostile = '<script>alert("x")</script> & \'co\'';
      const mail = renderMail('signRequest', 'nl', {
        ...params.signRequest,
        envelopeTitle: hostile,
        recipientName: '<b>Jan</b>',
        senderName: '<img src=x onerror=alert(1)>',
        organisationName: 'A & B',
        message: '</blockquote><script>bad()</script>',
      });
      expect(mail.html).to.not.include('<script>').and.not.include('<b>Jan').and.not.include('<img');
      expect(mail.html).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
      expect(mail.html).to.include('&lt;/blockquote&gt;&lt;script&gt;bad()&lt;/script&gt;');
      expect(mail.html).to.include('A &amp; B');
      expect(mail.text).to.include(hostile);
      expect(mail.subject).to.equal(`Te ondertekenen: ${hostile}`);
    });

    it('keeps titles and names on one line, so the subject stays one header line', () => {
      const mail = renderMail('cancelled', 'nl', { ...params.cancelled, envelopeTitle: 'Besluit\r\nBcc: evil@example.com' });
      expect(mail.subject).to.equal('Ingetrokken: Besluit Bcc: evil@example.com');
    });

    it('refuses links that are not absolute http(s) URLs', () => {
      expect(() => renderMail('completed', 'nl', { ...params.completed, downloadUrl: 'javascript:alert(1)' })).to.throw(TypeError, /http/);
      expect(() => renderMail('signRequest', 'nl', { ...params.signRequest, signingUrl: '/s/relative' })).to.throw(TypeError);
    });

    it('falls back to Dutch for a language it does not have', () => {
      const mail = renderMail('expired', 'de' as Language, params.expired);
      expect(mail.subject).to.equal('Verlopen: Gemeenteraad 4 maart: besluiten');
      expect(resolveLanguage('fr-BE')).to.equal('fr');
      expect(resolveLanguage('EN')).to.equal('en');
      expect(resolveLanguage(undefined)).to.equal('nl');
    });

    it('says that no reason was given when a decline has none', () => {
      const mail = renderMail('declined', 'nl', { ...params.declined, reason: '  ' });
      expect(mail.text).to.include('Piet Pieters heeft ‘Gemeenteraad 4 maart: besluiten’ geweigerd.');
      expect(mail.text).to.include('Er is geen reden opgegeven.');
    });

    it('points to the organisation when a completed mail has no download link', () => {
      const mail = renderMail('completed', 'nl', { ...params.completed, downloadUrl: null });
      expect(mail.text).to.include('U kunt de ondertekende documenten opvragen bij Gemeente Zemst.');
      expect(mail.html).to.not.include('<a ');
    });
  });
});
