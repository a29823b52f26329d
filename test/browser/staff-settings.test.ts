/**
 * The notification addresses on the settings page (issue 12) in Chromium, at desktop width and at 375 px: the
 * field, its explanation, a refused address (said at the field, what was typed kept) and the saved addresses;
 * also in French. Every state screenshotted into test-artifacts/screenshots/ and checked with axe (zero
 * violations), for sideways scrolling and for script errors. test/integration/closing-loop/staff-language.test.ts
 * proves over HTTP where the notices then go.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createUser, organisationById } from '../../src/store/index.ts';
import { checkState, newPage, staffLogin, staffSuite, STAFF_WIDTHS } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('notification addresses on the settings page in a real browser (Chromium)', function () {
  this.timeout(60_000);
  const suite = staffSuite();
  const noticeForm = (p: Page) => p.locator('form[action="/app/settings/notices"]');

  before(async () => {
    // One admin per width: a language link followed in one run is kept on that account.
    for (const [, label] of STAFF_WIDTHS) {
      await createUser(suite.app.deps.db, suite.org.id, { email: `beheer-${label}@zonnebeke.be`, role: 'admin', name: `Beheer ${label}`, password: PASSWORD });
    }
  });

  for (const [width, label] of STAFF_WIDTHS) {
    it(`at ${label}: the field and its explanation, a refused address, the saved addresses`, async () => {
      const { page, context } = await newPage(suite.browser, { viewport: { width, height: 800 } });
      try {
        await staffLogin(page, suite.app.url, `beheer-${label}@zonnebeke.be`, PASSWORD);
        await suite.open(page, '/app/settings');
        const section = page.getByRole('heading', { level: 2, name: 'Meldingen over dossiers uit de API' });
        expect(await section.isVisible()).to.equal(true);
        expect(await page.textContent('#notices-intro')).to.include('krijgen deze adressen een e-mail en ziet elke beheerder een melding in Paraaf');
        const field = page.getByRole('textbox', { name: 'Meldingsadressen' });
        expect(await field.getAttribute('aria-describedby')).to.equal('notice-emails-help');
        await field.scrollIntoViewIfNeeded();
        await checkState(page, `staff-settings-notices-${label}`);

        await field.fill('secretariaat@zonnebeke.be\nsecretariaat(at)zonnebeke.be');
        await page.getByRole('combobox', { name: 'Standaardtaal van de organisatie' }).selectOption({ label: 'Frans' });
        await noticeForm(page).getByRole('button', { name: 'Opslaan' }).click();
        const alert = page.getByRole('alert');
        await alert.waitFor();
        expect(await alert.textContent()).to.equal('‘secretariaat(at)zonnebeke.be’ is geen geldig e-mailadres. Verbeter het bij de meldingsadressen; er is niets opgeslagen.');
        expect(await page.title()).to.match(/^Fout: /);
        const refused = page.getByRole('textbox', { name: 'Meldingsadressen' });
        expect(await refused.getAttribute('aria-invalid')).to.equal('true');
        expect(await refused.inputValue(), 'what was typed is kept').to.equal('secretariaat@zonnebeke.be\nsecretariaat(at)zonnebeke.be');
        await refused.scrollIntoViewIfNeeded();
        await checkState(page, `staff-settings-notices-refused-${label}`);
        expect((await organisationById(suite.app.deps.db, suite.org.id))!.settings.noticeEmails, 'nothing saved').to.equal(undefined);

        await refused.fill('secretariaat@zonnebeke.be\ndossiers@zonnebeke.be');
        await noticeForm(page).getByRole('button', { name: 'Opslaan' }).click();
        await page.getByRole('status').waitFor();
        expect(await page.getByRole('status').textContent()).to.equal('De wijzigingen zijn opgeslagen.');
        expect(await page.getByRole('textbox', { name: 'Meldingsadressen' }).inputValue()).to.equal('secretariaat@zonnebeke.be\ndossiers@zonnebeke.be');
        expect(await page.getByRole('combobox', { name: 'Standaardtaal van de organisatie' }).inputValue()).to.equal('fr');
        await checkState(page, `staff-settings-notices-saved-${label}`);
        const saved = (await organisationById(suite.app.deps.db, suite.org.id))!.settings;
        expect([saved.noticeEmails, saved.defaultLanguage]).to.deep.equal([['secretariaat@zonnebeke.be', 'dossiers@zonnebeke.be'], 'fr']);

        await suite.open(page, '/app/settings?lang=fr');
        expect(await page.getByRole('heading', { level: 2, name: 'Notifications sur les dossiers venant de l\'API' }).isVisible()).to.equal(true);
        expect(await page.getByRole('textbox', { name: 'Adresses de notification' }).inputValue()).to.equal('secretariaat@zonnebeke.be\ndossiers@zonnebeke.be');
        await page.getByRole('textbox', { name: 'Adresses de notification' }).scrollIntoViewIfNeeded();
        await checkState(page, `staff-settings-notices-fr-${label}`);
        await suite.open(page, '/app/settings?lang=nl');
        await noticeForm(page).getByRole('textbox').fill('');
        await noticeForm(page).getByRole('button', { name: 'Opslaan' }).click();
        await page.getByRole('status').waitFor();
        expect((await organisationById(suite.app.deps.db, suite.org.id))!.settings.noticeEmails, 'emptied: removed').to.equal(undefined);
      } finally {
        await context.close();
      }
    });
  }
});
