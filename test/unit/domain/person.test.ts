import { expect } from 'chai';
import { normaliseEmail, validatePerson } from '../../../src/domain/person.ts';

describe('domain: person', () => {
  it('normalises e-mail addresses and rejects what is not one', () => {
    expect(normaliseEmail('  Els.Vandenberghe@Kortrijk.BE ')).to.equal('els.vandenberghe@kortrijk.be');
    for (const bad of ['', 'els', 'els@kortrijk', 'els @kortrijk.be', 'els@@kortrijk.be', 'Els <els@kortrijk.be>']) expect(normaliseEmail(bad), bad).to.equal(null);
  });

  it('validates a directory entry, defaulting the language to Dutch and an empty function to none', () => {
    expect(validatePerson({ name: ' Jan Peeters ', email: 'JAN@zwevegem.be', function: '' })).to.deep.equal({
      ok: true,
      person: { name: 'Jan Peeters', email: 'jan@zwevegem.be', function: null, language: 'nl' },
    });
    expect(validatePerson({ name: 'Marie Dubois', email: 'marie@mouscron.be', function: 'Directrice générale', language: 'FR' })).to.deep.include({ ok: true });
    expect(validatePerson({ name: '', email: 'x', language: 'de' })).to.deep.equal({
      ok: false,
      errors: ['name is empty', "'x' is not an e-mail address", "language 'de' is not one of nl, en, fr"],
    });
  });
});
