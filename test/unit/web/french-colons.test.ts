/**
 * French sets a colon off with a space ("Erreur : Signer"), Dutch and English do not. The punctuation around a
 * label therefore lives in each catalogue's text, or comes from `colonIn` where code joins a label to its value
 * (a signer and their role, a route and its steps, a mail's button and its link): this checks every French text
 * of the pages, mails and audit reports, `colonIn`, and the titles that used to be joined in code.
 */
import { expect } from 'chai';
import { reportCatalogs, reportTexts } from '../../../src/audit/report-i18n.ts';
import { colonIn, mailCatalogs } from '../../../src/notify/i18n/index.ts';
import { signerCatalogs, translator } from '../../../src/web/index.ts';
import { followCatalogs } from '../../../src/web/staff/follow-i18n.ts';
import { staffCatalogs, staffTranslator } from '../../../src/web/staff/i18n.ts';
import { mandateNl, mandateTranslator } from '../../../src/web/staff/mandate-i18n.ts';
import { meetingNl, meetingTranslator } from '../../../src/web/staff/meeting-i18n.ts';
import { sendCatalogs } from '../../../src/web/staff/send-i18n.ts';

/** A colon glued to the word before it, outside URLs and clock times (17:00). */
const gluedColon = (text: string) => /[\p{L}\p{N}»)\]}]:(?=\s|$)/u.test(text.replace(/https?:\/\/\S+/g, '').replace(/\d:\d/g, ''));

describe('French colons', () => {
  const french: Record<string, Record<string, string>> = {
    signer: signerCatalogs.fr,
    staff: staffCatalogs.fr,
    follow: followCatalogs.fr,
    send: sendCatalogs.fr,
    mail: mailCatalogs.fr,
    'audit report': reportCatalogs.fr,
    mandates: Object.fromEntries(Object.keys(mandateNl).map((key) => [key, mandateTranslator('fr')(key as keyof typeof mandateNl)])),
    meetings: Object.fromEntries(Object.keys(meetingNl).map((key) => [key, meetingTranslator('fr')(key as keyof typeof meetingNl)])),
  };

  it('every French text sets its colons off with a space', () => {
    const glued = Object.entries(french).flatMap(([catalog, texts]) => Object.entries(texts).filter(([, text]) => gluedColon(text)).map(([key]) => `${catalog} ${key}`));
    expect(glued).to.deep.equal([]);
  });

  it('joins a label to its value as each language does', () => {
    expect(['nl', 'en', 'fr'].map((language) => `Stap${colonIn(language as 'nl' | 'en' | 'fr')} 1`)).to.deep.equal(['Stap: 1', 'Stap: 1', 'Stap : 1']);
  });

  it('titles an error page as each language does', () => {
    expect(translator('fr')('page.errorTitle', { title: 'Signer' })).to.equal('Erreur : Signer');
    expect(translator('nl')('page.errorTitle', { title: 'Ondertekenen' })).to.equal('Fout: Ondertekenen');
    expect(staffTranslator('fr')('page.errorTitle', { title: 'Connexion' })).to.equal('Erreur : Connexion');
    expect(mandateTranslator('fr')('error.title', { title: 'Mandats' })).to.equal('Erreur : Mandats');
    expect(mandateTranslator('en')('error.title', { title: 'Mandates' })).to.equal('Error: Mandates');
    expect(reportTexts('fr').t('report.titleOf', { title: 'Délibération' })).to.equal("Rapport d'audit : Délibération");
    expect(reportTexts('nl').t('event.documentOf', { name: 'besluit.pdf' })).to.equal('Document: besluit.pdf');
  });
});
