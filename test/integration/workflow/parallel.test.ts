/**
 * Parallel routing (DESIGN §4) and serialised signing (§8): two signers of the same order sign
 * at the same moment and both signatures end up valid in the final PDF; a mixed route (two
 * parallel signers, then an approver, then one signer) activates each order only when the one
 * before is done.
 */
import { expect } from 'chai';
import { verifyChain } from '../../../src/audit/index.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { approveEnvelope, createEnvelope, sendEnvelope, type CreateEnvelopeInput } from '../../../src/workflow/index.ts';
import { expectAllValid } from '../engine/check.ts';
import { auditTrail, expectAppError, fixture, lastToken, mails, openBench, tokensFor, type Bench } from './helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

describe('workflow: parallel signers', () => {
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  async function createAndSend(recipients: CreateEnvelopeInput['recipients'], documents = [fixture('reportlab-decision.pdf')]) {
    const created = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title: 'College van burgemeester en schepenen — notulen',
      documents: documents.map((pdf, i) => ({ name: `document-${i + 1}.pdf`, pdf })),
      recipients,
    });
    return sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
  }

  it('two signers of one order signing at the same time both end up in a valid PDF, on every document', async () => {
    const sent = await createAndSend(
      [
        { name: 'Jan Burgemeester', email: 'jan@zonnebeke.test', function: 'Burgemeester', role: 'signer', routingOrder: 1 },
        { name: 'Ann Directeur', email: 'ann@zonnebeke.test', function: 'wnd. algemeen directeur', role: 'signer', routingOrder: 1 },
      ],
      [fixture('reportlab-decision.pdf'), fixture('qpdf-objstm.pdf')],
    );
    const tokens = await Promise.all(['jan@zonnebeke.test', 'ann@zonnebeke.test'].map((email) => lastToken(bench, email)));
    const results = await Promise.all(tokens.map((token) => signAfterReading(bench.deps, { token })));
    expect(results.map((r) => r.alreadyDone)).to.deep.equal([false, false]);
    const final = results.find((r) => r.envelope.status === 'completed');
    expect(final, 'one of the two completed the envelope').to.not.equal(undefined);

    for (const document of sent.documents) {
      const revisions = await revisionsOf(bench.deps.db, document.id);
      expect(revisions.map((r) => [r.seq, r.kind])).to.deep.equal([
        [1, 'original'],
        [2, 'prepared'],
        [3, 'signature'],
        [4, 'ltv'],
        [5, 'signature'],
        [6, 'ltv'],
        [7, 'timestamp'],
      ]);
      const pdf = await bench.deps.blobs.get(revisions.at(-1)!.blobSha256);
      const checked = await expectAllValid(pdf, bench.pki.rootPem, { count: 2, label: document.name });
      const signatures = checked.report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161');
      expect(signatures.map((s) => s.signer?.commonName).sort()).to.deep.equal(['Ann Directeur', 'Jan Burgemeester']);
    }
    const trail = await auditTrail(bench, sent.id);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.filter((e) => e.action === 'recipient.signed')).to.have.length(4);
    expect(trail.filter((e) => e.action === 'envelope.completed')).to.have.length(1);
  });

  it('a mixed route activates each order in turn; an approver approves without a signature', async () => {
    const sent = await createAndSend([
      { name: 'Piet Schepen', email: 'piet@zonnebeke.test', role: 'signer', routingOrder: 1 },
      { name: 'Mieke Schepen', email: 'mieke@zonnebeke.test', role: 'signer', routingOrder: 1 },
      { name: 'Jurist', email: 'jurist@zonnebeke.test', role: 'approver', routingOrder: 2 },
      { name: 'Ann Directeur', email: 'ann.d@zonnebeke.test', function: 'Algemeen directeur', role: 'signer', routingOrder: 3 },
      { name: 'Archief', email: 'archief@zonnebeke.test', role: 'cc', routingOrder: 1 },
    ]);
    const order = (dto: typeof sent) => Object.fromEntries(dto.recipients.map((r) => [r.email, r.status]));
    expect(order(sent)).to.deep.equal({
      'piet@zonnebeke.test': 'sent',
      'mieke@zonnebeke.test': 'sent',
      'jurist@zonnebeke.test': 'pending',
      'ann.d@zonnebeke.test': 'pending',
      'archief@zonnebeke.test': 'pending',
    });
    // Not their turn yet: the director has no link, and the approver cannot act before order 1 is done.
    expect(await tokensFor(bench, 'ann.d@zonnebeke.test')).to.deep.equal([]);

    const afterPiet = await signAfterReading(bench.deps, { token: await lastToken(bench, 'piet@zonnebeke.test') });
    expect(order(afterPiet.envelope)['jurist@zonnebeke.test']).to.equal('pending');
    const afterMieke = await signAfterReading(bench.deps, { token: await lastToken(bench, 'mieke@zonnebeke.test') });
    expect(order(afterMieke.envelope)['jurist@zonnebeke.test']).to.equal('sent');
    const approverToken = await lastToken(bench, 'jurist@zonnebeke.test');
    const approverMail = (await mails(bench)).find((m) => m.mail.to.email === 'jurist@zonnebeke.test')!;
    expect(approverMail.mail.subject).to.match(/^Goed te keuren: /);
    await expectAppError(signAfterReading(bench.deps, { token: approverToken }), 'wrong_role', 409);
    const approved = await approveEnvelope(bench.deps, { token: approverToken });
    expect(order(approved.envelope)['jurist@zonnebeke.test']).to.equal('approved');
    expect(order(approved.envelope)['ann.d@zonnebeke.test']).to.equal('sent');
    expect((await approveEnvelope(bench.deps, { token: approverToken })).alreadyDone).to.equal(true);

    const done = await signAfterReading(bench.deps, { token: await lastToken(bench, 'ann.d@zonnebeke.test') });
    expect(done.envelope.status).to.equal('completed');
    const revisions = await revisionsOf(bench.deps.db, sent.documents[0].id);
    await expectAllValid(await bench.deps.blobs.get(revisions.at(-1)!.blobSha256), bench.pki.rootPem, { count: 3, label: 'mixed' });
    const trail = await auditTrail(bench, sent.id);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.map((e) => e.action).filter((a) => a !== 'mail.queued')).to.deep.equal([
      'envelope.created',
      'envelope.sent',
      // Each signer opened the document before signing (issue 12); the approver signs nothing and reads on trust.
      'document.opened',
      'recipient.signed',
      'document.validation_data_added',
      'document.opened',
      'recipient.signed',
      'document.validation_data_added',
      'recipient.approved',
      'document.opened',
      'recipient.signed',
      'document.validation_data_added',
      'envelope.completed',
      'document.timestamped',
    ]);
  });

  it('a signature that completes the envelope only because an approver approved while it was signed still gets its archive timestamp', async () => {
    const sent = await createAndSend([
      { name: 'Jan Burgemeester', email: 'jan.b@zonnebeke.test', function: 'Burgemeester', role: 'signer', routingOrder: 1 },
      { name: 'Jurist', email: 'jurist.b@zonnebeke.test', role: 'approver', routingOrder: 1 },
    ]);
    const approverToken = await lastToken(bench, 'jurist.b@zonnebeke.test');
    // What the signer's read saw: the approver still to act, so no archive timestamp was made with the signature.
    const done = await signAfterReading(bench.deps, {
      token: await lastToken(bench, 'jan.b@zonnebeke.test'),
      beforeWrite: async (attempt) => {
        if (attempt === 1) await approveEnvelope(bench.deps, { token: approverToken });
      },
    });
    expect(done.envelope.status).to.equal('completed');
    const revisions = await revisionsOf(bench.deps.db, sent.documents[0].id);
    expect(revisions.map((r) => r.kind)).to.deep.equal(['original', 'prepared', 'signature', 'ltv', 'timestamp']);
    await expectAllValid(await bench.deps.blobs.get(revisions.at(-1)!.blobSha256), bench.pki.rootPem, { count: 1, label: 'approved meanwhile' });
    const trail = await auditTrail(bench, sent.id);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.map((e) => e.action).filter((a) => !['mail.queued', 'document.opened'].includes(a)).slice(-5)).to.deep.equal([
      'recipient.approved',
      'recipient.signed',
      'document.validation_data_added',
      'envelope.completed',
      'document.timestamped',
    ]);
  });
});
