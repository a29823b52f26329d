/**
 * E2E: the API allows 50 recipients, so 50 signers must work (issue 10). Before, preparation put
 * every unplaced signer on one appended page and refused more than 8 (400 too_many_signers) when
 * the envelope was sent. Now the blocks flow over as many signature pages as they need; all 50
 * sign through their mailed links and the result holds 50 valid signatures for verifyPdf, pdfsig
 * and qpdf. 51 recipients stay refused by the API's schema.
 */
import { expect } from 'chai';
import { expectAllValid } from '../engine/check.ts';
import { startE2E, type E2E } from './harness.ts';

const SIGNERS = Array.from({ length: 50 }, (_, i) => ({
  name: `Raadslid ${String(i + 1).padStart(2, '0')} Vandenbroucke`,
  email: `raadslid${i + 1}@zonnebeke.test`,
  role: 'signer',
  order: 1,
  function: i === 0 ? 'Voorzitter gemeenteraad' : 'Gemeenteraadslid',
}));

describe('e2e: 50 signers, as many as the API allows', function () {
  this.timeout(600_000);
  let e2e: E2E;

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('sends to 50 signers on signature pages, all 50 sign through their links, and the PDF holds 50 valid signatures', async () => {
    const res = await e2e.createEnvelope({ title: 'Notulen gemeenteraad', recipients: SIGNERS, send: true });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    expect(await e2e.deliver()).to.deep.equal({ delivered: 50, failed: 0 });

    for (const signer of SIGNERS) {
      const token = (await e2e.theMail(envelopeId, signer.email, 'signRequest')).token!;
      const signed = await e2e.sign(token);
      expect(signed.status, `${signer.name}: ${signed.text.slice(0, 300)}`).to.equal(303);
    }
    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('completed');
    expect(envelope.recipients.every((r) => r.status === 'signed')).to.equal(true);
    const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
    await expectAllValid(pdf, e2e.rootPem, { count: 50, label: '50 signers' });
  });

  it('refuses 51 recipients with 400 invalid_request, naming the field', async () => {
    const res = await e2e.createEnvelope({ title: 'Te veel', recipients: [...SIGNERS, { ...SIGNERS[0]!, email: 'extra@zonnebeke.test' }] });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('invalid_request');
    expect(JSON.stringify(res.body)).to.contain('recipients');
  });
});
