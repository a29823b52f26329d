/**
 * Qualified signing through the use cases (issue 13): a director who must sign with a qualified signature is
 * refused the one-shot path, presents the signature certificate of an eID test card (P-384 key in SoftHSM2,
 * citizen CA on a trusted list, OCSP from its own responder), signs the returned digests on the card and
 * completes; the chair then signs one-shot. The final PDF passes verifyPdf, pdfsig (trusting our root and the
 * eID test root), qpdf and openssl cms; the audit chain verifies. And every refusal with its code.
 */
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { verifyChain } from '../../../src/audit/index.ts';
import { verifyPdf } from '../../../src/pades/index.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { qualifiedSigningSessionById } from '../../../src/store/qualified-signing-sessions.ts';
import { completeQualifiedSignature, createEnvelope, presentSigningCertificate, purgeQualifiedSigningSessions, sendEnvelope, sendSigningCode, signBatch, type WorkflowDeps,  } from '../../../src/workflow/index.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expectAllValid, writeScratch } from '../engine/check.ts';
import { auditTrail, expectAppError, fixture, lastToken, mails, openBench, type Bench, tokensFor } from './helpers.ts';
import { openEidBench, type EidBench } from './qualified-bench.ts';
import { readDocuments, signAfterReading } from '../../helpers/reading.ts';

describe('workflow: qualified signatures with an eID card (issue 13)', function () {
  this.timeout(120_000);
  let bench: Bench;
  let eid: EidBench;
  let deps: WorkflowDeps;
  before(async () => {
    [bench, eid] = await Promise.all([openBench(), openEidBench()]);
    deps = { ...bench.deps, trustList: eid.trustList, revocation: eid.revocation(bench.deps.revocation), remoteRevocation: eid.remoteRevocation };
  });
  after(async () => {
    await eid?.close();
    await bench?.close();
  });

  /** A sent envelope; the director (Jan Peeters, the card's holder) signs at `directorLevel`. */
  async function envelope(options: { directorLevel?: 'advanced' | 'qualified'; parallel?: boolean; secondQualified?: boolean; requireCode?: boolean } = {}) {
    const created = await createEnvelope(deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title: 'Gemeenteraad — besluit 2026/077',
      requireCode: options.requireCode,
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [
        { name: 'Jan Peeters', email: `jan.${Math.random().toString(36).slice(2, 8)}@zonnebeke.test`, function: 'Algemeen directeur', role: 'signer', routingOrder: 1, signatureLevel: options.directorLevel ?? 'qualified' },
        { name: 'Karel Vandamme', email: `karel.${Math.random().toString(36).slice(2, 8)}@zonnebeke.test`, function: 'Voorzitter', role: 'signer', routingOrder: options.parallel ? 1 : 2, signatureLevel: options.secondQualified ? 'qualified' : undefined },
      ],
    });
    await sendEnvelope(deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    const [director, chair] = created.recipients;
    // The director has read every document (issue 12), as they must before presenting their card.
    const directorToken = await lastToken(bench, director.email);
    await readDocuments(deps, directorToken);
    return { created, director, chair, directorToken, chairToken: () => lastToken(bench, chair.email) };
  }

  /** The card signs each digest as Web eID has it do (raw r‖s). */
  const signOnCard = (documents: Array<{ digest: Buffer }>) => Promise.all(documents.map((d) => eid.card.signHash(d.digest, 'sha384')));

  it('refuses one-shot signing for a qualified step (409), signs with the eID card, and the PDF passes every validator', async () => {
    const { created, directorToken, chairToken } = await envelope();
    expect(created.recipients.map((r) => r.signatureLevel)).to.deep.equal(['qualified', 'advanced']);
    await expectAppError(signAfterReading(deps, { token: directorToken }), 'qualified_signature_required', 409);

    const presented = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid', origin: { ip: '198.51.100.9', userAgent: 'Firefox' } });
    expect(presented.signerName).to.equal('Jan Peeters');
    expect(presented.hashAlgorithm).to.equal('sha384');
    expect(presented.documents.map((d) => [d.documentId, d.name, d.digest.length])).to.deep.equal([[created.documents[0].id, 'besluit.pdf', 48]]);
    expect(eid.responder.requests.ocsp, 'the card CA was asked over OCSP').to.be.greaterThan(0);

    const signed = await completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: await signOnCard(presented.documents) });
    expect(signed.alreadyDone).to.equal(false);
    expect(signed.envelope.recipients.map((r) => r.status)).to.deep.equal(['signed', 'sent']);
    const session = await qualifiedSigningSessionById(deps.db, bench.organisation.id, presented.sessionId);
    expect(session?.status).to.equal('completed');
    // Signing again as who already signed answers the current state, as the one-shot path does.
    const repeat = await completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: await signOnCard(presented.documents) });
    expect(repeat.alreadyDone).to.equal(true);

    const done = await signAfterReading(deps, { token: await chairToken() });
    expect(done.envelope.status).to.equal('completed');

    const revisions = await revisionsOf(deps.db, created.documents[0].id);
    expect(revisions.map((r) => r.kind)).to.deep.equal(['original', 'prepared', 'signature', 'ltv', 'signature', 'ltv', 'timestamp']);
    const finalPdf = await deps.blobs.get(revisions.at(-1)!.blobSha256);
    await expectAllValid(finalPdf, [bench.pki.rootPem, eid.card.rootPem], { count: 2, label: 'qualified' });
    // The visible blocks say which signature is qualified (pdftotext reads the widgets' appearance streams).
    const { stdout: text } = await promisify(execFile)('pdftotext', ['-enc', 'UTF-8', await writeScratch(finalPdf, 'qualified-text'), '-']);
    expect(text.match(/Gekwalificeerde elektronische handtekening/g)).to.have.length(1);
    expect(text.match(/Digitaal ondertekend/g)).to.have.length(1);

    const report = await verifyPdf(finalPdf, { trustAnchors: [...bench.pki.provider.trustAnchors], trustList: eid.trustList });
    const signatures = report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161');
    // B-LTA for the card's signature too: its CA's OCSP answer went into the DSS (fetched over HTTP from the eID CA's responder).
    expect(signatures.map((s) => [s.signer?.commonName, s.valid, s.certificate.kind, s.level.achieved])).to.deep.equal([
      ['Jan Peeters (Signature)', true, 'qualified', 'B-LTA'],
      ['Karel Vandamme', true, 'non_qualified', 'B-LTA'],
    ]);
    expect(signatures[0].revocation.certificates.map((c) => [c.status, c.origin])).to.deep.include(['good', 'dss']);

    const trail = await auditTrail(bench, created.id);
    const actions = trail.map((e) => e.action);
    expect(actions).to.include.members(['signing.certificate_presented', 'signing.prepared', 'recipient.signed', 'envelope.completed']);
    expect(actions.indexOf('signing.prepared')).to.be.greaterThan(actions.indexOf('signing.certificate_presented'));
    const presentedEvent = trail.find((e) => e.action === 'signing.certificate_presented')!.details as Record<string, any>;
    expect(presentedEvent.method).to.equal('web-eid');
    expect(presentedEvent.certificate.subject).to.include('Jan Peeters');
    expect(presentedEvent.certificate.qualification).to.deep.equal({ kind: 'qualified', qcSscd: true, tsp: 'Test Belgian Federal Government' });
    const signedEvents = trail.filter((e) => e.action === 'recipient.signed').map((e) => e.details as Record<string, any>);
    expect(signedEvents.map((d) => [d.method ?? 'one-shot', d.qualification?.kind ?? null])).to.deep.equal([
      ['web-eid', 'qualified'],
      ['one-shot', null],
    ]);
    expect(signedEvents[0].certificate.fingerprintSha256).to.equal(new X509Certificate(eid.card.signatureCertDer).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(verifyChain(trail)).to.deep.equal({ valid: true, length: trail.length });
  });

  it('signs with the RSA-2048 variant of the card too (PKCS#1 v1.5 over SHA-256), to B-LTA', async () => {
    const rsa = await openEidBench({ given: 'Jan', surname: 'Peeters' }, 'rsa-2048');
    try {
      const rsaDeps = { ...deps, trustList: rsa.trustList, revocation: rsa.revocation(bench.deps.revocation), remoteRevocation: rsa.remoteRevocation };
      const created = await createEnvelope(rsaDeps, {
        organisationId: bench.organisation.id,
        actor: bench.actor,
        title: 'College — besluit 2026/112',
        documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
        recipients: [{ name: 'Jan Peeters', email: `jan.rsa.${Math.random().toString(36).slice(2, 8)}@zonnebeke.test`, function: 'Burgemeester', role: 'signer', signatureLevel: 'qualified' }],
      });
      await sendEnvelope(rsaDeps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
      const token = await lastToken(bench, created.recipients[0].email);
      await readDocuments(rsaDeps, token);
      const presented = await presentSigningCertificate(rsaDeps, { token, certificate: rsa.card.signatureCertDer, method: 'web-eid' });
      expect(presented.hashAlgorithm).to.equal('sha256');
      const signatures = await Promise.all(presented.documents.map((d) => rsa.card.signHash(d.digest, 'sha256')));
      const done = await completeQualifiedSignature(rsaDeps, { token, sessionId: presented.sessionId, signatures });
      expect(done.envelope.status).to.equal('completed');
      const revisions = await revisionsOf(deps.db, created.documents[0].id);
      const finalPdf = await deps.blobs.get(revisions.at(-1)!.blobSha256);
      await expectAllValid(finalPdf, [bench.pki.rootPem, rsa.card.rootPem], { count: 1, label: 'qualified RSA' });
      const report = await verifyPdf(finalPdf, { trustAnchors: [...bench.pki.provider.trustAnchors], trustList: rsa.trustList });
      const [signature] = report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161');
      expect([signature.valid, signature.integrity.signatureAlgorithm, signature.certificate.kind, signature.level.achieved]).to.deep.equal([true, 'rsa-pkcs1-sha256', 'qualified', 'B-LTA']);
    } finally {
      await rsa.close();
    }
  });

  it('signs with the hash the card says it supports, and refuses a card that supports none this key can use (422)', async () => {
    const none = await envelope();
    await expectAppError(
      presentSigningCertificate(deps, { token: none.directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid', signatureAlgorithms: [{ scheme: 'rsa-pkcs1', hash: 'sha256' }] }),
      'certificate_unsuitable',
      422,
    );

    const { created, directorToken } = await envelope();
    const presented = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid', signatureAlgorithms: [{ scheme: 'ecdsa', hash: 'sha256' }] });
    expect([presented.hashAlgorithm, presented.documents[0].digest.length]).to.deep.equal(['sha256', 32]);
    const signatures = await Promise.all(presented.documents.map((d) => eid.card.signHash(d.digest, 'sha256')));
    await completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures });
    const revisions = await revisionsOf(deps.db, created.documents[0].id);
    const pdf = await deps.blobs.get(revisions.find((r) => r.kind === 'signature')!.blobSha256);
    await expectAllValid(pdf, [bench.pki.rootPem, eid.card.rootPem], { count: 1, label: 'qualified P-384 with SHA-256', emptyFields: 1 });
    const report = await verifyPdf(pdf, { trustAnchors: [...bench.pki.provider.trustAnchors], trustList: eid.trustList });
    expect([report.signatures[0].valid, report.signatures[0].integrity.digestAlgorithm]).to.deep.equal([true, 'sha256']);
  });

  it('lets an advanced step be signed with the eID too: a qualified signature satisfies it', async () => {
    const { directorToken } = await envelope({ directorLevel: 'advanced' });
    const presented = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' });
    const signed = await completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: await signOnCard(presented.documents) });
    expect(signed.envelope.recipients[0].status).to.equal('signed');
  });

  it('refuses a certificate that is not qualified for a qualified step (422) and records signing.failed', async () => {
    const { created, directorToken } = await envelope();
    const other = await eid.otherCertificate({ sscd: false });
    const withOther = { ...deps, trustList: other.trustList };
    await expectAppError(presentSigningCertificate(withOther, { token: directorToken, certificate: other.chain, method: 'web-eid' }), 'certificate_not_qualified', 422);
    // Not from a trusted CA at all: only our root and a list without this CA.
    await expectAppError(presentSigningCertificate({ ...deps, trustList: undefined }, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' }), 'certificate_untrusted', 422);
    const failed = (await auditTrail(bench, created.id)).filter((e) => e.action === 'signing.failed').map((e) => e.details as Record<string, unknown>);
    expect(failed.map((d) => [d.code, d.method])).to.deep.equal([
      ['certificate_not_qualified', 'web-eid'],
      ['certificate_untrusted', 'web-eid'],
    ]);
    expect((await auditTrail(bench, created.id)).some((e) => e.action === 'signing.prepared')).to.equal(false);
  });

  it('answers 409 document_changed when the document moved on between prepare and complete; the session is spent', async () => {
    const { created, directorToken, chairToken } = await envelope({ parallel: true });
    const presented = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' });
    await signAfterReading(deps, { token: await chairToken() });
    const values = await signOnCard(presented.documents);
    await expectAppError(completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: values }), 'document_changed', 409);
    expect((await qualifiedSigningSessionById(deps.db, bench.organisation.id, presented.sessionId))?.status).to.equal('failed');
    await expectAppError(completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: values }), 'session_used', 409);
    const failed = (await auditTrail(bench, created.id)).filter((e) => e.action === 'signing.failed').map((e) => e.details as Record<string, unknown>);
    expect(failed.map((d) => [d.code, d.method])).to.deep.equal([['document_changed', 'web-eid']]);

    // Presented again, on the current revision, it signs; both signatures stand.
    const again = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' });
    const done = await completeQualifiedSignature(deps, { token: directorToken, sessionId: again.sessionId, signatures: await signOnCard(again.documents) });
    expect(done.envelope.status).to.equal('completed');
    const revisions = await revisionsOf(deps.db, created.documents[0].id);
    await expectAllValid(await deps.blobs.get(revisions.at(-1)!.blobSha256), [bench.pki.rootPem, eid.card.rootPem], { count: 2, label: 'moved on' });
  });

  it('answers 422 for a signature value that is not the card\'s, 410 for an expired session, 404 for another recipient\'s', async () => {
    const { directorToken, chairToken } = await envelope({ parallel: true, secondQualified: true });
    const presented = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' });
    await expectAppError(completeQualifiedSignature(deps, { token: await chairToken(), sessionId: presented.sessionId, signatures: await signOnCard(presented.documents) }), 'session_not_found', 404);
    await expectAppError(completeQualifiedSignature(deps, { token: directorToken, sessionId: '00000000-0000-4000-8000-000000000000', signatures: [] }), 'session_not_found', 404);
    await expectAppError(completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: [Buffer.alloc(96, 1)] }), 'signature_value_invalid', 422);

    const second = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' });
    const values = await signOnCard(second.documents);
    bench.advance(11 * 60_000);
    try {
      await expectAppError(completeQualifiedSignature(deps, { token: directorToken, sessionId: second.sessionId, signatures: values }), 'session_expired', 410);
      // Kept an hour past its expiry, then purged (the audit events remain the evidence).
      expect(await purgeQualifiedSigningSessions(deps)).to.equal(0);
      bench.advance(61 * 60_000);
      expect(await purgeQualifiedSigningSessions(deps)).to.be.greaterThanOrEqual(2);
      expect(await qualifiedSigningSessionById(deps.db, bench.organisation.id, second.sessionId)).to.equal(null);
      await expectAppError(completeQualifiedSignature(deps, { token: directorToken, sessionId: second.sessionId, signatures: values }), 'session_not_found', 404);
    } finally {
      bench.advance(-72 * 60_000);
    }
  });

  it('asks for the mailed code when the envelope requires one, before preparing anything, and records it once', async () => {
    const { created, directorToken } = await envelope({ requireCode: true });
    await expectAppError(presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' }), 'code_required', 400);
    await sendSigningCode(deps, { token: directorToken, purpose: 'link' });
    const mail = (await mails(bench)).filter((m) => m.mail.to.email === created.recipients[0].email).at(-1)!;
    const code = /(\d{6})/.exec(mail.mail.text)?.[1];
    expect(code, mail.mail.text).to.be.a('string');
    const presented = await presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid', code });
    await completeQualifiedSignature(deps, { token: directorToken, sessionId: presented.sessionId, signatures: await signOnCard(presented.documents) });
    const actions = (await auditTrail(bench, created.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'code.verified')).to.have.length(1);
    expect(actions.indexOf('code.verified')).to.be.lessThan(actions.indexOf('signing.certificate_presented'));
    expect(actions.filter((a) => a === 'signing.prepared')).to.have.length(1);
  });

  it('leaves a qualified envelope out of batch signing with the reason, and signs the others', async () => {
    const email = `jan.batch.${Math.random().toString(36).slice(2, 8)}@zonnebeke.test`;
    const ids: string[] = [];
    for (const signatureLevel of ['advanced', 'qualified'] as const) {
      const created = await createEnvelope(deps, {
        organisationId: bench.organisation.id,
        actor: bench.actor,
        title: `Besluit (${signatureLevel})`,
        signatureLevel,
        documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
        recipients: [{ name: 'Jan Peeters', email, role: 'signer', routingOrder: 1 }],
      });
      await sendEnvelope(deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
      ids.push(created.id);
    }
    // Read in the batch page's viewer (issue 12): each envelope's documents, through the link mailed for it.
    for (const token of await tokensFor(bench, email)) await readDocuments(deps, token);
    const batch = await signBatch(deps, { token: await lastToken(bench, email), envelopeIds: ids });
    expect(batch.results.map((r) => [r.title, r.signed, r.signed ? null : r.reason])).to.deep.equal([
      ['Besluit (advanced)', true, null],
      ['Besluit (qualified)', false, 'qualified_signature_required'],
    ]);
  });

  it('refuses a revoked certificate (422 certificate_revoked), as its CA\'s responder says', async () => {
    const { directorToken } = await envelope();
    eid.responder.revoke(new X509Certificate(eid.card.signatureCertDer).serialNumber);
    await expectAppError(presentSigningCertificate(deps, { token: directorToken, certificate: eid.card.signatureCertDer, method: 'web-eid' }), 'certificate_revoked', 422);
  });
});
