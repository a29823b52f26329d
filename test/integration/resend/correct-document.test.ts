/**
 * Correct and resend with a corrected document (issue 12), over HTTP with a real SMTP server, on SQLite or (with
 * TEST_DATABASE_URL) PostgreSQL. The director signs, the mayor declines "fout in bedrag", staff upload a corrected PDF
 * on the dossier page and resend: both are asked again (the director's mail says his signature does not hold for the
 * new version), the old links are dead, a read of the old version does not count, both sign, and the final PDF is the
 * corrected one with exactly two valid, trusted signatures (verifyPdf, pdfsig, qpdf, openssl). The audit chain is
 * clean and holds `document.replaced`; the report names both versions; the old signed version stays a revision.
 * A hostile or encrypted file, and a corrected file without the page a placed field is on, are refused (422) with
 * nothing changed. A meeting's item is corrected the same way.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import request from 'supertest';
import { createUser } from '../../../src/store/index.ts';
import { listEnvelopeAuditEvents } from '../../../src/store/audit-event-repository.ts';
import { expectAllValid } from '../engine/check.ts';
import { fixture } from '../api/helpers.ts';
import { EXPIRES_AT, startE2E, type E2E, type Mail } from '../e2e/harness.ts';
import { CHAIR, DIRECTOR, meetingToken, requestMails, sentMeeting, signMeeting, staffSession, UA } from '../meetings/meeting-signer.ts';
import { auditReportText, correctedDecision, expectChainClean, pdfText, resendOverApi, revisionsOfEnvelope } from './helpers.ts';

const MAYOR = { name: 'Marleen Burgemeester', email: 'marleen.burgemeester@zonnebeke.be', function: 'Burgemeester' };
const JURIST = { name: 'Jan Jurist', email: 'jan.jurist@zonnebeke.be', function: 'Juridische dienst' };
const STAFF = { email: 'secretariaat@zonnebeke.be', password: 'correct horse battery staple 42' };
const CORRECTED_LINE = 'Het document werd verbeterd na een weigering; uw eerdere handtekening geldt niet voor de nieuwe versie.';
const CORRECTED_APPROVAL_LINE = 'Het document werd verbeterd na een weigering; uw eerdere goedkeuring geldt niet voor de nieuwe versie.';
const HOSTILE = `${process.cwd()}/fixtures/pdf/hostile`;

describe('correct and resend with a corrected document (issue 12)', function () {
  this.timeout(240_000);
  let e2e: E2E;

  before(async () => {
    e2e = await startE2E();
    await createUser(e2e.app.deps.db, e2e.organisation.id, { email: STAFF.email, role: 'staff', name: 'Sara Secretariaat', password: STAFF.password });
  });
  after(async () => {
    await e2e?.close();
  });

  const requests = async (envelopeId: string, to: string): Promise<Mail[]> => (await e2e.mails({ envelopeId, to })).filter((m) => m.subject.startsWith('Te ondertekenen: '));
  const approvalRequests = async (envelopeId: string): Promise<Mail[]> => (await e2e.mails({ envelopeId, to: JURIST.email })).filter((m) => m.subject.startsWith('Goed te keuren: '));
  const lastRequest = async (envelopeId: string, to: string): Promise<Mail> => (await requests(envelopeId, to)).at(-1)!;
  const signed = async (token: string) => {
    const res = await e2e.sign(token);
    expect(res.status, res.text.replace(/[\s\S]*<main[^>]*>/, '').slice(0, 400)).to.equal(303);
  };
  // Counted in the database: reading the trail over the API records `audit.exported`.
  const auditCount = async (id: string) => (await listEnvelopeAuditEvents(e2e.app.deps.db, e2e.organisation.id, id)).length;

  /** Director (1) signs, mayor (2) declines "fout in bedrag"; `fields` places signature fields (API indices). */
  async function declinedByMayor(title: string, options: { file?: string; fields?: unknown[] } = {}) {
    const envelope = {
      title,
      expiresAt: EXPIRES_AT,
      recipients: [{ ...DIRECTOR, role: 'signer', order: 1 }, { ...MAYOR, role: 'signer', order: 2 }],
      ...(options.fields ? { fields: options.fields } : {}),
      send: true,
    };
    const created = await request(e2e.app.url)
      .post('/api/v1/envelopes')
      .set(e2e.auth())
      .field('envelope', JSON.stringify(envelope))
      .attach('documents', fixture(options.file ?? 'reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    await e2e.deliver();
    const directorMail = await lastRequest(id, DIRECTOR.email);
    await signed(directorMail.token!);
    await e2e.deliver();
    const mayorMail = await lastRequest(id, MAYOR.email);
    expect((await e2e.decline(mayorMail.token!, 'fout in bedrag')).status).to.equal(303);
    await e2e.deliver();
    const declined = await e2e.getEnvelope(id);
    expect(declined.status).to.equal('declined');
    return { id, documentId: declined.documents[0]!.id, directorToken: directorMail.token!, mayorToken: mayorMail.token! };
  }

  it('staff upload a corrected PDF on the dossier page: both sign again, the final PDF is the corrected one with two valid signatures', async () => {
    const { id, documentId, directorToken, mayorToken } = await declinedByMayor('Besluit 12: subsidie jeugdhuis');
    const before = await revisionsOfEnvelope(e2e, id);
    const signedBefore = before.at(-1)!;
    const staff = await staffSession(e2e, STAFF.email, STAFF.password);
    const page = await staff.get(`/app/envelopes/${id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(`name="document-${documentId}"`).and.include('Verbeterde documenten (niet verplicht)');
    const corrected = await correctedDecision('Verbeterd besluit: subsidie jeugdhuis, bedrag 12.500 euro');
    const resent = staff.keep(
      await staff
        .post(`/app/envelopes/${id}/resend`)
        .field('_csrf', staff.csrf(page.text, `app/envelopes/${id}/resend`))
        .field('name', MAYOR.name)
        .field('email', MAYOR.email)
        .attach(`document-${documentId}`, corrected, { filename: 'besluit verbeterd.pdf', contentType: 'application/pdf' }),
    );
    expect(resent.status, resent.text.replace(/[\s\S]*<main[^>]*>/, '').slice(0, 600)).to.equal(303);

    const envelope = await e2e.getEnvelope(id);
    expect(envelope.status).to.equal('sent');
    expect(envelope.recipients.map((r) => [r.email, r.status])).to.deep.equal([
      [DIRECTOR.email, 'sent'],
      [MAYOR.email, 'pending'],
    ]);
    expect(envelope.documents[0]!.currentRevision.kind).to.equal('prepared');
    // History: the signed version stays, the corrected original and its preparation follow it.
    const after = await revisionsOfEnvelope(e2e, id);
    expect(after.slice(0, before.length)).to.deep.equal(before);
    expect(after.slice(before.length).map((r) => [r.seq, r.kind])).to.deep.equal([
      [signedBefore.seq + 1, 'original'],
      [signedBefore.seq + 2, 'prepared'],
    ]);
    expect((await e2e.app.deps.blobs.get(signedBefore.blobSha256)).length, 'the old signed version is kept').to.equal(signedBefore.size);

    await e2e.deliver();
    const again = await requests(id, DIRECTOR.email);
    expect(again, 'a new request for the director').to.have.length(2);
    expect(again[1]!.text.replace(/\s+/g, ' ')).to.include(CORRECTED_LINE);
    expect(again[1]!.token).to.not.equal(directorToken);
    expect((await e2e.openLink(directorToken)).status, 'the old link is dead').to.equal(410);
    expect((await e2e.openLink(mayorToken)).status, 'the decliner’s old link too').to.equal(410);

    // Reading before signing applies to the new version: the director read the old one, which does not count.
    const fresh = again[1]!.token!;
    const signPage = await e2e.openLink(fresh);
    const csrf = /\/sign"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(signPage.text)![1]!;
    const unread = await request(e2e.app.url).post(`/s/${fresh}/sign`).set('User-Agent', 'Mozilla/5.0 (e2e) Firefox/140').type('form').send({ consent: 'ja', _csrf: csrf });
    expect(unread.status, unread.text.slice(0, 300)).to.equal(409);
    expect((await e2e.getEnvelope(id)).recipients[0]!.status).to.not.equal('signed');

    await signed(fresh);
    await e2e.deliver();
    const mayorAgain = await requests(id, MAYOR.email);
    expect(mayorAgain, 'the mayor is asked again after the director').to.have.length(2);
    expect(mayorAgain[1]!.text.replace(/\s+/g, ' '), 'she signed nothing before').to.not.include(CORRECTED_LINE);
    await signed(mayorAgain[1]!.token!);
    expect((await e2e.getEnvelope(id)).status).to.equal('completed');

    const final = await e2e.downloadCurrent(id, documentId);
    const text = await pdfText(final);
    expect(text).to.include('Verbeterd besluit: subsidie jeugdhuis, bedrag 12.500 euro');
    expect(text).to.not.include('meerjarenplanaanpassing');
    const { pdfsig } = await expectAllValid(final, e2e.rootPem, { count: 2, label: 'corrected and signed' });
    expect(pdfsig.map((s) => s.signerCommonName).sort()).to.deep.equal([DIRECTOR.name, MAYOR.name].sort());

    const trail = await e2e.audit(id);
    const actions = trail.map((e) => e.action);
    const replaced = trail.find((e) => e.action === 'document.replaced')!;
    expect(actions.indexOf('recipient.declined')).to.be.below(actions.indexOf('document.replaced'));
    expect(actions.indexOf('document.replaced')).to.be.below(actions.indexOf('envelope.resent'));
    expect(replaced.details).to.deep.include({ documentId, reason: 'fout in bedrag', recipientsToActAgain: [envelope.recipients[0]!.id] });
    const previous = replaced.details.previous as Record<string, unknown>;
    const correctedDetails = replaced.details.corrected as Record<string, unknown>;
    expect(previous).to.deep.include({ originalSha256: before[0]!.blobSha256, sha256: signedBefore.blobSha256, pageCount: 1 });
    expect(correctedDetails).to.deep.include({ sha256: after[before.length]!.blobSha256, pageCount: 1, preparedSha256: after[before.length + 1]!.blobSha256 });
    expect(trail.find((e) => e.action === 'envelope.resent')!.details.changes).to.deep.equal([
      { field: 'document', documentId, from: signedBefore.blobSha256, to: after[before.length + 1]!.blobSha256 },
    ]);
    expect(trail.map((e) => e.seq)).to.deep.equal(trail.map((_, i) => i + 1));
    await expectChainClean(e2e, id);

    const report = await auditReportText(e2e, id);
    expect(report).to.include('Document vervangen door een verbeterde versie');
    for (const sha of [before[0]!.blobSha256, signedBefore.blobSha256, after[before.length]!.blobSha256]) expect(report, sha).to.include(sha);

    const timeline = await staff.get(`/app/envelopes/${id}`);
    expect(timeline.text).to.include('Verbeterde versie van besluit.pdf opgeladen (weigering: fout in bedrag); wie al ondertekende, wordt opnieuw gevraagd door Sara Secretariaat');
  });

  it('two documents, one corrected, an approver: the other document, already signed, is prepared again from its own original; the approver approves again; each document ends with exactly two signatures', async () => {
    const envelope = { title: 'Besluit 15: begroting en bijlage', expiresAt: EXPIRES_AT, recipients: [{ ...DIRECTOR, role: 'signer', order: 1 }, { ...JURIST, role: 'approver', order: 2 }, { ...MAYOR, role: 'signer', order: 3 }], send: true };
    const created = await request(e2e.app.url)
      .post('/api/v1/envelopes')
      .set(e2e.auth())
      .field('envelope', JSON.stringify(envelope))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' })
      .attach('documents', fixture('libreoffice-decision.pdf'), { filename: 'bijlage.pdf', contentType: 'application/pdf' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    await e2e.deliver();
    await signed((await lastRequest(id, DIRECTOR.email)).token!);
    await e2e.deliver();
    await signed((await approvalRequests(id)).at(-1)!.token!);
    await e2e.deliver();
    expect((await e2e.decline((await lastRequest(id, MAYOR.email)).token!, 'fout in bedrag')).status).to.equal(303);
    const { documents } = await e2e.getEnvelope(id);
    const [decision, annex] = [documents[0]!, documents[1]!];
    const res = await resendOverApi(e2e, id, [{ documentId: decision.id, pdf: await correctedDecision('Verbeterde begroting'), name: 'begroting.pdf' }]);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect((res.body.recipients as Array<{ status: string }>).map((r) => r.status), 'the approver approves again').to.deep.equal(['sent', 'pending', 'pending']);
    const trail = await e2e.audit(id);
    expect(trail.filter((e) => e.action === 'document.replaced').map((e) => e.details.documentId)).to.deep.equal([decision.id]);
    expect((trail.find((e) => e.action === 'envelope.resent')!.details.changes as Array<{ documentId: string }>).map((c) => c.documentId)).to.deep.equal([decision.id, annex.id]);
    await e2e.deliver();
    await signed((await lastRequest(id, DIRECTOR.email)).token!);
    expect((await lastRequest(id, DIRECTOR.email)).text.replace(/\s+/g, ' ')).to.include(CORRECTED_LINE);
    await e2e.deliver();
    const approvals = await approvalRequests(id);
    expect(approvals, 'a new approval request').to.have.length(2);
    // Mailed only when the director had signed again, not by the correction itself: it still says why.
    expect(approvals[1]!.text.replace(/\s+/g, ' ')).to.include(CORRECTED_APPROVAL_LINE);
    expect(approvals[0]!.text.replace(/\s+/g, ' ')).to.not.include(CORRECTED_APPROVAL_LINE);
    await signed(approvals[1]!.token!);
    await e2e.deliver();
    const mayor = await lastRequest(id, MAYOR.email);
    expect(mayor.text.replace(/\s+/g, ' '), 'she declined; she had signed nothing').to.not.include(CORRECTED_LINE);
    await signed(mayor.token!);
    expect((await e2e.getEnvelope(id)).status).to.equal('completed');
    expect(await pdfText(await e2e.downloadCurrent(id, decision.id))).to.include('Verbeterde begroting');
    await expectAllValid(await e2e.downloadCurrent(id, decision.id), e2e.rootPem, { count: 2, label: 'corrected document' });
    await expectAllValid(await e2e.downloadCurrent(id, annex.id), e2e.rootPem, { count: 2, label: 'document prepared again' });
    await expectChainClean(e2e, id);
  });

  it('refuses a hostile, an encrypted or a non-PDF file with 422 naming it, and changes nothing', async () => {
    const { id, documentId } = await declinedByMayor('Besluit 13: parkeerreglement');
    const revisions = await revisionsOfEnvelope(e2e, id);
    const events = await auditCount(id);
    const mails = (await e2e.mails({ envelopeId: id })).length;
    for (const [file, code] of [
      ['not-a-pdf.pdf', 'pdf_invalid'],
      ['encrypted-aes256.pdf', 'pdf_encrypted'],
      ['truncated.pdf', 'pdf_invalid'],
      ['huge-page-count.pdf', null],
    ] as const) {
      const res = await resendOverApi(e2e, id, [{ documentId, pdf: readFileSync(`${HOSTILE}/${file}`), name: `verbeterd-${file}` }]);
      expect(res.status, `${file}: ${JSON.stringify(res.body)}`).to.equal(422);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      if (code) expect(res.body.code, file).to.equal(code);
      expect(res.body.detail, file).to.include(`verbeterd-${file}`);
    }
    // The staff form says it on the page, in the same words.
    const staff = await staffSession(e2e, STAFF.email, STAFF.password);
    const page = await staff.get(`/app/envelopes/${id}`);
    const refused = await staff
      .post(`/app/envelopes/${id}/resend`)
      .field('_csrf', staff.csrf(page.text, `app/envelopes/${id}/resend`))
      .attach(`document-${documentId}`, readFileSync(`${HOSTILE}/not-a-pdf.pdf`), { filename: 'geen-pdf.pdf', contentType: 'application/pdf' });
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('geen-pdf.pdf').and.include('role="alert"');
    await e2e.deliver();
    expect((await e2e.getEnvelope(id)).status).to.equal('declined');
    expect(await revisionsOfEnvelope(e2e, id)).to.deep.equal(revisions);
    expect(await auditCount(id)).to.equal(events);
    expect((await e2e.mails({ envelopeId: id })).length).to.equal(mails);
  });

  it('refuses a corrected file without the page a placed field is on (422 placement_invalid naming it), then takes one that has it and keeps the field', async () => {
    // The mayor's field is placed on page 6 of a 6-page decision; the director gets the signature page.
    const placed = { document: 0, recipient: 1, page: 6, x: 320, y: 90, width: 200, height: 60 };
    const { id, documentId } = await declinedByMayor('Besluit 14: rooilijnplan', { file: 'multipage-decision.pdf', fields: [placed] });
    const revisions = await revisionsOfEnvelope(e2e, id);
    const events = await auditCount(id);
    const short = await resendOverApi(e2e, id, [{ documentId, pdf: await correctedDecision('Verbeterd rooilijnplan', 2), name: 'rooilijnplan-kort.pdf' }]);
    expect(short.status, JSON.stringify(short.body)).to.equal(422);
    expect(short.body.code).to.equal('placement_invalid');
    expect(short.body.detail).to.include(MAYOR.name).and.include('page 6').and.include('rooilijnplan-kort.pdf');
    expect(short.body.fields).to.have.length(1);
    expect((await e2e.getEnvelope(id)).status).to.equal('declined');
    expect(await revisionsOfEnvelope(e2e, id)).to.deep.equal(revisions);
    expect(await auditCount(id)).to.equal(events);

    const full = await resendOverApi(e2e, id, [{ documentId, pdf: await correctedDecision('Verbeterd rooilijnplan', 6), name: 'rooilijnplan.pdf' }]);
    expect(full.status, JSON.stringify(full.body)).to.equal(200);
    expect(full.body.status).to.equal('sent');
    const mayor = (full.body.recipients as Array<{ email: string; fields: Array<{ page: number; x: number }> }>).find((r) => r.email === MAYOR.email)!;
    expect(mayor.fields.map((f) => [f.page, f.x])).to.deep.equal([[6, 320]]);
    await e2e.deliver();
    await signed((await lastRequest(id, DIRECTOR.email)).token!);
    await e2e.deliver();
    await signed((await lastRequest(id, MAYOR.email)).token!);
    const final = await e2e.downloadCurrent(id, documentId);
    expect(await pdfText(final)).to.include('Verbeterd rooilijnplan');
    await expectAllValid(final, e2e.rootPem, { count: 2, label: 'placed field kept' });
    await expectChainClean(e2e, id);
  });

  it('a meeting item: the chair declines, staff correct it, the director is asked again in the meeting mail, both sign the corrected version', async () => {
    const { id: meetingId, envelopeIds } = await sentMeeting(e2e, 'Gemeenteraad 23 maart 2027', ['Subsidie sportclub']);
    const itemId = envelopeIds[0]!;
    const director = meetingToken((await requestMails(e2e, DIRECTOR.email)).filter((m) => m.text.includes(meetingId)).at(-1)!.text, meetingId);
    await signMeeting(e2e, director, meetingId);
    await e2e.deliver();
    const chair = meetingToken((await requestMails(e2e, CHAIR.email)).filter((m) => m.text.includes(meetingId)).at(-1)!.text, meetingId);
    expect((await e2e.decline(chair, 'fout in bedrag', UA)).status).to.equal(303);
    const documentId = (await e2e.getEnvelope(itemId)).documents[0]!.id;
    const res = await resendOverApi(e2e, itemId, [{ documentId, pdf: await correctedDecision('Verbeterd besluit: subsidie sportclub 4.000 euro'), name: 'subsidie.pdf' }]);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    await e2e.deliver();
    const directorMails = (await requestMails(e2e, DIRECTOR.email)).filter((m) => m.text.includes(meetingId));
    expect(directorMails, 'one more meeting mail for the director').to.have.length(2);
    expect(directorMails[1]!.text.replace(/\s+/g, ' ')).to.include(CORRECTED_LINE);
    await signMeeting(e2e, meetingToken(directorMails[1]!.text, meetingId), meetingId);
    await e2e.deliver();
    const chairMails = (await requestMails(e2e, CHAIR.email)).filter((m) => m.text.includes(meetingId));
    expect(chairMails).to.have.length(2);
    await signMeeting(e2e, meetingToken(chairMails[1]!.text, meetingId), meetingId);
    expect((await e2e.getEnvelope(itemId)).status).to.equal('completed');
    const final = await e2e.downloadCurrent(itemId, documentId);
    expect(await pdfText(final)).to.include('Verbeterd besluit: subsidie sportclub 4.000 euro');
    await expectAllValid(final, e2e.rootPem, { count: 2, label: 'meeting item corrected' });
    expect((await e2e.audit(itemId)).map((e) => e.action)).to.include('document.replaced');
    await expectChainClean(e2e, itemId);
  });
});
