import { expect } from 'chai';
import { staffCatalogs, staffTranslator } from '../../../src/web/staff/i18n.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('staff app common catalogs', () => {
  const reference = staffCatalogs.nl as Record<string, string>;
  for (const language of ['en', 'fr'] as const) {
    it(`${language} has exactly the Dutch keys, each filled, with the same placeholders`, () => {
      const catalog = staffCatalogs[language] as Record<string, string>;
      expect(Object.keys(catalog).sort()).to.deep.equal(Object.keys(reference).sort());
      for (const [key, text] of Object.entries(reference)) {
        expect(catalog[key], `${language} ${key}`).to.be.a('string').and.not.equal('');
        expect(placeholders(catalog[key]!), `${language} ${key}`).to.deep.equal(placeholders(text));
      }
    });
  }
  it('fills placeholders', () => {
    expect(staffTranslator('en')('login.locked', { minutes: 15 })).to.include('in 15 min or');
  });
});
