import { expect } from 'chai';
import { maskSecretLinks, maskUrl } from '../../../src/logger.ts';
import { deliveredMailPayload } from '../../../src/notify/delivered-mail.ts';

describe('no live link kept or logged (issue 10)', () => {
  it('masks reset and invite tokens in a logged URL, like signing links', () => {
    expect(maskUrl('/app/password/reset/abcDEF_-123')).to.equal('/app/password/reset/***');
    expect(maskUrl('/app/password/reset/abcDEF_-123?lang=en')).to.equal('/app/password/reset/***?lang=en');
    expect(maskUrl('/app/password/forgot')).to.equal('/app/password/forgot');
    expect(maskUrl('/s/abc/batch')).to.equal('/s/***/batch');
  });

  it('masks every signing, reset and invite link in a text, and nothing else', () => {
    const text = 'Teken: https://x.be/s/AbC_-d1. Of https://x.be/s/AbC_-d1/batch en <a href="https://x.be/app/password/reset/QQ-_a9">hier</a>; zie https://x.be/app/login.';
    expect(maskSecretLinks(text)).to.equal('Teken: https://x.be/s/***. Of https://x.be/s/***/batch en <a href="https://x.be/app/password/reset/***">hier</a>; zie https://x.be/app/login.');
  });

  it('keeps the recipient, subject and headers of a delivered mail, with its links masked', () => {
    const mail = { to: { name: 'A', email: 'a@example.be' }, subject: 'S', text: 'https://x/s/tok', html: '<a href="https://x/s/tok">x</a>', headers: { 'X-Paraaf-Envelope': 'e' } };
    expect(deliveredMailPayload(mail)).to.deep.equal({ ...mail, text: 'https://x/s/***', html: '<a href="https://x/s/***">x</a>' });
  });
});
