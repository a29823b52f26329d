/**
 * Issue 12's words, seen in Chromium: the staff timeline written as sentences (one line per person and signing, the
 * technical steps folded), "dossier" instead of "envelop", and the organisation's logo on the signer's link page, the
 * batch page and a link that no longer works — on a light plate on the dark header. Desktop and 375 px, axe at zero
 * violations, screenshots as test-artifacts/screenshots/words-*.png.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { MailMessage } from '../../src/notify/index.ts';
import { createApiKey, createOrganisation, createUser, type Organisation } from '../../src/store/index.ts';
import { listOutbox } from '../../src/store/knex-outbox-store.ts';
import { bootstrap, type TestApp } from '../helpers/bootstrap.ts';
import { signAfterReading } from '../helpers/reading.ts';
import { devPki, fixture } from '../integration/api/helpers.ts';
import { axeViolations, checkState, launchBrowser, newPage, SCREENSHOT_DIR } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const LINK = /\/s\/([A-Za-z0-9_-]{20,})/;

/** A 160×48 PNG drawn for white paper: a dark blue mark, which vanished on the signer pages' dark header. */
function darkLogo(): Buffer {
  const [w, h] = [160, 48];
  const crc = (buf: Buffer) => {
    let c = ~0;
    for (const byte of buf) {
      c ^= byte;
      for (let k = 0; k < 8; k += 1) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const rows = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const mark = (x > 8 && x < 40 && y > 8 && y < 40) || (x > 50 && x < 150 && y > 18 && y < 30);
      rows.set(mark ? [11, 42, 80, 255] : [0, 0, 0, 0], y * (w * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe('words, timeline and logo in a real browser (issue 12)', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: Browser;
  let org: Organisation;
  let auth: { Authorization: string };

  const send = async (title: string): Promise<string> => {
    const envelope = {
      title,
      body: 'Gemeenteraad',
      send: true,
      recipients: [
        { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' },
        { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2, function: 'Voorzitter gemeenteraad' },
      ],
    };
    const res = await request(app.url).post('/api/v1/envelopes').set(auth).field('envelope', JSON.stringify(envelope)).attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const tokenFor = async (email: string, envelopeId: string): Promise<string> => {
    const mails = (await listOutbox(app.deps.db, org.id, { kind: 'mail' })).map((r) => r.payload as MailMessage).filter((m) => m.to.email === email && m.headers?.['X-Paraaf-Envelope'] === envelopeId);
    return LINK.exec(mails.at(-1)!.text)![1]!;
  };
  const at = async (width: number, run: (page: Page) => Promise<void>) => {
    const { context, page } = await newPage(browser, { viewport: { width, height: 900 } });
    try {
      await run(page);
    } finally {
      await context.close();
    }
  };

  before(async function () {
    this.timeout(120_000);
    [app, browser] = await Promise.all([devPki().then((pki) => bootstrap({ pki, env: { SIGNER_SECRET: 's'.repeat(40), SIGNER_RATE_LIMIT: '1000' } })), launchBrowser()]);
    org = await createOrganisation(app.deps.db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    auth = { Authorization: `Bearer ${(await createApiKey(app.deps.db, org.id, { name: 'notulen' })).plaintext}` };
    const logo = darkLogo();
    const sha256 = (await app.deps.blobs.put(logo)).sha256;
    await app.deps.db('organisations').where({ id: org.id }).update({ settings: JSON.stringify({ logo: { sha256, contentType: 'image/png', size: logo.length } }) });
    await createUser(app.deps.db, org.id, { email: 'secretariaat@zonnebeke.be', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('the staff timeline reads as sentences, one line per signing, the technical steps folded', async () => {
    const id = await send('Aankoop grond Ieperstraat');
    await signAfterReading(app.deps.workflow, { token: await tokenFor('an@zonnebeke.be', id), origin: { ip: '198.51.100.7', userAgent: 'Firefox' } });
    for (const width of [1280, 375]) {
      await at(width, async (page) => {
        await page.goto(`${app.url}/app/login`);
        await page.getByLabel('E-mailadres').fill('secretariaat@zonnebeke.be');
        await page.getByLabel('Wachtwoord').fill(PASSWORD);
        await page.getByRole('button', { name: 'Aanmelden' }).click();
        await page.getByRole('heading', { level: 1, name: 'Overzicht' }).waitFor();
        await page.getByRole('table', { name: 'Dossiers' }).waitFor();
        await page.goto(`${app.url}/app/envelopes/${id}`);
        const timeline = page.locator('ol.timeline > li');
        const lines = (await timeline.locator('> span.what').allInnerTexts()).map((t) => t.trim());
        expect(lines.filter((l) => l.includes('heeft ondertekend'))).to.deep.equal(['An Peeters (algemeen directeur) heeft ondertekend']);
        expect(lines).to.include('E-mail aan Bart Claes (voorzitter gemeenteraad): vraag om te ondertekenen');
        expect(lines.join('\n')).to.not.match(/envelop|\(ontvanger\)/i);
        const signed = timeline.filter({ hasText: 'heeft ondertekend' });
        await signed.getByText('Details').click();
        await signed.getByText('besluit.pdf ondertekend').waitFor();
        await page.getByRole('heading', { name: 'Tijdlijn' }).scrollIntoViewIfNeeded();
        if (width > 375) await checkState(page, `words-staff-timeline-${width}`);
        else {
          // At 375 px the recipients table above still scrolls sideways (the phone layout of the staff pages is helper
          // R's part of issue 12); the timeline itself must fit, and the page has no axe violations.
          await page.screenshot({ path: path.join(SCREENSHOT_DIR, `words-staff-timeline-${width}.png`), fullPage: true });
          expect(await page.locator('ol.timeline').evaluate((ol) => ol.getBoundingClientRect().right)).to.be.at.most(width);
          expect(await axeViolations(page)).to.deep.equal([]);
        }
      });
    }
  });

  it('shows the logo, on its light plate, on the link page, the batch page and a link that no longer works', async () => {
    const id = await send('Subsidie sportclub');
    const token = await tokenFor('an@zonnebeke.be', id);
    for (const width of [1280, 375]) {
      await at(width, async (page) => {
        await page.goto(`${app.url}/s/${token}`);
        const logo = page.locator('header img.logo');
        await logo.waitFor();
        expect(await logo.evaluate((img) => getComputedStyle(img).backgroundColor)).to.equal('rgb(255, 255, 255)');
        expect(await logo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).to.equal(160);
        await checkState(page, `words-signer-link-${width}`);
        await page.goto(`${app.url}/s/${token}/batch`);
        await page.locator('header img.logo').waitFor();
        await checkState(page, `words-signer-batch-${width}`);
      });
    }
    expect((await request(app.url).post(`/api/v1/envelopes/${id}/cancel`).set(auth).send({ reason: 'Verkeerde versie' })).status).to.equal(200);
    for (const width of [1280, 375]) {
      await at(width, async (page) => {
        const res = await page.goto(`${app.url}/s/${token}`);
        expect(res?.status()).to.equal(410);
        await page.locator('header img.logo').waitFor();
        await checkState(page, `words-signer-gone-${width}`);
      });
    }
  });
});
