/**
 * The main route from create to completed (DESIGN §4, §5): the council chair signs first at a
 * placed field, the general director second in a block on the appended signature page. The
 * final PDF must hold two valid signatures for verifyPdf, pdfsig, qpdf and openssl; the audit
 * chain must verify and name every step; the outbox must hold the right mails and webhooks.
 */
import { expect } from 'chai';
import { verifyChain } from '../../../src/audit/index.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { createEnvelope, getEnvelope, listEnvelopes, openSigningLink, sendEnvelope, signEnvelope } from '../../../src/workflow/index.ts';
import { expectAllValid } from '../engine/check.ts';
import { addWebhook, auditTrail, expectAppError, fixture, lastToken, mails, openBench, tokensFor, webhookEvents, type Bench } from './helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

describe('workflow: two signers in sequence, from create to completed', () => {
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  it('creates, sends, signs twice and completes with a valid PDF and a verified audit chain', async () => {
    const webhookId = await addWebhook(bench, ['envelope.sent', 'recipient.signed', 'envelope.completed']);
    const created = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      origin: { ip: '192.0.2.10', userAgent: 'zaaksysteem/1.0' },
      title: 'Gemeenteraad 12 maart — besluit 2026/041',
      message: 'Graag ondertekenen voor vrijdag.',
      documents: [{ name: 'besluit-2026-041.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [
        { name: 'Karel Vandamme', email: 'karel.vandamme@zonnebeke.test', function: 'Voorzitter van de gemeenteraad', role: 'signer', routingOrder: 1, fields: [{ document: 0, page: 1, x: 50, y: 40, width: 200, height: 60 }] },
        { name: 'Els Goethals', email: 'els.goethals@zonnebeke.test', function: 'Algemeen directeur', role: 'signer', routingOrder: 2 },
        { name: 'Secretariaat', email: 'secretariaat@zonnebeke.test', role: 'cc', routingOrder: 1 },
      ],
    });
    expect(created.status).to.equal('draft');
    expect(created.documents).to.have.length(1);
    expect(created.documents[0].currentRevision?.kind).to.equal('original');
    expect(created.recipients.map((r) => r.status)).to.deep.equal(['pending', 'pending', 'pending']);
    expect(Date.parse(created.expiresAt!) - Date.parse(created.createdAt)).to.be.closeTo(30 * 86_400_000, 5_000);

    const sent = await sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    expect(sent.status).to.equal('sent');
    expect(sent.documents[0].currentRevision?.kind).to.equal('prepared');
    expect(sent.documents[0].pageCount, 'signature page appended for the director').to.equal(created.documents[0].pageCount! + 1);
    const byEmail = (dto: typeof sent, email: string) => dto.recipients.find((r) => r.email === email)!;
    expect(byEmail(sent, 'karel.vandamme@zonnebeke.test').status).to.equal('sent');
    expect(byEmail(sent, 'els.goethals@zonnebeke.test').status).to.equal('pending');
    for (const signer of sent.recipients.filter((r) => r.role === 'signer')) {
      expect(signer.fields, `${signer.name} has a named field`).to.have.length(1);
      expect(signer.fields[0].fieldName).to.be.a('string').and.not.empty;
    }
    // Sending again is harmless.
    const again = await sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    expect(again.documents[0].currentRevision?.seq).to.equal(2);

    let queued = await mails(bench);
    expect(queued.map((m) => [m.mail.to.email, m.mail.subject])).to.have.length(1);
    expect(queued[0].mail.to.email).to.equal('karel.vandamme@zonnebeke.test');
    expect(queued[0].mail.text).to.include('Graag ondertekenen voor vrijdag.');
    expect(await tokensFor(bench, 'els.goethals@zonnebeke.test')).to.deep.equal([]);

    // The director's turn has not come: the chair's link is the only one.
    const chairToken = await lastToken(bench, 'karel.vandamme@zonnebeke.test');
    const opened = await openSigningLink(bench.deps, { token: chairToken });
    expect(opened.envelope.status).to.equal('in_progress');
    const afterChair = await signAfterReading(bench.deps, { token: chairToken, origin: { ip: '198.51.100.7', userAgent: 'Mobile Safari' } });
    expect(afterChair.alreadyDone).to.equal(false);
    expect(afterChair.envelope.status).to.equal('in_progress');
    expect(byEmail(afterChair.envelope, 'els.goethals@zonnebeke.test').status).to.equal('sent');
    const repeat = await signAfterReading(bench.deps, { token: chairToken });
    expect(repeat.alreadyDone).to.equal(true);
    // The signature (seq 3) and the DSS revision that makes it B-LT (seq 4).
    expect(repeat.envelope.documents[0].currentRevision?.seq).to.equal(4);

    const directorToken = await lastToken(bench, 'els.goethals@zonnebeke.test');
    const done = await signAfterReading(bench.deps, { token: directorToken });
    expect(done.envelope.status).to.equal('completed');
    expect(done.envelope.completedAt).to.be.a('string');
    expect(done.envelope.recipients.filter((r) => r.role === 'signer').map((r) => r.status)).to.deep.equal(['signed', 'signed']);
    // A closed envelope: the link is gone, but signing again as who already signed is harmless.
    expect((await signEnvelope(bench.deps, { token: directorToken })).alreadyDone).to.equal(true);
    await expectAppError(openSigningLink(bench.deps, { token: directorToken }), 'link_gone', 410);

    const revisions = await revisionsOf(bench.deps.db, created.documents[0].id);
    // Each signature followed by its DSS revision (B-LT); at completion the archive timestamp (B-LTA), whose TSA's
    // validation data the DSS already holds (the same TSA stamped the signatures).
    expect(revisions.map((r) => r.kind)).to.deep.equal(['original', 'prepared', 'signature', 'ltv', 'signature', 'ltv', 'timestamp']);
    const finalPdf = await bench.deps.blobs.get(revisions.at(-1)!.blobSha256);
    const checked = await expectAllValid(finalPdf, bench.pki.rootPem, { count: 2, label: 'sequential' });
    const signatures = checked.report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161');
    expect(signatures.map((s) => s.signer?.commonName)).to.deep.equal(['Karel Vandamme', 'Els Goethals']);
    expect(signatures.map((s) => s.level.achieved), 'B-LT after each signature, B-LTA at completion').to.deep.equal(['B-LTA', 'B-LTA']);
    expect(done.envelope.documents[0].currentRevision?.sha256).to.equal(revisions.at(-1)!.blobSha256);

    const trail = await auditTrail(bench, created.id);
    expect(verifyChain(trail)).to.deep.equal({ valid: true, length: trail.length });
    expect(trail.map((e) => e.action)).to.deep.equal([
      'envelope.created',
      'envelope.sent',
      'mail.queued',
      'link.opened',
      // Each signer opened the document before signing (issue 12).
      'document.opened',
      'recipient.signed',
      'document.validation_data_added',
      'mail.queued',
      'document.opened',
      'recipient.signed',
      'document.validation_data_added',
      'envelope.completed',
      'mail.queued',
      'mail.queued',
      'mail.queued',
      'document.timestamped',
    ]);
    const signedEvents = trail.filter((e) => e.action === 'recipient.signed');
    for (const event of signedEvents) {
      const certificate = (event.details as { certificate: { fingerprintSha256: string; serialNumber: string } }).certificate;
      expect(certificate.fingerprintSha256).to.match(/^[0-9a-f]{64}$/);
      expect(certificate.serialNumber).to.match(/^[0-9A-F]+$/);
    }
    expect(signedEvents[1].documentSha256).to.equal(revisions.at(-3)!.blobSha256);
    // Every event pins the document as it was then: the original, the prepared file, each signature and DSS, the archive timestamp.
    const byHash = new Map(revisions.map((r) => [r.blobSha256, r.kind]));
    expect(trail.map((e) => byHash.get(e.documentSha256 ?? ''))).to.deep.equal([
      'original',
      'prepared',
      'prepared',
      'prepared',
      'prepared',
      'signature',
      'ltv',
      'ltv',
      'ltv',
      'signature',
      'ltv',
      'ltv',
      'ltv',
      'ltv',
      'ltv',
      'timestamp',
    ]);
    expect(signedEvents[0].ip).to.equal('198.51.100.7');
    expect(trail[0].ip).to.equal('192.0.2.10');

    queued = await mails(bench);
    const completedTo = queued.filter((m) => m.mail.subject.startsWith('Ondertekend')).map((m) => m.mail.to.email).sort();
    expect(completedTo).to.deep.equal(['els.goethals@zonnebeke.test', 'karel.vandamme@zonnebeke.test', 'secretariaat@zonnebeke.test']);
    expect(await webhookEvents(bench)).to.have.members(['envelope.sent', 'recipient.signed', 'recipient.signed', 'envelope.completed']);
    const hooks = await bench.deps.db('outbox').where({ kind: 'webhook' }).select('webhook_id');
    expect(hooks.every((h: { webhook_id: string }) => h.webhook_id === webhookId)).to.equal(true);

    expect((await getEnvelope(bench.deps, { organisationId: bench.organisation.id, envelopeId: created.id })).status).to.equal('completed');
    const page = await listEnvelopes(bench.deps, { organisationId: bench.organisation.id, status: 'completed' });
    expect(page.items.map((e) => e.id)).to.deep.equal([created.id]);
  });

  it('refuses unknown links, other organisations and files that are not PDFs', async () => {
    await expectAppError(signAfterReading(bench.deps, { token: 'A'.repeat(43) }), 'link_not_found', 404);
    await expectAppError(getEnvelope(bench.deps, { organisationId: bench.organisation.id, envelopeId: '00000000-0000-4000-8000-000000000000' }), 'envelope_not_found', 404);
    const other = await openBench();
    try {
      const page = await listEnvelopes(bench.deps, { organisationId: bench.organisation.id });
      await expectAppError(getEnvelope(other.deps, { organisationId: other.organisation.id, envelopeId: page.items[0].id }), 'envelope_not_found', 404);
    } finally {
      await other.close();
    }
    await expectAppError(
      createEnvelope(bench.deps, {
        organisationId: bench.organisation.id,
        actor: bench.actor,
        title: 'Geen PDF',
        documents: [{ name: 'x.pdf', pdf: fixture('hostile/not-a-pdf.pdf') }],
        recipients: [{ name: 'A', email: 'a@zonnebeke.test', role: 'signer' }],
      }),
      'pdf_invalid',
      422,
    );
    await expectAppError(
      createEnvelope(bench.deps, {
        organisationId: bench.organisation.id,
        actor: bench.actor,
        title: 'Alleen cc',
        documents: [{ name: 'x.pdf', pdf: fixture('reportlab-decision.pdf') }],
        recipients: [{ name: 'A', email: 'a@zonnebeke.test', role: 'cc' }],
      }),
      'invalid_request',
      400,
    );
  });
});
