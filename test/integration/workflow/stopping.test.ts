/**
 * The ways an envelope ends without completing, and the reminder (DESIGN §4): decline, cancel,
 * expire. Each revokes the links (a used link answers 410 link_gone), tells who already had a
 * mail, queues its webhook and leaves a verified audit chain. A reminder replaces the link.
 */
import { expect } from 'chai';
import { verifyChain } from '../../../src/audit/index.ts';
import { cancelEnvelope, createEnvelope, declineEnvelope, expireEnvelopes, remindEnvelope, sendEnvelope, type EnvelopeDto,  } from '../../../src/workflow/index.ts';
import { addWebhook, auditTrail, expectAppError, fixture, lastToken, mails, openBench, tokensFor, webhookEvents, type Bench } from './helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

describe('workflow: decline, cancel, expire, remind', () => {
  let bench: Bench;
  beforeEach(async () => {
    bench = await openBench();
    await addWebhook(bench, []);
  });
  afterEach(() => bench.close());

  const staff = () => ({ organisationId: bench.organisation.id, actor: bench.actor });

  async function draft(): Promise<EnvelopeDto> {
    return createEnvelope(bench.deps, {
      ...staff(),
      title: 'Uittreksel notulen OCMW-raad',
      documents: [{ name: 'uittreksel.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [
        { name: 'Lies Voorzitter', email: 'lies@zonnebeke.test', function: 'Voorzitter', role: 'signer', routingOrder: 1 },
        { name: 'Tom Schepen', email: 'tom@zonnebeke.test', role: 'signer', routingOrder: 1 },
        { name: 'Ann Directeur', email: 'ann@zonnebeke.test', function: 'Algemeen directeur', role: 'signer', routingOrder: 2 },
      ],
    });
  }

  async function sent(): Promise<EnvelopeDto> {
    return sendEnvelope(bench.deps, { ...staff(), envelopeId: (await draft()).id });
  }

  it('decline: needs a reason, ends the envelope, revokes every link and tells the others', async () => {
    const envelope = await sent();
    const lies = await lastToken(bench, 'lies@zonnebeke.test');
    const tom = await lastToken(bench, 'tom@zonnebeke.test');
    await expectAppError(declineEnvelope(bench.deps, { token: lies, reason: '  ' }), 'invalid_request', 400);
    const declined = await declineEnvelope(bench.deps, { token: lies, reason: 'Het bedrag in artikel 2 klopt niet.' });
    expect(declined.envelope.status).to.equal('declined');
    const lie = declined.envelope.recipients.find((r) => r.email === 'lies@zonnebeke.test')!;
    expect([lie.status, lie.declineReason]).to.deep.equal(['declined', 'Het bedrag in artikel 2 klopt niet.']);
    expect((await declineEnvelope(bench.deps, { token: lies, reason: 'nogmaals' })).alreadyDone).to.equal(true);
    await expectAppError(signAfterReading(bench.deps, { token: tom }), 'link_gone', 410);

    const declinedMails = (await mails(bench)).filter((m) => m.mail.subject.startsWith('Geweigerd'));
    expect(declinedMails.map((m) => m.mail.to.email)).to.deep.equal(['tom@zonnebeke.test']);
    expect(declinedMails[0].mail.text).to.include('Het bedrag in artikel 2 klopt niet.');
    expect(await webhookEvents(bench)).to.deep.equal(['envelope.sent', 'recipient.declined']);
    const trail = await auditTrail(bench, envelope.id);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.find((e) => e.action === 'recipient.declined')?.details).to.deep.include({ reason: 'Het bedrag in artikel 2 klopt niet.' });
  });

  it('cancel revokes links, mails and is repeatable; a cancelled envelope cannot be sent', async () => {
    const envelope = await sent();
    await signAfterReading(bench.deps, { token: await lastToken(bench, 'lies@zonnebeke.test') });
    await expectAppError(cancelEnvelope(bench.deps, { ...staff(), envelopeId: envelope.id, reason: '' }), 'invalid_request', 400);
    const cancelled = await cancelEnvelope(bench.deps, { ...staff(), envelopeId: envelope.id, reason: 'Agendapunt verdaagd.' });
    expect([cancelled.status, cancelled.cancelReason]).to.deep.equal(['cancelled', 'Agendapunt verdaagd.']);
    await expectAppError(signAfterReading(bench.deps, { token: await lastToken(bench, 'tom@zonnebeke.test') }), 'link_gone', 410);
    const again = await cancelEnvelope(bench.deps, { ...staff(), envelopeId: envelope.id, reason: 'nog eens' });
    expect(again.cancelReason).to.equal('Agendapunt verdaagd.');
    await expectAppError(sendEnvelope(bench.deps, { ...staff(), envelopeId: envelope.id }), 'illegal_transition', 409);
    await expectAppError(remindEnvelope(bench.deps, { ...staff(), envelopeId: envelope.id }), 'illegal_transition', 409);
    const cancelledTo = (await mails(bench)).filter((m) => m.mail.subject.startsWith('Ingetrokken')).map((m) => m.mail.to.email).sort();
    expect(cancelledTo).to.deep.equal(['lies@zonnebeke.test', 'tom@zonnebeke.test']);
    expect(await webhookEvents(bench)).to.include('envelope.cancelled');
    const trail = await auditTrail(bench, envelope.id);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.filter((e) => e.action === 'envelope.cancelled')).to.have.length(1);

    // A draft can be cancelled too; order 2 never got a link while order 1 was open.
    const other = await draft();
    expect((await cancelEnvelope(bench.deps, { ...staff(), envelopeId: other.id, reason: 'Dubbel' })).status).to.equal('cancelled');
    expect(await tokensFor(bench, 'ann@zonnebeke.test')).to.deep.equal([]);
  });

  it('expire: open envelopes past expires_at expire with their links; others are left alone', async () => {
    const open = await sent();
    const untouched = await draft();
    const lies = await lastToken(bench, 'lies@zonnebeke.test');
    expect((await expireEnvelopes(bench.deps)).expired).to.deep.equal([]);
    bench.advance(31 * 86_400_000);
    const result = await expireEnvelopes(bench.deps);
    expect(result).to.deep.equal({ expired: [{ organisationId: bench.organisation.id, envelopeId: open.id }], failed: 0 });
    await expectAppError(signAfterReading(bench.deps, { token: lies }), 'link_gone', 410);
    expect((await expireEnvelopes(bench.deps)).expired).to.deep.equal([]);
    const trail = await auditTrail(bench, open.id);
    expect(verifyChain(trail).valid).to.equal(true);
    // The expiry, then one queued mail for each recipient who had been asked.
    const actions = trail.map((e) => e.action);
    const from = actions.indexOf('envelope.expired');
    expect(actions.slice(from + 1)).to.have.length.greaterThan(0).and.satisfy((rest: string[]) => rest.every((a) => a === 'mail.queued'));
    expect(trail[from].actorKind).to.equal('system');
    expect(await webhookEvents(bench)).to.include('envelope.expired');
    const rows = await bench.deps.db('envelopes').whereIn('id', [open.id, untouched.id]).select('id', 'status');
    expect(Object.fromEntries(rows.map((r: { id: string; status: string }) => [r.id, r.status]))).to.deep.equal({ [open.id]: 'expired', [untouched.id]: 'draft' });
  });

  it('remind: the active recipients get a new link; the old one answers 410, the new one signs', async () => {
    const envelope = await sent();
    const oldTom = await lastToken(bench, 'tom@zonnebeke.test');
    await signAfterReading(bench.deps, { token: await lastToken(bench, 'lies@zonnebeke.test') });
    const { reminded } = await remindEnvelope(bench.deps, { ...staff(), envelopeId: envelope.id });
    const tom = envelope.recipients.find((r) => r.email === 'tom@zonnebeke.test')!;
    expect(reminded).to.deep.equal([tom.id]);
    const tokens = await tokensFor(bench, 'tom@zonnebeke.test');
    expect(tokens).to.have.length(2);
    expect(tokens[1]).to.not.equal(oldTom);
    const reminder = (await mails(bench)).filter((m) => m.mail.subject.startsWith('Herinnering'));
    expect(reminder.map((m) => m.mail.to.email)).to.deep.equal(['tom@zonnebeke.test']);
    await expectAppError(signAfterReading(bench.deps, { token: oldTom }), 'link_gone', 410);
    const signed = await signAfterReading(bench.deps, { token: tokens[1] });
    expect(signed.envelope.recipients.find((r) => r.id === tom.id)?.status).to.equal('signed');
    // Order 2 is active now; its recipient could not act before.
    expect(signed.envelope.recipients.find((r) => r.email === 'ann@zonnebeke.test')?.status).to.equal('sent');
    const trail = await auditTrail(bench, envelope.id);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.map((e) => e.action)).to.include('envelope.reminded');
  });
});
