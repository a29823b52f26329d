import { expect } from 'chai';
import { signerCatalogs, translator } from '../../../src/web/index.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('signer page catalogs', () => {
  const reference = signerCatalogs.nl;
  for (const language of ['en', 'fr'] as const) {
    it(`${language} has exactly the Dutch keys, each filled, with the same placeholders`, () => {
      const catalog = signerCatalogs[language] as Record<string, string>;
      expect(Object.keys(catalog).sort()).to.deep.equal(Object.keys(reference).sort());
      for (const [key, text] of Object.entries(reference)) {
        expect(catalog[key], `${language} ${key}`).to.be.a('string').and.not.equal('');
        expect(placeholders(catalog[key]!), `${language} ${key}`).to.deep.equal(placeholders(text));
      }
    });
  }
  it('fills placeholders and carries the consent sentence', () => {
    expect(translator('nl')('sign.consent')).to.equal('Ik heb de documenten gelezen en onderteken ze elektronisch');
    expect(translator('en')('rateLimit.body', { seconds: 7 })).to.include('7 seconds');
  });
});
