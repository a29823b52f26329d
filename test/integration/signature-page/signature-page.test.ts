/**
 * The appended signature page (issue 12), read back with pdftotext: headed with the decision body, the sitting's date
 * and the decision's title; the "Namens …" line staff set, or made from the body; each signer's name and function
 * printed once (by the signature's appearance), not also above the block. Through the engine, and over the API for a
 * meeting envelope and a single one with its own `onBehalfOf`.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { defaultOnBehalfOf, signaturePageHeader } from '../../../src/domain/signature-page.ts';
import { prepareForSigning, signPdf, type SignerSlot } from '../../../src/index.ts';
import type { DevPki } from '../../../src/keys/index.ts';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { writeScratch } from '../engine/check.ts';
import { FIXTURES, tempDevPki } from '../engine/pki.ts';

const exec = promisify(execFile);
const lastPage = async (pdf: Buffer): Promise<string> => {
  const file = await writeScratch(pdf, 'signature-page');
  const pages = Number(/^Pages:\s+(\d+)/m.exec((await exec('pdfinfo', [file])).stdout)![1]);
  return (await exec('pdftotext', ['-f', String(pages), '-l', String(pages), '-enc', 'UTF-8', file, '-'])).stdout;
};
const count = (text: string, part: string) => text.split(part).length - 1;

const SIGNERS: SignerSlot[] = [
  { label: 'De algemeen directeur', name: 'An Peeters', function: 'Algemeen directeur' },
  { label: 'De voorzitter', name: 'Bart De Smet', function: 'Voorzitter gemeenteraad' },
];

describe('the signature page: body, sitting, decision, "Namens …", name and function once', function () {
  this.timeout(180_000);

  it('makes "Namens de/het …" from the body', () => {
    expect(defaultOnBehalfOf('Gemeenteraad')).to.equal('Namens de gemeenteraad');
    expect(defaultOnBehalfOf('College van burgemeester en schepenen')).to.equal('Namens het college van burgemeester en schepenen');
    expect(defaultOnBehalfOf('Vast bureau')).to.equal('Namens het vast bureau');
    expect(defaultOnBehalfOf('OCMW-raad')).to.equal('Namens de OCMW-raad');
    expect(defaultOnBehalfOf(null)).to.equal(undefined);
    expect(signaturePageHeader({ body: null, title: 'Besluit' })).to.deep.equal({ title: 'Ondertekening', subtitle: 'Besluit' });
    expect(signaturePageHeader({ body: 'Gemeenteraad', meetingDate: '2026-12-03', title: 'Besluit', onBehalfOf: 'Namens de raad' }).title).to.equal('Gemeenteraad — zitting van 3 december 2026');
  });

  describe('engine', () => {
    let pki: DevPki;
    before(async () => {
      pki = await tempDevPki();
    });

    it('prints the head, and each name and function once when signed', async () => {
      const header = signaturePageHeader({ body: 'Gemeenteraad', meetingDate: '2026-12-03', title: 'Aankoop grond Ieperstraat' });
      const prepared = prepareForSigning(readFileSync(join(FIXTURES, 'libreoffice-decision.pdf')), { signers: SIGNERS, ...header });
      const before = await lastPage(prepared.pdf);
      expect(before).to.include('Gemeenteraad — zitting van 3 december 2026').and.include('Aankoop grond Ieperstraat').and.include('Namens de gemeenteraad');
      expect(before).to.include('De algemeen directeur').and.include('De voorzitter').and.not.include('An Peeters').and.not.include('Ondertekening');
      let signed = prepared.pdf;
      for (const [i, field] of prepared.fields.entries()) {
        const signer = SIGNERS[i]!;
        const key = await pki.issuer.issueOneShot({ name: signer.name, title: signer.function });
        signed = await signPdf(signed, { key, fieldName: field.fieldName, signer: { name: signer.name, function: signer.function } });
      }
      const after = await lastPage(signed);
      for (const signer of SIGNERS) {
        expect(count(after, signer.name), `${signer.name} on the page`).to.equal(1);
        expect(count(after, signer.function!), `${signer.function} on the page`).to.equal(1);
      }
    });
  });

  describe('over the API', () => {
    let app: TestApp;
    let auth: { Authorization: string };
    const recipients = SIGNERS.map((s, i) => ({ name: s.name, email: `signer${i}@zonnebeke.be`, role: 'signer', order: i + 1, function: s.function }));
    const create = (envelope: Record<string, unknown>) =>
      request(app.url).post('/api/v1/envelopes').set(auth).field('envelope', JSON.stringify({ recipients, ...envelope })).attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    const preparedPage = async (envelopeId: string): Promise<string> => {
      const envelope = await request(app.url).get(`/api/v1/envelopes/${envelopeId}`).set(auth).expect(200);
      const pdf = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${envelope.body.documents[0].id}`).set(auth).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(pdf.status).to.equal(200);
      return lastPage(pdf.body as Buffer);
    };

    before(async () => {
      app = await bootstrap({ pki: await devPki(), env: { BASE_URL: 'https://paraaf.test' } });
      const org = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
      auth = { Authorization: `Bearer ${(await createApiKey(app.deps.db, org.id, { name: 'notulen' })).plaintext}` };
    });
    after(async () => {
      await app?.close();
    });

    it('a single envelope: its body heads the page and its own onBehalfOf stands above the blocks', async () => {
      const created = await create({ title: 'Reglement parkeren', body: 'College van burgemeester en schepenen', onBehalfOf: 'Namens het college, bij delegatie', send: true });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.onBehalfOf).to.equal('Namens het college, bij delegatie');
      const text = await preparedPage(created.body.id);
      expect(text).to.include('College van burgemeester en schepenen').and.include('Reglement parkeren').and.include('Namens het college, bij delegatie');
      expect(text).to.not.include('zitting van').and.not.include('Ondertekening');
    });

    it('a meeting envelope: the meeting body and date head the page, "Namens de gemeenteraad" by default', async () => {
      const meeting = await request(app.url).post('/api/v1/meetings').set(auth).send({ body: 'gemeenteraad', title: 'Gemeenteraad 3 december', date: '2026-12-03' });
      expect(meeting.status, JSON.stringify(meeting.body)).to.equal(201);
      const created = await create({ title: 'Aankoop grond Ieperstraat', meetingId: meeting.body.id, agendaItem: '2', kind: 'decision' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.onBehalfOf).to.equal(null);
      expect((await request(app.url).post(`/api/v1/meetings/${meeting.body.id}/send`).set(auth)).status).to.be.oneOf([200, 202]);
      const text = await preparedPage(created.body.id);
      expect(text).to.include('Gemeenteraad — zitting van 3 december 2026').and.include('Punt 2 – Aankoop grond Ieperstraat').and.include('Namens de gemeenteraad');
    });
  });
});
