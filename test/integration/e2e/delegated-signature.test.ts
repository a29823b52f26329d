/**
 * E2E (issue 12): a delegated and a substituted signature say so, in the visible block and in the certificate.
 * The directory has the general director (holder An Peeters, substitute Koen Vermeulen) and the mayor; An delegated
 * signing decisions to Els Declercq (Diensthoofd secretariaat). Envelopes are created over the API with route steps
 * naming functions (functionId, and for Els the chosen delegationId); the signers sign through the links in their
 * mails (Els in one batch, with an envelope where she signs in her own name). Then: pdftotext reads "Bij opdracht van
 * de algemeen directeur," above Els's name and "wnd. algemeen directeur" under Koen's; the signer certificates in the
 * CMS (openssl pkcs7 / x509) carry the same as subject title; pdfsig (today and 400 days on), openssl cms and
 * qpdf --check find every signature valid; the audit report names the delegation beside the signer.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { brusselsDay } from '../../../src/domain/mandates.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import {
  addMandate,
  addPerson,
  completeQualifiedSignature,
  createEnvelope,
  createFunction,
  presentSigningCertificate,
  recordAbsence,
  registerDelegation,
  sendEnvelope,
  type StaffActor,
} from '../../../src/workflow/index.ts';
import { downloadDocuments, readDocuments } from '../../helpers/reading.ts';
import { extractSignatures, pdfsig } from '../../helpers/validators.ts';
import { expectAllValid, scratchDir, writeScratch } from '../engine/check.ts';
import { binary } from '../audit-report/helpers.ts';
import { fixture, lastToken } from '../workflow/helpers.ts';
import { openQualifiedBench, type QualifiedBench } from '../workflow/qualified-bench.ts';
import { startE2E, type E2E } from './harness.ts';

const exec = promisify(execFile);
const UA = 'Mozilla/5.0 (delegation e2e) Firefox/140';
const ACTOR: StaffActor = { kind: 'api_key', id: 'delegation-e2e', label: 'secretariaat' };
const EXPIRES_AT = '2031-06-30T15:00:00+02:00';
const ELS = { name: 'Els Declercq', email: 'els.declercq@zonnebeke.test', function: 'Diensthoofd secretariaat' };
const KOEN = { name: 'Koen Vermeulen', email: 'koen.vermeulen@zonnebeke.test', function: 'Adjunct-directeur' };
const AN = { name: 'An Peeters', email: 'an.peeters@zonnebeke.test', function: 'Algemeen directeur' };
const WIM = { name: 'Wim Vandenberghe', email: 'wim.vandenberghe@zonnebeke.test', function: 'Burgemeester' };
const STATEMENT = 'Bij opdracht van de algemeen directeur';

/** Every line pdftotext reads, trimmed, without empty ones. */
async function textLines(pdf: Buffer, label: string): Promise<string[]> {
  const { stdout } = await exec('pdftotext', ['-enc', 'UTF-8', await writeScratch(pdf, label), '-']);
  return stdout.split('\n').map((line) => line.trim()).filter(Boolean);
}

/** `openssl x509 -subject -nameopt utf8,sep_multiline` of the certificate named `commonName` in the PDF's CMS signatures. */
async function signerSubject(pdf: Buffer, commonName: string): Promise<Map<string, string>> {
  for (const [i, signature] of extractSignatures(pdf).entries()) {
    const cms = join(scratchDir(), `cms-${Date.now()}-${i}.der`);
    await writeFile(cms, signature.contents);
    const { stdout } = await exec('openssl', ['pkcs7', '-inform', 'DER', '-in', cms, '-print_certs']);
    for (const pem of stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
      const file = join(scratchDir(), `cert-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`);
      await writeFile(file, `${pem}\n`);
      const subject = (await exec('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'utf8,sep_multiline'])).stdout;
      const attributes = new Map([...subject.matchAll(/^\s+(\w+)\s*=\s*(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
      if (attributes.get('CN') === commonName) return attributes;
    }
  }
  throw new Error(`no certificate for ${commonName} in the PDF's signatures`);
}

describe('e2e: a delegated and a substituted signature (issue 12)', function () {
  this.timeout(180_000);
  let e2e: E2E;
  let delegated: string;
  let own: string;
  let substituted: string;
  const ids = { director: '', mayor: '', delegation: '' };

  const created = (res: request.Response): string => {
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const tokenOf = async (envelopeId: string, email: string): Promise<string> => (await e2e.theMail(envelopeId, email, 'signRequest')).token!;
  const finalPdf = async (envelopeId: string): Promise<Buffer> => {
    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('completed');
    return e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
  };

  before(async () => {
    e2e = await startE2E();
    const deps = e2e.app.deps;
    const staff = { organisationId: e2e.organisation.id, actor: ACTOR };
    const people: Record<string, string> = {};
    for (const person of [ELS, KOEN, AN, WIM]) people[person.email] = (await addPerson(deps, { ...staff, person })).id;
    ids.director = (await createFunction(deps, { ...staff, name: 'Algemeen directeur' })).id;
    ids.mayor = (await createFunction(deps, { ...staff, name: 'Burgemeester' })).id;
    await addMandate(deps, { ...staff, functionId: ids.director, personId: people[AN.email]!, kind: 'holder', startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: ids.director, personId: people[KOEN.email]!, kind: 'substitute', rank: 1, startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: ids.mayor, personId: people[WIM.email]!, kind: 'holder', startsOn: '2025-01-01' });
    ids.delegation = (await registerDelegation(deps, { ...staff, functionId: ids.director, delegatePersonId: people[ELS.email]!, scope: ['decision', 'other'], validFrom: '2025-01-01', reference: 'Besluit algemeen directeur 2025/12' })).id;

    // The delegate signs for the general director, the mayor for himself; Els also has an envelope of her own.
    delegated = created(
      await e2e.createEnvelope({
        title: 'Aanstelling jobstudenten zomer',
        expiresAt: EXPIRES_AT,
        send: true,
        recipients: [
          { functionId: ids.director, delegationId: ids.delegation, role: 'signer', order: 1 },
          { functionId: ids.mayor, role: 'signer', order: 1 },
        ],
      }),
    );
    own = created(await e2e.createEnvelope({ title: 'Dienstnota secretariaat', expiresAt: EXPIRES_AT, send: true, recipients: [{ ...ELS, role: 'signer' }] }));
    // An is away today: the step naming the general director goes to Koen, who signs as "wnd. algemeen directeur".
    const today = brusselsDay(new Date());
    await recordAbsence(deps.workflow, { ...staff, personId: people[AN.email]!, startsOn: today, endsOn: today, reason: 'verlof' });
    substituted = created(await e2e.createEnvelope({ title: 'Verlenging huurovereenkomst', expiresAt: EXPIRES_AT, send: true, recipients: [{ functionId: ids.director, role: 'signer' }] }));
    await e2e.deliver();
  });
  after(async () => {
    await e2e?.close();
  });

  it('stores how each function step resolved: the delegate with the statement, the substitute with "wnd."', async () => {
    const recipients = (await e2e.getEnvelope(delegated)).recipients as unknown as Array<Record<string, unknown>>;
    expect(recipients.map((r) => [r.name, r.function, r.capacity])).to.deep.equal([
      [ELS.name, ELS.function, 'delegate'],
      [WIM.name, 'Burgemeester', 'holder'],
    ]);
    const [koen] = (await e2e.getEnvelope(substituted)).recipients as unknown as Array<Record<string, unknown>>;
    expect([koen!.name, koen!.function, koen!.capacity]).to.deep.equal([KOEN.name, 'wnd. algemeen directeur', 'substitute']);
  });

  it('the delegate signs both her envelopes in one batch; only the delegated one says "bij opdracht"', async () => {
    const token = await tokenOf(own, ELS.email);
    await downloadDocuments(e2e.app.url, `/s/${token}/batch`, { 'User-Agent': UA });
    const page = await request(e2e.app.url).get(`/s/${token}/batch`).set('User-Agent', UA);
    expect(page.status, page.text.slice(0, 300)).to.equal(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text.slice(page.text.indexOf('/batch/sign"')))![1]!;
    const body = [`_csrf=${encodeURIComponent(csrf)}`, `envelope=${delegated}`, `envelope=${own}`, 'consent=ja'].join('&');
    const signed = await request(e2e.app.url).post(`/s/${token}/batch/sign`).set('User-Agent', UA).type('form').send(body);
    expect(signed.status, signed.text.slice(0, 500)).to.be.oneOf([200, 303]);
    expect((await e2e.getEnvelope(own)).status).to.equal('completed');
    expect((await e2e.getEnvelope(delegated)).recipients.map((r) => r.status)).to.deep.equal(['signed', 'sent']);

    const pdf = await finalPdf(own);
    await expectAllValid(pdf, e2e.rootPem, { count: 1, label: 'own envelope' });
    const lines = await textLines(pdf, 'own');
    expect(lines.join('\n')).to.not.include('Bij opdracht');
    expect(lines.slice(lines.indexOf(ELS.name), lines.indexOf(ELS.name) + 2)).to.deep.equal([ELS.name, ELS.function]);
    expect((await signerSubject(pdf, ELS.name)).get('title')).to.equal(ELS.function);
  });

  it('the delegated decision: statement above name and function, the certificate title says it too, valid for every validator', async () => {
    const signed = await e2e.sign(await tokenOf(delegated, WIM.email), UA);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    const pdf = await finalPdf(delegated);
    const checked = await expectAllValid(pdf, e2e.rootPem, { count: 2, label: 'delegated' });
    expect(checked.pdfsig.map((s) => s.signerCommonName).sort()).to.deep.equal([ELS.name, WIM.name]);

    const lines = await textLines(pdf, 'delegated');
    // The signature page's block label names the delegation, and the signed block states it above name and function.
    expect(lines).to.include(STATEMENT);
    expect(lines).to.include('De burgemeester');
    const block = lines.indexOf(`${STATEMENT},`);
    expect(block, lines.join('\n')).to.be.greaterThan(-1);
    expect(lines.slice(block, block + 4)).to.deep.equal([`${STATEMENT},`, ELS.name, ELS.function, 'Digitaal ondertekend']);
    const wim = lines.indexOf(WIM.name);
    expect(lines.slice(wim, wim + 2)).to.deep.equal([WIM.name, 'Burgemeester']);

    const els = await signerSubject(pdf, ELS.name);
    expect(els.get('title')).to.equal('Diensthoofd secretariaat, bij opdracht van de algemeen directeur');
    expect(els.get('O')).to.equal('Gemeente Zonnebeke');
    expect((await signerSubject(pdf, WIM.name)).get('title')).to.equal('Burgemeester');
  });

  it('the substitute signs as "wnd. algemeen directeur", on the page, in the block and in the certificate; trusted 400 days on', async () => {
    const signed = await e2e.sign(await tokenOf(substituted, KOEN.email), UA);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    const pdf = await finalPdf(substituted);
    const { path } = await expectAllValid(pdf, e2e.rootPem, { count: 1, label: 'substituted' });

    const lines = await textLines(pdf, 'substituted');
    expect(lines).to.include('De wnd. algemeen directeur');
    const koen = lines.indexOf(KOEN.name);
    expect(lines.slice(koen, koen + 3)).to.deep.equal([KOEN.name, 'wnd. algemeen directeur', 'Digitaal ondertekend']);
    expect(lines.join('\n')).to.not.include('Bij opdracht');
    expect((await signerSubject(pdf, KOEN.name)).get('title')).to.equal('wnd. algemeen directeur');

    const later = await pdfsig(path, [e2e.rootPem], { faketime: '+400 days' });
    const signatures = later.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
    expect(signatures, later.stdout).to.have.length(1);
    expect(signatures[0]!.signatureValid, later.stdout).to.equal(true);
    expect(signatures[0]!.certificateTrusted, later.stdout).to.equal(true);
  });

  it('the audit report names the delegation beside the delegate and the substitution beside the substitute', async () => {
    const report = async (envelopeId: string) => {
      const res = await request(e2e.app.url).get(`/api/v1/envelopes/${envelopeId}/audit-report`).set(e2e.auth()).buffer(true).parse(binary);
      expect(res.status).to.equal(200);
      return (await textLines(res.body as Buffer, 'report')).join('\n');
    };
    const delegatedReport = await report(delegated);
    expect(delegatedReport, delegatedReport).to.match(new RegExp(`Hoedanigheid:\\s+Gemachtigde \\(${STATEMENT}\\)`));
    expect(delegatedReport).to.not.include('Waarnemer');
    expect(await report(substituted)).to.match(/Hoedanigheid:\s+Waarnemer/);
  });
});

describe('qualified signing by a delegate: the statement heads the eID signature\'s block (issue 12)', function () {
  this.timeout(120_000);
  let qualified: QualifiedBench;
  before(async () => {
    qualified = await openQualifiedBench();
  });
  after(async () => {
    await qualified?.close();
  });

  it('Jan Peeters, the card\'s holder, signs by delegation of the general director with his eID: block and validators agree', async () => {
    const { bench, eid, deps } = qualified;
    const staff = { organisationId: bench.organisation.id, actor: bench.actor };
    const jan = await addPerson(deps, { ...staff, person: { name: 'Jan Peeters', email: `jan.${Date.now()}@zonnebeke.test`, function: ELS.function } });
    const an = await addPerson(deps, { ...staff, person: { ...AN, email: `an.${Date.now()}@zonnebeke.test` } });
    const director = await createFunction(deps, { ...staff, name: 'Algemeen directeur' });
    await addMandate(deps, { ...staff, functionId: director.id, personId: an.id, kind: 'holder', startsOn: '2025-01-01' });
    const delegation = await registerDelegation(deps, { ...staff, functionId: director.id, delegatePersonId: jan.id, scope: ['other'], validFrom: '2025-01-01' });
    const created = await createEnvelope(deps, {
      ...staff,
      title: 'Overeenkomst met de intercommunale',
      documents: [{ name: 'overeenkomst.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [{ functionId: director.id, delegationId: delegation.id, role: 'signer', routingOrder: 1, signatureLevel: 'qualified' }],
    });
    await sendEnvelope(deps, { ...staff, envelopeId: created.id });
    const token = await lastToken(bench, jan.email);
    await readDocuments(deps, token);

    const presented = await presentSigningCertificate(deps, { token, certificate: eid.card.signatureCertDer, method: 'web-eid' });
    const signatures = await Promise.all(presented.documents.map((d) => eid.card.signHash(d.digest, 'sha384')));
    const signed = await completeQualifiedSignature(deps, { token, sessionId: presented.sessionId, signatures });
    expect(signed.envelope.status).to.equal('completed');

    const revisions = await revisionsOf(deps.db, created.documents[0]!.id);
    const pdf = await deps.blobs.get(revisions.at(-1)!.blobSha256);
    await expectAllValid(pdf, [bench.pki.rootPem, eid.card.rootPem], { count: 1, label: 'qualified delegate' });
    const lines = await textLines(pdf, 'qualified-delegate');
    const block = lines.indexOf(`${STATEMENT},`);
    expect(lines.slice(block, block + 4), lines.join('\n')).to.deep.equal([`${STATEMENT},`, 'Jan Peeters', ELS.function, 'Gekwalificeerde elektronische handtekening']);
    // The certificate is the card's own: it names the person, not the delegation.
    const card = await signerSubject(pdf, 'Jan Peeters (Signature)');
    expect(card.get('title')).to.equal(undefined);
  });
});
