/**
 * Correct and resend with a corrected document (issue 12) in Chromium: on a declined dossier's page the staff member
 * picks a corrected PDF for the document and sends again; a file that is not a PDF is refused on the page, naming it;
 * the corrected one goes, and the timeline says the document was replaced. At desktop width and at 375 px, each state
 * screenshotted into test-artifacts/screenshots/resend-*.png and checked with axe (zero violations), for sideways
 * scrolling and script errors; the form's French words once. The HTTP test (test/integration/resend) proves the PDFs.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/store/index.ts';
import { EXPIRES_AT } from '../integration/e2e/harness.ts';
import { correctedDecision } from '../integration/resend/helpers.ts';
import { checkState, newPage, openAt, SCREENSHOT_DIR, signerSuite, staffLogin } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const STAFF = 'secretariaat.verbeteren@zonnebeke.be';
const DIRECTOR = { name: 'Dirk Directeur', email: 'dirk.directeur@zonnebeke.be', function: 'Algemeen directeur' };
const MAYOR = { name: 'Marleen Burgemeester', email: 'marleen.burgemeester@zonnebeke.be', function: 'Burgemeester' };

describe('correct and resend with a corrected document, in a real browser (Chromium)', function () {
  this.timeout(180_000);
  const suite = signerSuite();

  before(async () => {
    await createUser(suite.e2e.app.deps.db, suite.e2e.organisation.id, { email: STAFF, role: 'staff', name: 'Sara Secretariaat', password: PASSWORD });
  });

  /** Sent over the API; the director signs, the mayor declines "fout in bedrag". */
  async function declined(title: string): Promise<string> {
    const { e2e } = suite;
    const created = await e2e.createEnvelope({ title, expiresAt: EXPIRES_AT, send: true, recipients: [{ ...DIRECTOR, role: 'signer', order: 1 }, { ...MAYOR, role: 'signer', order: 2 }] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    await e2e.deliver();
    expect((await e2e.sign((await e2e.theMail(id, DIRECTOR.email, 'signRequest')).token!)).status).to.equal(303);
    await e2e.deliver();
    expect((await e2e.decline((await e2e.theMail(id, MAYOR.email, 'signRequest')).token!, 'fout in bedrag')).status).to.equal(303);
    return id;
  }

  const pick = (page: Page, name: string, buffer: Buffer) => page.getByLabel('Verbeterde versie van besluit.pdf').setInputFiles({ name, mimeType: 'application/pdf', buffer });

  for (const [label, viewport] of [
    ['desktop', { width: 1024, height: 800 }],
    ['375', { width: 375, height: 740 }],
  ] as const) {
    it(`at ${label}: refuses a file that is not a PDF on the page, then resends with the corrected one`, async () => {
      const { e2e, browser } = suite;
      const id = await declined(`Besluit subsidie jeugdhuis (${label})`);
      const { context, page } = await newPage(browser, { viewport });
      try {
        await staffLogin(page, e2e.app.url, STAFF, PASSWORD);
        await openAt(page, `${e2e.app.url}/app/envelopes/${id}`);
        expect(await page.getByRole('group', { name: 'Verbeterde documenten (niet verplicht)' }).isVisible()).to.equal(true);
        await checkState(page, `resend-${label}-form`);
        // The form alone, legible when looked at.
        await page.locator('section[aria-labelledby="resend-title"]').screenshot({ path: `${SCREENSHOT_DIR}/resend-${label}-form-section.png` });

        await pick(page, 'geen-pdf.pdf', Buffer.from('Dit is geen PDF.'));
        await page.getByRole('button', { name: 'Opnieuw versturen' }).click();
        await page.getByRole('alert').waitFor();
        expect(await page.getByRole('alert').innerText()).to.include('geen-pdf.pdf');
        await checkState(page, `resend-${label}-refused`);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/resend-${label}-refused-top.png` });
        expect(await page.getByRole('alert').innerText()).to.include('kan niet gebruikt worden').and.include('Er is niets veranderd');
        expect((await e2e.getEnvelope(id)).status, 'nothing changed').to.equal('declined');

        await pick(page, 'besluit-verbeterd.pdf', await correctedDecision('Verbeterd besluit: bedrag 12.500 euro'));
        await page.getByRole('button', { name: 'Opnieuw versturen' }).click();
        await page.waitForURL(/notice=resent/);
        expect(await page.locator('main').innerText()).to.include('Verbeterde versie van besluit.pdf opgeladen (weigering: fout in bedrag)');
        await checkState(page, `resend-${label}-resent`);
        const envelope = await e2e.getEnvelope(id);
        expect(envelope.status).to.equal('sent');
        expect(envelope.recipients.map((r) => r.status)).to.deep.equal(['sent', 'pending']);
      } finally {
        await context.close();
      }
    });
  }

  it('speaks French and English on the form', async () => {
    const { e2e, browser } = suite;
    const id = await declined('Besluit parkeerreglement (fr)');
    const { context, page } = await newPage(browser, { viewport: { width: 375, height: 740 } });
    try {
      await staffLogin(page, e2e.app.url, STAFF, PASSWORD);
      await openAt(page, `${e2e.app.url}/app/envelopes/${id}?lang=fr`);
      expect(await page.getByRole('group', { name: 'Documents corrigés (facultatif)' }).isVisible()).to.equal(true);
      expect(await page.getByLabel('Version corrigée de besluit.pdf').count()).to.equal(1);
      await checkState(page, 'resend-375-form-fr');
      await openAt(page, `${e2e.app.url}/app/envelopes/${id}?lang=en`);
      expect(await page.getByLabel('Corrected version of besluit.pdf').count()).to.equal(1);
    } finally {
      await context.close();
    }
  });
});
