import { expect } from 'chai';
import { signerCatalogs } from '../../../src/web/i18n/index.ts';
import { staffCatalogs } from '../../../src/web/staff/i18n.ts';
import { followCatalogs } from '../../../src/web/staff/follow-i18n.ts';
import { sendCatalogs } from '../../../src/web/staff/send-i18n.ts';
import { mailCatalogs } from '../../../src/notify/i18n/index.ts';
import { reportCatalogs } from '../../../src/audit/report-i18n.ts';
import { bundleReadme } from '../../../src/audit/bundle-readme.ts';

/**
 * Issue 12: "envelop" is jargon in a town hall. What people read says "dossier" (nl, fr) and "signature request" (en);
 * the code and the API keep "envelope" as the resource's name, so only the catalogues' values are scanned, never their keys.
 */
const catalogues = { signer: signerCatalogs, staff: staffCatalogs, follow: followCatalogs, send: sendCatalogs, mail: mailCatalogs, report: reportCatalogs };
const JARGON = { nl: /envelop/i, en: /envelope/i, fr: /enveloppe/i } as const;

describe('Words: no "envelop" in what people read (issue 12)', () => {
  for (const [name, byLanguage] of Object.entries(catalogues)) {
    for (const language of ['nl', 'en', 'fr'] as const) {
      it(`the ${name} catalogue in ${language} never says ${JARGON[language]}`, () => {
        const catalogue = (byLanguage as Record<string, Readonly<Record<string, string>>>)[language];
        expect(Object.keys(catalogue)).to.not.be.empty;
        const found = Object.entries(catalogue).filter(([, text]) => JARGON[language].test(text)).map(([key, text]) => `${key}: ${text}`);
        expect(found).to.deep.equal([]);
      });
    }
  }

  it('the Dutch catalogues say "dossier" where they used to say "envelop"', () => {
    expect(followCatalogs.nl['dashboard.caption']).to.equal('Dossiers');
    expect(followCatalogs.nl['cancel.back']).to.equal('Niet intrekken, terug naar het dossier');
    expect(sendCatalogs.nl['send.sent.one']).to.equal('Het dossier “{title}” is verstuurd.');
    expect(reportCatalogs.nl['purpose.completion']).to.equal('het dossier is afgerond');
    expect(followCatalogs.fr['notice.cancelled']).to.equal('Le dossier a été annulé.');
    expect(followCatalogs.en['dashboard.caption']).to.equal('Signature requests');
  });

  it('the evidence bundle README names the dossier, not the envelope', () => {
    const text = bundleReadme({ organisation: 'Gemeente Zwevegem', envelopeTitle: 'Besluit 3', envelopeId: 'abc', documentFiles: ['documents/besluit-3.pdf'] });
    expect(text).to.include('Dossier / signature request: abc').and.not.match(/envelop/i);
  });
});
