/**
 * An admin changes a colleague's role and language, and lets a deactivated colleague back in, in Chromium at desktop
 * width and at 375 px: the "edit" link on the users page, the edit page (one's own role not changeable, said why),
 * the saved notice and the table as it then is. Every state screenshotted into test-artifacts/screenshots/ and checked
 * with axe (zero violations), for sideways scrolling and for script errors. The rules themselves (audit events, 409
 * for one's own role, 404 across organisations) are proven over HTTP in test/integration/staff-settings/admin-transactions.test.ts.
 */
import { expect } from 'chai';
import { createUser, disableUser, userByEmail } from '../../src/store/index.ts';
import { checkState, newPage, staffLogin, staffSuite, STAFF_WIDTHS } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('users: role, language and reactivation in a real browser (Chromium)', function () {
  this.timeout(60_000);
  const suite = staffSuite();

  before(async () => {
    const { db } = suite.app.deps;
    for (const [, label] of STAFF_WIDTHS) {
      await createUser(db, suite.org.id, { email: `beheer-${label}@zonnebeke.be`, role: 'admin', name: `Beheer ${label}`, password: PASSWORD });
      await createUser(db, suite.org.id, { email: `collega-${label}@zonnebeke.be`, role: 'staff', name: `Collega ${label}`, password: PASSWORD });
      const gone = await createUser(db, suite.org.id, { email: `vertrokken-${label}@zonnebeke.be`, role: 'staff', name: `Vertrokken ${label}`, password: PASSWORD });
      await disableUser(db, suite.org.id, gone.id, new Date());
    }
  });

  for (const [width, label] of STAFF_WIDTHS) {
    it(`at ${label}: edit a colleague, see one's own role locked, reactivate a colleague`, async () => {
      const { page, context } = await newPage(suite.browser, { viewport: { width, height: 800 } });
      try {
        await staffLogin(page, suite.app.url, `beheer-${label}@zonnebeke.be`, PASSWORD);
        await suite.open(page, '/app/users');
        await checkState(page, `staff-users-${label}`);

        await page.getByRole('link', { name: `collega-${label}@zonnebeke.be wijzigen` }).click();
        await page.getByRole('heading', { level: 1, name: `Gebruiker wijzigen: Collega ${label}` }).waitFor();
        const role = page.getByRole('combobox', { name: 'Rol' });
        expect(await role.isEnabled()).to.equal(true);
        expect(await page.textContent('#user-role-help')).to.equal('Een beheerder beheert ook de gebruikers, de personen en de instellingen van de organisatie.');
        await checkState(page, `staff-user-edit-${label}`);
        await role.selectOption({ label: 'Beheerder' });
        await page.getByRole('combobox', { name: 'Taal' }).selectOption({ label: 'Frans' });
        await page.getByRole('button', { name: 'Opslaan' }).click();
        await page.getByRole('status').waitFor();
        expect(await page.getByRole('status').textContent()).to.equal(`De wijzigingen voor collega-${label}@zonnebeke.be zijn opgeslagen.`);
        const row = page.getByRole('row', { name: new RegExp(`Collega ${label}`) });
        expect(await row.textContent()).to.include('Beheerder').and.to.include('Frans');
        await checkState(page, `staff-users-changed-${label}`);
        expect(await userByEmail(suite.app.deps.db, suite.org.id, `collega-${label}@zonnebeke.be`)).to.include({ role: 'admin', language: 'fr' });

        await page.getByRole('link', { name: `beheer-${label}@zonnebeke.be wijzigen` }).click();
        expect(await page.getByRole('combobox', { name: 'Rol' }).isDisabled()).to.equal(true);
        expect(await page.textContent('#user-role-help')).to.equal('U kunt uw eigen rol niet wijzigen. Vraag het aan een andere beheerder.');
        await checkState(page, `staff-user-edit-self-${label}`);

        await suite.open(page, '/app/users');
        await page.getByRole('button', { name: `vertrokken-${label}@zonnebeke.be opnieuw activeren` }).click();
        await page.getByRole('status').waitFor();
        expect(await page.getByRole('status').textContent()).to.equal(`vertrokken-${label}@zonnebeke.be kan opnieuw aanmelden.`);
        expect(await page.getByRole('row', { name: new RegExp(`Vertrokken ${label}`) }).textContent()).to.include('Actief');
        await checkState(page, `staff-users-reactivated-${label}`);
        expect((await userByEmail(suite.app.deps.db, suite.org.id, `vertrokken-${label}@zonnebeke.be`))!.disabledAt).to.equal(null);
      } finally {
        await context.close();
      }
    });
  }
});
