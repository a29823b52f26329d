/**
 * RESULT_ATTACH_MAX_KB (issue 12): the completion mail also carries the signed PDF when it fits the limit, the
 * very bytes the link downloads; above the limit (or at the default 0) only the link.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { startE2E, type E2E } from '../e2e/harness.ts';
import request from 'supertest';

const SIGNER = { name: 'An Peeters', email: 'an@zonnebeke.test', function: 'Algemeen directeur' };
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function completeOne(e2e: E2E, title: string): Promise<string> {
  const res = await e2e.createEnvelope({ title, send: true, expiresAt: '2031-06-30T15:00:00+02:00', recipients: [{ ...SIGNER, role: 'signer' }] });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  await e2e.deliver();
  const { token } = await e2e.theMail(res.body.id, SIGNER.email, 'signRequest');
  const page = await e2e.openLink(token!);
  for (const [, href] of page.text.matchAll(/href="(\/s\/[^"/]+\/documents\/[^"?#]+)"/g)) await request(e2e.app.url).get(href!).expect(200);
  expect((await e2e.sign(token!)).status).to.equal(303);
  await e2e.deliver();
  return res.body.id;
}

describe('completion mail attachments (RESULT_ATTACH_MAX_KB)', function () {
  this.timeout(120_000);

  it('attaches the signed PDF under the limit, the same bytes as the download, and says so', async () => {
    const e2e = await startE2E({ env: { RESULT_ATTACH_MAX_KB: '2048' } });
    try {
      const id = await completeOne(e2e, 'Besluit met bijlage');
      const mail = await e2e.theMail(id, SIGNER.email, 'completed');
      const pdfs = mail.parsed.attachments.filter((a) => a.contentType === 'application/pdf');
      expect(pdfs.map((a) => a.filename)).to.deep.equal(['besluit.pdf']);
      const envelope = await e2e.getEnvelope(id);
      expect(sha(pdfs[0]!.content)).to.equal(sha(await e2e.downloadCurrent(id, envelope.documents[0]!.id)));
      expect(mail.text).to.include('De ondertekende documenten zitten ook als bijlage bij deze e-mail.').and.include('/r/');
    } finally {
      await e2e.close();
    }
  });

  it('sends only the link above the limit', async () => {
    const e2e = await startE2E({ env: { RESULT_ATTACH_MAX_KB: '1' } });
    try {
      const id = await completeOne(e2e, 'Besluit zonder bijlage');
      const mail = await e2e.theMail(id, SIGNER.email, 'completed');
      expect(mail.parsed.attachments.filter((a) => a.contentType === 'application/pdf')).to.have.length(0);
      expect(mail.text).to.not.include('bijlage bij deze e-mail');
      expect(mail.text).to.include('/r/');
    } finally {
      await e2e.close();
    }
  });
});
