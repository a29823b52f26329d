import type { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PDFDocument } from 'pdf-lib';
import request from 'supertest';
import type { ValidationReport, VerifyPdfOptions } from '../../../src/pades/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

async function unsignedPdf(): Promise<Buffer> {
  const document = await PDFDocument.create();
  document.addPage([595, 842]).drawText('Besluit van de gemeenteraad', { x: 50, y: 780, size: 14 });
  return Buffer.from(await document.save());
}

async function tmpEntries(app: TestApp): Promise<string[]> {
  return fs.readdir(path.join(app.dataDir, 'tmp')).catch(() => []);
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code, type: `https://paraaf.dev/problems/${code}` });
}

describe('POST /api/v1/verify', () => {
  describe('upload errors', () => {
    let app: TestApp;
    before(async () => {
      app = await bootstrap({ env: { MAX_UPLOAD_MB: '0.01' } }); // ~10 KiB
    });
    after(async () => {
      await app.close();
    });

    it('rejects a multipart body without a file with 400 file_missing', async () => {
      const res = await request(app.url).post('/api/v1/verify').field('note', 'no file here');
      expectProblem(res, 400, 'file_missing');
    });

    it('rejects a file in another field with 400 file_field_unexpected', async () => {
      const res = await request(app.url).post('/api/v1/verify').attach('document', Buffer.from('%PDF-1.7\n'), 'a.pdf');
      expectProblem(res, 400, 'file_field_unexpected');
    });

    it('rejects a file over MAX_UPLOAD_MB with 413 payload_too_large and keeps no temporary file', async () => {
      const res = await request(app.url).post('/api/v1/verify').attach('file', Buffer.alloc(64 * 1024, 0x20), 'big.pdf');
      expectProblem(res, 413, 'payload_too_large');
      expect(await tmpEntries(app)).to.deep.equal([]);
    });

    it('rejects a JSON body with 415 unsupported_media_type', async () => {
      const res = await request(app.url).post('/api/v1/verify').send({ file: 'JVBERi0=' });
      expectProblem(res, 415, 'unsupported_media_type');
    });

    it('rejects a raw PDF body with 415 unsupported_media_type', async () => {
      const res = await request(app.url).post('/api/v1/verify').set('Content-Type', 'application/pdf').send(Buffer.from('%PDF-1.7\n'));
      expectProblem(res, 415, 'unsupported_media_type');
    });

    it('rejects a truncated multipart body with 400 upload_malformed', async () => {
      const res = await request(app.url)
        .post('/api/v1/verify')
        .set('Content-Type', 'multipart/form-data; boundary=XyZ')
        .send('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.7');
      expectProblem(res, 400, 'upload_malformed');
      expect(await tmpEntries(app)).to.deep.equal([]);
    });
  });

  describe('with an injected verifier', () => {
    let app: TestApp;
    const calls: { pdf: Buffer; options: VerifyPdfOptions }[] = [];
    const anchors: X509Certificate[] = [];
    const report: ValidationReport = { verdict: 'no_signatures', valid: false, revisions: 1, validationTime: '2026-12-06T00:00:00.000Z', signatures: [], problems: [] };

    before(async () => {
      app = await bootstrap({
        trustAnchors: anchors,
        verifyPdf: async (pdf, options) => {
          calls.push({ pdf, options });
          return report;
        },
      });
    });
    after(async () => {
      await app.close();
    });

    it('passes the uploaded bytes and the trust anchors, returns the report and removes the temporary file', async () => {
      const pdf = await unsignedPdf();
      const res = await request(app.url).post('/api/v1/verify').attach('file', pdf, 'besluit.pdf').expect(200);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.body).to.deep.equal(report);
      expect(calls).to.have.length(1);
      expect(calls[0].pdf.equals(pdf)).to.equal(true);
      expect(calls[0].options.trustAnchors).to.equal(anchors);
      expect(calls[0].options.at).to.equal(undefined);
      // Our own CAs answer live beside what the file embeds (a revocation after signing shows).
      expect(calls[0].options.revocation).to.equal(app.deps.workflow.revocation);
      expect(await tmpEntries(app)).to.deep.equal([]);
    });

    it('passes `at` from the form field or the query string as the validation time', async () => {
      const pdf = await unsignedPdf();
      await request(app.url).post('/api/v1/verify').field('at', '2046-12-06T10:00:00Z').attach('file', pdf, 'besluit.pdf').expect(200);
      expect(calls[calls.length - 1].options.at?.toISOString()).to.equal('2046-12-06T10:00:00.000Z');
      await request(app.url).post('/api/v1/verify?at=2030-01-01').attach('file', pdf, 'besluit.pdf').expect(200);
      expect(calls[calls.length - 1].options.at?.toISOString()).to.equal('2030-01-01T00:00:00.000Z');
    });

    it('rejects an `at` that is not a date with 400 at_invalid', async () => {
      const before = calls.length;
      const res = await request(app.url).post('/api/v1/verify').field('at', 'next year').attach('file', await unsignedPdf(), 'besluit.pdf');
      expectProblem(res, 400, 'at_invalid');
      expect(calls).to.have.length(before);
      expect(await tmpEntries(app)).to.deep.equal([]);
    });
  });

  describe('when the verifier fails unexpectedly', () => {
    let app: TestApp;
    before(async () => {
      app = await bootstrap({
        verifyPdf: async () => {
          throw new Error('secret internal detail /srv/paraaf/keys');
        },
      });
    });
    after(async () => {
      await app.close();
    });

    it('answers 500 internal_error without leaking the cause', async () => {
      const res = await request(app.url).post('/api/v1/verify').attach('file', await unsignedPdf(), 'besluit.pdf');
      expectProblem(res, 500, 'internal_error');
      expect(res.text).not.to.contain('secret');
      expect(res.body.requestId).to.equal(res.headers['x-request-id']);
    });
  });

  // Runs against the real PAdES verifier (src/pades).
  describe('with the real verifier', () => {
    let app: TestApp;
    before(async () => {
      app = await bootstrap();
    });
    after(async () => {
      await app.close();
    });

    it('reports an unsigned PDF as no_signatures', async () => {
      const res = await request(app.url).post('/api/v1/verify').attach('file', await unsignedPdf(), 'besluit.pdf').expect(200);
      expect(res.body).to.include({ verdict: 'no_signatures', valid: false });
      expect(res.body.signatures).to.deep.equal([]);
    });

    it('rejects bytes that are not a PDF with 422 pdf_invalid', async () => {
      const res = await request(app.url).post('/api/v1/verify').attach('file', Buffer.from('this is not a pdf'), 'notes.pdf');
      expectProblem(res, 422, 'pdf_invalid');
    });
  });
});
