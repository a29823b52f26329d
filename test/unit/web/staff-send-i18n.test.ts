import { expect } from 'chai';
import { sendCatalogs, sendTranslator } from '../../../src/web/staff/send-i18n.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('staff send page catalogs', () => {
  const reference = sendCatalogs.nl as Record<string, string>;
  for (const language of ['en', 'fr'] as const) {
    it(`${language} has exactly the Dutch keys, each filled, with the same placeholders`, () => {
      const catalog = sendCatalogs[language] as Record<string, string>;
      expect(Object.keys(catalog).sort()).to.deep.equal(Object.keys(reference).sort());
      for (const [key, text] of Object.entries(reference)) {
        expect(catalog[key], `${language} ${key}`).to.be.a('string').and.not.equal('');
        expect(placeholders(catalog[key]!), `${language} ${key}`).to.deep.equal(placeholders(text));
      }
    });
  }
  it('fills placeholders, Dutch first', () => {
    expect(sendTranslator('nl')('send.title')).to.equal('Versturen om te ondertekenen');
    expect(sendTranslator('nl')('send.sent.other', { count: 3 })).to.equal('3 dossiers zijn verstuurd.');
    expect(sendTranslator('en')('send.error.file', { name: 'a.pdf', problem: 'x' })).to.equal('a.pdf: x');
    expect(sendTranslator('fr')('send.placement.page', { page: 1, pages: 2 })).to.equal('Page 1 sur 2');
  });
});
