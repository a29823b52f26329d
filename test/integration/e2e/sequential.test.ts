/**
 * E2E: two signers one after the other, from upload to the validated final PDF and its audit
 * trail. Links come only from the mails received over SMTP.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { expectAllValid } from '../engine/check.ts';
import { EXPIRES_AT, expectDutchMail, startE2E, type E2E } from './harness.ts';

const TITLE = 'Besluit college van burgemeester en schepenen — café-terrassen';
const DIRECTEUR = { name: 'An Peeters', email: 'an.peeters@zonnebeke.test' };
const VOORZITTER = { name: 'Bart Claes', email: 'bart.claes@zonnebeke.test' };
const UA_AN = 'Mozilla/5.0 (Windows NT 10.0) An/Edge 131';
const UA_BART = 'Mozilla/5.0 (iPhone) Bart/Safari 18';

describe('e2e: two signers in sequence', function () {
  this.timeout(60_000);
  let e2e: E2E;
  let envelopeId: string;

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('uploads and sends; only signer 1 gets a mail', async () => {
    const res = await e2e.createEnvelope({
      title: TITLE,
      message: 'Graag tekenen vóór de zitting.',
      expiresAt: EXPIRES_AT,
      recipients: [
        { ...DIRECTEUR, role: 'signer', order: 1, function: 'Algemeen directeur' },
        { ...VOORZITTER, role: 'signer', order: 2, function: 'Voorzitter' },
      ],
      send: true,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('sent');
    envelopeId = res.body.id;

    expect(await e2e.deliver()).to.deep.equal({ delivered: 1, failed: 0 });
    const mails = await e2e.mails({ envelopeId });
    expect(mails.map((m) => m.to)).to.deep.equal([DIRECTEUR.email]);
    expectDutchMail(mails[0]!, 'signRequest', { title: TITLE });
    expect(mails[0]!.text).to.include('Beste An Peeters,').and.include('Graag tekenen vóór de zitting.');
  });

  // BUG (src/workflow/notifications.ts notifyRecipients): senderName is the organisation's name, and the
  // template says '{sender} van {organisation} vraagt u…', so the mail reads 'Gemeente Zonnebeke van Gemeente Zonnebeke'.
  it('names the organisation once in the request mail, not "Gemeente Zonnebeke van Gemeente Zonnebeke"', async () => {
    const mail = await e2e.theMail(envelopeId, DIRECTEUR.email, 'signRequest');
    expect(mail.text).to.include(`vraagt u om ‘${TITLE}’ te ondertekenen.`);
    expect(mail.text).to.not.include('Gemeente Zonnebeke van Gemeente Zonnebeke');
  });

  it('signer 1 opens the link from the mail and signs; then signer 2 gets a mail', async () => {
    const { token } = await e2e.theMail(envelopeId, DIRECTEUR.email, 'signRequest');
    const page = await e2e.openLink(token!, UA_AN);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(TITLE).and.include('Gemeente Zonnebeke');

    const signed = await e2e.sign(token!, UA_AN);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    expect(signed.headers.location).to.equal(`/s/${token}/done`);
    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('in_progress');
    expect(envelope.recipients.map((r) => r.status)).to.deep.equal(['signed', 'sent']);

    expect(await e2e.deliver()).to.deep.equal({ delivered: 1, failed: 0 });
    const toBart = await e2e.theMail(envelopeId, VOORZITTER.email, 'signRequest');
    expectDutchMail(toBart, 'signRequest', { title: TITLE });
    expect(toBart.text).to.include('Beste Bart Claes,');
    expect(toBart.token).to.not.equal(token);
    expect(await e2e.mails({ envelopeId, to: DIRECTEUR.email }), 'nothing new for signer 1 yet').to.have.length(1);
  });

  it('signer 2 signs: completed, both get the completed mail, the PDF holds two valid signatures', async () => {
    const { token } = await e2e.theMail(envelopeId, VOORZITTER.email, 'signRequest');
    const signed = await e2e.sign(token!, UA_BART);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);

    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('completed');
    expect(envelope.recipients.map((r) => r.status)).to.deep.equal(['signed', 'signed']);

    expect(await e2e.deliver()).to.deep.equal({ delivered: 2, failed: 0 });
    for (const who of [DIRECTEUR, VOORZITTER]) {
      const completed = await e2e.theMail(envelopeId, who.email, 'completed');
      expectDutchMail(completed, 'completed', { title: TITLE });
      expect(completed.text).to.include(`Beste ${who.name},`);
    }
    expect(await e2e.mails({ envelopeId }), 'request 1, request 2, completed ×2').to.have.length(4);

    const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
    const checked = await expectAllValid(pdf, e2e.rootPem, { count: 2, label: 'sequential final' });
    expect(checked.pdfsig.map((s) => s.signerCommonName)).to.deep.equal(['An Peeters', 'Bart Claes']);
  });

  it('the audit trail holds created, sent, opened, signed ×2, completed with origin and hashes', async () => {
    const events = await e2e.audit(envelopeId);
    const actions = events.map((e) => e.action);
    const flow = actions.filter((a) => ['envelope.created', 'envelope.sent', 'link.opened', 'recipient.signed', 'envelope.completed'].includes(a));
    expect(flow).to.deep.equal(['envelope.created', 'envelope.sent', 'link.opened', 'recipient.signed', 'link.opened', 'recipient.signed', 'envelope.completed']);
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => events[0]!.seq + i));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash, `chain at ${events[i]!.action}`).to.equal(events[i - 1]!.hash);

    const envelope = await e2e.getEnvelope(envelopeId);
    const [an, bart] = envelope.recipients;
    const byAction = (action: string) => events.filter((e) => e.action === action);

    // Where a person acted, their IP and browser are recorded.
    for (const e of [...byAction('envelope.created'), ...byAction('envelope.sent')]) {
      expect(e.ip, e.action).to.be.a('string').and.not.equal('');
      expect(e.userAgent, e.action).to.equal('Zaaksysteem/4.2 (e2e)');
    }
    const opened = byAction('link.opened');
    const signed = byAction('recipient.signed');
    for (const [e, recipientId, ua] of [
      [opened[0]!, an!.id, UA_AN],
      [opened[1]!, bart!.id, UA_BART],
      [signed[0]!, an!.id, UA_AN],
      [signed[1]!, bart!.id, UA_BART],
    ] as const) {
      expect(e.details.recipientId, e.action).to.equal(recipientId);
      expect(e.ip, e.action).to.be.a('string').and.not.equal('');
      expect(e.userAgent, e.action).to.equal(ua);
    }

    // Document hashes: created holds the original's, each signature the revision it signed and the one it made.
    const created = byAction('envelope.created')[0]!;
    const original = (created.details.documents as Array<{ sha256: string }>)[0]!.sha256;
    expect(created.documentSha256).to.equal(original);
    const sent = byAction('envelope.sent')[0]!;
    const prepared = (sent.details.documents as Array<{ preparedSha256: string }>)[0]!.preparedSha256;
    expect(prepared).to.match(/^[0-9a-f]{64}$/).and.not.equal(original);
    expect(signed[0]!.details.signedRevisionSha256).to.equal(prepared);
    expect(signed[0]!.documentSha256).to.equal(signed[0]!.details.revisionSha256);
    // Each signature is followed by its DSS revision (B-LT): the next signer signs that one, and the completion names
    // the last; the PDF the API serves is the archive-timestamped revision made right after (B-LTA).
    const dss = byAction('document.validation_data_added');
    expect(signed[1]!.details.signedRevisionSha256).to.equal(dss[0]!.details.revisionSha256);
    expect(dss.map((e) => e.details.revisionSeq)).to.deep.equal([(signed[0]!.details.revisionSeq as number) + 1, (signed[1]!.details.revisionSeq as number) + 1]);
    const completed = byAction('envelope.completed')[0]!;
    const completedSha = (completed.details.documents as Array<{ sha256: string }>)[0]!.sha256;
    expect(completedSha).to.equal(dss[1]!.details.revisionSha256);
    const finalSha = byAction('document.timestamped')[0]!.details.revisionSha256;
    const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
    expect(createHash('sha256').update(pdf).digest('hex')).to.equal(finalSha);
  });
});
