import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.ts';

describe('config: SMTP_URL and MAIL_FROM', () => {
  it('defaults to no SMTP (the file outbox) and the Paraaf sender', () => {
    const config = loadConfig({});
    expect(config.smtpUrl).to.equal(undefined);
    expect(config.mailFrom).to.equal('Paraaf <noreply@paraaf.local>');
    expect(loadConfig({ SMTP_URL: '', MAIL_FROM: '' }).smtpUrl).to.equal(undefined);
  });

  it('reads smtp:// and smtps:// URLs and a sender', () => {
    const config = loadConfig({ SMTP_URL: 'smtp://user:pass@mail.example.be:587', MAIL_FROM: 'Gemeente Zemst <noreply@zemst.be>' });
    expect(config.smtpUrl).to.equal('smtp://user:pass@mail.example.be:587');
    expect(config.mailFrom).to.equal('Gemeente Zemst <noreply@zemst.be>');
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example.be' }).smtpUrl).to.equal('smtps://mail.example.be');
  });

  it('refuses a URL that is not SMTP', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.be' })).to.throw(ConfigError, /SMTP_URL/);
  });
});
