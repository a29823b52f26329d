/** The organisation's logo in its mails (issue 12): an inline `cid:` image, attached by the outbox worker when it sends. */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createLogger } from '../../../src/logger.ts';
import { renderBlocks, withLogo } from '../../../src/notify/mail-layout.ts';
import { createFileMailer, type MailMessage } from '../../../src/notify/mailer.ts';
import { createMemoryOutboxStore } from '../../../src/notify/memory-outbox-store.ts';
import { createOutboxWorker } from '../../../src/notify/outbox-worker.ts';
import { mailLogoOf } from '../../../src/store/organisations.ts';
import { passwordMail } from '../../../src/web/staff/mails.ts';

const logger = createLogger({ level: 'silent' });
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const SHA = 'a'.repeat(64);

describe('the organisation logo in mails', () => {
  const rendered = renderBlocks('Te ondertekenen', 'nl-BE', [{ kind: 'heading', text: 'Te ondertekenen' }, { kind: 'paragraph', text: 'Beste Lien' }]);

  it('shows the logo above the heading, named by the organisation, and leaves the text part alone', () => {
    const mail = withLogo(rendered, 'Stad <Ieper>');
    expect(mail.html).to.match(/<main[^>]*>\n<p style="margin:0 0 16px"><img src="cid:logo@paraaf" alt="Stad &lt;Ieper&gt;"[^>]*><\/p>\n<h1/);
    expect(mail.text).to.equal(rendered.text);
  });

  it('takes a PNG logo from the settings, not an SVG one (most mail clients do not draw SVG)', () => {
    expect(mailLogoOf({ logo: { sha256: SHA, contentType: 'image/png', size: 10 } })).to.deep.equal({ sha256: SHA, contentType: 'image/png' });
    expect(mailLogoOf({ logo: { sha256: SHA, contentType: 'image/svg+xml' } })).to.equal(null);
    expect(mailLogoOf({})).to.equal(null);
  });

  it('heads the staff mails too (an invitation, a password reset)', () => {
    const base = { kind: 'invite' as const, lang: 'nl' as const, to: { name: 'Sara', email: 'sara@ieper.be' }, organisationName: 'Stad Ieper', url: 'https://paraaf.test/app/password/reset/x' };
    const mail = passwordMail({ ...base, logo: { sha256: SHA, contentType: 'image/png' } });
    expect(mail.html).to.include('<img src="cid:logo@paraaf" alt="Stad Ieper"');
    expect(mail.inlineLogo).to.deep.equal({ sha256: SHA, contentType: 'image/png' });
    const without = passwordMail(base);
    expect(without.html).to.not.include('<img');
    expect(without).to.not.have.property('inlineLogo');
  });

  it('is attached inline (Content-ID) when the worker sends the mail, read from the blob store then', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paraaf-mail-logo-'));
    const store = createMemoryOutboxStore();
    const now = new Date('2026-12-06T09:00:00Z');
    const payload: MailMessage = { to: { name: 'Lien', email: 'lien@ieper.be' }, subject: 'S', text: rendered.text, html: withLogo(rendered, 'Stad Ieper').html, inlineLogo: { sha256: SHA, contentType: 'image/png' } };
    store.enqueue({ organisationId: 'org', kind: 'mail', payload }, now);
    const read: string[] = [];
    const blob = async (sha256: string) => (read.push(sha256), PNG);
    const worker = createOutboxWorker({ store, mailer: createFileMailer(dir, 'Paraaf <paraaf@example.be>', logger), webhookTarget: async () => null, clock: () => now, logger, blob });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    expect(read).to.deep.equal([SHA]);
    const eml = await readFile(join(dir, (await readdir(dir))[0]!), 'utf8');
    expect(eml).to.match(/Content-ID: <logo@paraaf>/i).and.match(/Content-Disposition: inline/i).and.include('cid:logo@paraaf');
    expect(eml.replace(/\r?\n/g, '')).to.include(PNG.toString('base64'));
  });

  it('retries the mail when the logo cannot be read, instead of sending it with a broken image', async () => {
    const store = createMemoryOutboxStore();
    const now = new Date('2026-12-06T09:00:00Z');
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: { to: { name: 'Lien', email: 'lien@ieper.be' }, subject: 'S', text: 'T', html: '<p>T</p>', inlineLogo: { sha256: SHA, contentType: 'image/png' } } }, now);
    const sent: MailMessage[] = [];
    const worker = createOutboxWorker({
      store,
      mailer: { send: async (m) => (sent.push(m), { messageId: 'x' }) },
      webhookTarget: async () => null,
      clock: () => now,
      logger,
      blob: async () => {
        throw new Error('blob store unavailable');
      },
    });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(sent).to.deep.equal([]);
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 1 });
  });
});
