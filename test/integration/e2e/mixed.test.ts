/**
 * E2E: two signers in parallel (order 1), then one more (order 2), plus a cc. The parallel
 * signers post at the same moment; both signatures must end up in the PDF.
 */
import { expect } from 'chai';
import { expectAllValid } from '../engine/check.ts';
import { EXPIRES_AT, expectDutchMail, startE2E, type E2E } from './harness.ts';

const TITLE = 'Gemeenteraadsbesluit budgetwijziging 2026';
const AN = { name: 'An Peeters', email: 'an@zonnebeke.test' };
const CAROLINE = { name: 'Caroline De Smet', email: 'caroline@zonnebeke.test' };
const BART = { name: 'Bart Claes', email: 'bart@zonnebeke.test' };
const DIRK = { name: 'Dirk Janssens', email: 'dirk@zonnebeke.test' };

describe('e2e: parallel then sequential, with a cc', function () {
  this.timeout(60_000);
  let e2e: E2E;
  let envelopeId: string;

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('mails both order-1 signers at once, nobody else', async () => {
    const res = await e2e.createEnvelope({
      title: TITLE,
      expiresAt: EXPIRES_AT,
      recipients: [
        { ...AN, role: 'signer', order: 1, function: 'Algemeen directeur' },
        { ...CAROLINE, role: 'signer', order: 1, function: 'Financieel directeur' },
        { ...BART, role: 'signer', order: 2, function: 'Voorzitter' },
        { ...DIRK, role: 'cc', order: 1 },
      ],
      send: true,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    envelopeId = res.body.id;
    expect(await e2e.deliver()).to.deep.equal({ delivered: 2, failed: 0 });
    const mails = await e2e.mails({ envelopeId });
    expect(mails.map((m) => m.to).sort()).to.deep.equal([AN.email, CAROLINE.email].sort());
    for (const mail of mails) expectDutchMail(mail, 'signRequest', { title: TITLE });
  });

  it('the two order-1 signers sign concurrently: both signatures land, then order 2 is mailed', async () => {
    const tokenAn = (await e2e.theMail(envelopeId, AN.email, 'signRequest')).token!;
    const tokenCaroline = (await e2e.theMail(envelopeId, CAROLINE.email, 'signRequest')).token!;
    const [an, caroline] = await Promise.all([e2e.sign(tokenAn), e2e.sign(tokenCaroline)]);
    expect(an.status, an.text.slice(0, 300)).to.equal(303);
    expect(caroline.status, caroline.text.slice(0, 300)).to.equal(303);

    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('in_progress');
    const statuses = Object.fromEntries(envelope.recipients.map((r) => [r.email, r.status]));
    expect(statuses).to.deep.equal({ [AN.email]: 'signed', [CAROLINE.email]: 'signed', [BART.email]: 'sent', [DIRK.email]: 'pending' });
    // Original, prepared, then per signature its revision and its DSS revision (B-LT): neither overwrote the other.
    expect(envelope.documents[0]!.currentRevision.seq).to.equal(6);
    const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
    await expectAllValid(pdf, e2e.rootPem, { count: 2, emptyFields: 1, label: 'after the parallel signers' });

    expect(await e2e.deliver()).to.deep.equal({ delivered: 1, failed: 0 });
    const toBart = await e2e.theMail(envelopeId, BART.email, 'signRequest');
    expectDutchMail(toBart, 'signRequest', { title: TITLE });
    expect(await e2e.mails({ envelopeId, to: DIRK.email }), 'the cc waits for the result').to.deep.equal([]);
  });

  it('order 2 signs: completed, the cc and the signers get the completed mail, the PDF holds 3 valid signatures', async () => {
    const signed = await e2e.sign((await e2e.theMail(envelopeId, BART.email, 'signRequest')).token!);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('completed');

    expect(await e2e.deliver()).to.deep.equal({ delivered: 4, failed: 0 });
    for (const who of [AN, CAROLINE, BART, DIRK]) expectDutchMail(await e2e.theMail(envelopeId, who.email, 'completed'), 'completed', { title: TITLE });
    expect(await e2e.mails({ envelopeId, to: DIRK.email }), 'the cc gets only the result').to.have.length(1);

    const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
    const checked = await expectAllValid(pdf, e2e.rootPem, { count: 3, label: 'mixed final' });
    expect(checked.pdfsig.map((s) => s.signerCommonName).sort()).to.deep.equal([AN.name, BART.name, CAROLINE.name].sort());
    const audit = await e2e.audit(envelopeId);
    expect(audit.filter((e) => e.action === 'recipient.signed')).to.have.length(3);
    expect(audit.filter((e) => e.action === 'envelope.completed')).to.have.length(1);
  });
});
