import { expect } from 'chai';
import { ACTOR_KINDS, AUDIT_ACTIONS, REPORT_LANGUAGES, reportCatalogs, reportTexts } from '../../../src/audit/index.ts';
import { toWinAnsi } from '../../../src/audit/report-layout.ts';
import { ENVELOPE_STATUSES } from '../../../src/domain/index.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const RECIPIENT_STATUSES = ['pending', 'sent', 'opened', 'signed', 'approved', 'declined', 'cancelled', 'expired'];

describe('audit report catalogs', () => {
  const reference = reportCatalogs.nl as Record<string, string>;

  for (const language of REPORT_LANGUAGES) {
    it(`${language} has exactly the Dutch keys, each filled, with the same placeholders`, () => {
      const catalog = reportCatalogs[language] as Record<string, string>;
      expect(Object.keys(catalog).sort()).to.deep.equal(Object.keys(reference).sort());
      for (const [key, text] of Object.entries(reference)) {
        expect(catalog[key], `${language} ${key}`).to.be.a('string').and.not.equal('');
        expect(placeholders(catalog[key]!), `${language} ${key}`).to.deep.equal(placeholders(text));
      }
    });

    it(`${language} names every action, status, role and actor kind`, () => {
      const catalog = reportCatalogs[language] as Record<string, string>;
      const needed = [
        ...AUDIT_ACTIONS.map((a) => `action.${a}`),
        ...ENVELOPE_STATUSES.map((s) => `status.${s}`),
        ...RECIPIENT_STATUSES.map((s) => `recipientStatus.${s}`),
        ...['signer', 'approver', 'cc'].map((r) => `role.${r}`),
        ...ACTOR_KINDS.map((k) => `actor.${k}`),
      ];
      for (const key of needed) expect(catalog, `${language} ${key}`).to.have.property(key);
    });
  }

  it('writes times in Europe/Brussels with seconds, and falls back to the code for an unknown action', () => {
    const nl = reportTexts('nl');
    expect(nl.time('2026-05-12T12:03:07.000Z')).to.match(/^12\/05\/2026,? 14:03:07 CEST$/);
    expect(reportTexts('fr').time('2026-01-12T12:03:07.000Z')).to.match(/12\/01\/2026.*13:03:07/);
    expect(nl.label('action', 'otp.verified')).to.equal('otp.verified');
    expect(nl.t('report.page', { page: 2, pages: 7 })).to.equal('Pagina 2 van 7');
  });
});

describe('toWinAnsi', () => {
  it('keeps what WinAnsi has, drops accents it lacks, and replaces the rest safely', () => {
    expect(toWinAnsi('Zoë, “€ 5 000” – Œuvre ’s-Hertogenbosch')).to.equal('Zoë, “€ 5 000” – Œuvre ’s-Hertogenbosch');
    expect(toWinAnsi('Szőke Łódź')).to.equal('Szoke ?ódz');
    expect(toWinAnsi('a\tb\nc\u0000d\u00a0e')).to.equal('a b cd e');
    expect(toWinAnsi('漢字 🙂 −1')).to.equal('?? ? -1');
  });
});
