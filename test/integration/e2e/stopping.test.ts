/**
 * E2E: the ways an envelope stops before completion — a recipient declines, staff cancel
 * through the API, the deadline passes — as the recipients see it in their mail and on their links.
 */
import { expect } from 'chai';
import request from 'supertest';
import { formatBrusselsDateTime } from '../../../src/notify/index.ts';
import { csrfOf, EXPIRES_AT, expectDutchMail, expectGonePage, startE2E, type E2E } from './harness.ts';

const AN = { name: 'An Peeters', email: 'an@zonnebeke.test' };
const CAROLINE = { name: 'Caroline De Smet', email: 'caroline@zonnebeke.test' };
const BART = { name: 'Bart Claes', email: 'bart@zonnebeke.test' };
const DIRK = { name: 'Dirk Janssens', email: 'dirk@zonnebeke.test' };

describe('e2e: declined, cancelled, expired', function () {
  this.timeout(60_000);
  let e2e: E2E;

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('a decline stops the envelope: those already mailed are told, every link answers 410', async () => {
    const title = 'Besluit subsidie jeugdwerking';
    const res = await e2e.createEnvelope({
      title,
      expiresAt: EXPIRES_AT,
      recipients: [
        { ...AN, role: 'signer', order: 1, function: 'Algemeen directeur' },
        { ...CAROLINE, role: 'signer', order: 1, function: 'Financieel directeur' },
        { ...BART, role: 'signer', order: 2, function: 'Voorzitter' },
        { ...DIRK, role: 'cc' },
      ],
      send: true,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    expect(await e2e.deliver()).to.deep.equal({ delivered: 2, failed: 0 });
    const tokenAn = (await e2e.theMail(envelopeId, AN.email, 'signRequest')).token!;
    const tokenCaroline = (await e2e.theMail(envelopeId, CAROLINE.email, 'signRequest')).token!;

    // Caroline has her page open while An declines.
    const carolinePage = await e2e.openLink(tokenCaroline);
    const declined = await e2e.decline(tokenAn, 'Het bedrag in artikel 2 klopt niet.');
    expect(declined.status, declined.text.slice(0, 300)).to.equal(303);
    expect(declined.headers.location).to.equal(`/s/${tokenAn}/declined`);
    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('declined');
    expect(envelope.recipients[0]).to.include({ status: 'declined', declineReason: 'Het bedrag in artikel 2 klopt niet.' });

    expect(await e2e.deliver()).to.deep.equal({ delivered: 1, failed: 0 });
    const told = await e2e.theMail(envelopeId, CAROLINE.email, 'declined');
    expectDutchMail(told, 'declined', { title });
    expect(told.text).to.include('An Peeters heeft').and.include('Het bedrag in artikel 2 klopt niet.');
    // Not mailed before (Bart's turn had not come, the cc only gets a result), so not mailed now; An knows.
    expect(await e2e.mails({ envelopeId, to: AN.email })).to.have.length(1);
    expect(await e2e.mails({ envelopeId, to: BART.email })).to.deep.equal([]);
    expect(await e2e.mails({ envelopeId, to: DIRK.email })).to.deep.equal([]);

    for (const [token, who] of [
      [tokenAn, 'the decliner'],
      [tokenCaroline, 'the other signer'],
    ] as const) {
      const gone = await e2e.openLink(token);
      expectGonePage(gone, who);
      expect(gone.text).to.include('Iemand heeft geweigerd te ondertekenen.');
    }
    const late = await request(e2e.app.url).post(`/s/${tokenCaroline}/sign`).type('form').send({ consent: 'ja', _csrf: csrfOf(carolinePage.text, 'sign') });
    expect(late.status, 'signing after the decline').to.equal(410);
  });

  it('a cancel through the API revokes the links and tells the recipients already mailed', async () => {
    const title = 'Overeenkomst terreinhuur';
    const res = await e2e.createEnvelope({
      title,
      expiresAt: EXPIRES_AT,
      recipients: [
        { ...AN, role: 'signer', order: 1, function: 'Algemeen directeur' },
        { ...BART, role: 'signer', order: 2, function: 'Voorzitter' },
        { ...DIRK, role: 'cc' },
      ],
      send: true,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    await e2e.deliver();
    const tokenAn = (await e2e.theMail(envelopeId, AN.email, 'signRequest')).token!;
    expect((await e2e.sign(tokenAn)).status).to.equal(303);
    await e2e.deliver();
    const tokenBart = (await e2e.theMail(envelopeId, BART.email, 'signRequest')).token!;

    const cancelled = await request(e2e.app.url).post(`/api/v1/envelopes/${envelopeId}/cancel`).set(e2e.auth()).set('User-Agent', 'Zaaksysteem/4.2 (e2e)').send({ reason: 'Verkeerde versie van de overeenkomst.' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect(cancelled.body).to.include({ status: 'cancelled', cancelReason: 'Verkeerde versie van de overeenkomst.' });

    expect(await e2e.deliver()).to.deep.equal({ delivered: 2, failed: 0 });
    for (const who of [AN, BART]) {
      const mail = await e2e.theMail(envelopeId, who.email, 'cancelled');
      expectDutchMail(mail, 'cancelled', { title });
      expect(mail.text).to.include('Verkeerde versie van de overeenkomst.').and.include('De link in de vorige e-mail werkt niet meer.');
    }
    expect(await e2e.mails({ envelopeId, to: DIRK.email }), 'the cc had no mail yet').to.deep.equal([]);

    const gone = await e2e.openLink(tokenBart);
    expectGonePage(gone, 'the waiting signer');
    expect(gone.text).to.include('De ondertekening is ingetrokken.');
    expectGonePage(await e2e.openLink(tokenAn), 'the signer who had signed');
    const audit = await e2e.audit(envelopeId);
    const event = audit.find((e) => e.action === 'envelope.cancelled')!;
    expect(event.details).to.deep.equal({ reason: 'Verkeerde versie van de overeenkomst.' });
    expect(event.userAgent).to.equal('Zaaksysteem/4.2 (e2e)');
    expect(event.ip).to.be.a('string').and.not.equal('');
  });

  it('past its deadline the expiry job expires the envelope and the link answers 410', async () => {
    const title = 'Dringend: aanvraag evenementenvergunning';
    const expiresAt = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000);
    const res = await e2e.createEnvelope({
      title,
      expiresAt: expiresAt.toISOString(),
      recipients: [{ ...AN, role: 'signer', function: 'Algemeen directeur' }],
      send: true,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    await e2e.deliver();
    const mail = await e2e.theMail(envelopeId, AN.email, 'signRequest');
    expectDutchMail(mail, 'signRequest', { title, deadline: formatBrusselsDateTime(expiresAt, 'nl') });
    expect((await e2e.openLink(mail.token!)).status, 'before the deadline').to.equal(200);

    expect((await e2e.app.handle.jobs.expire()).expired, 'nothing is due yet').to.not.deep.include({ organisationId: e2e.organisation.id, envelopeId });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now() + 50)));
    const result = await e2e.app.handle.jobs.expire();
    expect(result.expired).to.deep.include({ organisationId: e2e.organisation.id, envelopeId });
    expect(result.failed).to.equal(0);

    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('expired');
    const gone = await e2e.openLink(mail.token!);
    expectGonePage(gone, 'after expiry');
    expect(gone.text).to.include('De termijn om te ondertekenen is voorbij.');
    expect((await e2e.audit(envelopeId)).map((e) => e.action)).to.include('envelope.expired');
    await e2e.deliver();
    expectDutchMail(await e2e.theMail(envelopeId, AN.email, 'expired'), 'expired', { title });
  });
});
