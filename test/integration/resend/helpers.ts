/** What the correct-and-resend tests share (issue 12): corrected PDFs, text read back, the envelope's revisions. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import request from 'supertest';
import { verifyAuditTrails } from '../../../src/audit/verify-trail.ts';
import { documentsOf, revisionsOf, type Revision } from '../../../src/store/document-repository.ts';
import { writeScratch } from '../engine/check.ts';
import type { E2E } from '../e2e/harness.ts';

const exec = promisify(execFile);

/** A decision as the secretariat corrects it: `pages` A4 pages, the first one saying `text`. */
export async function correctedDecision(text: string, pages = 1): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const page = pdf.addPage([595.28, 841.89]);
    page.drawText(i === 0 ? text : `Bijlage ${i}`, { x: 72, y: 760, size: 12, font });
  }
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}

export async function pdfText(pdf: Buffer): Promise<string> {
  return (await exec('pdftotext', ['-enc', 'UTF-8', await writeScratch(pdf, 'resend-text'), '-'])).stdout;
}

/** Every revision of the envelope's documents, in document then seq order. */
export async function revisionsOfEnvelope(e2e: E2E, envelopeId: string): Promise<Revision[]> {
  const documents = await documentsOf(e2e.app.deps.db, e2e.organisation.id, envelopeId);
  return (await Promise.all(documents.map((d) => revisionsOf(e2e.app.deps.db, d.id)))).flat();
}

/** `audit verify` on this envelope's chain: no break, every revision's blob there. */
export async function expectChainClean(e2e: E2E, envelopeId: string): Promise<void> {
  const report = await verifyAuditTrails(e2e.app.deps.db, e2e.app.deps.blobs, { organisationId: e2e.organisation.id, envelopeId });
  expect(report.chains, 'one chain').to.have.length(1);
  expect(report.chains[0]!.breaks, JSON.stringify(report.chains[0]!.breaks)).to.deep.equal([]);
  expect(report.broken).to.equal(0);
}

/** The sealed audit report's text (GET /api/v1/envelopes/{id}/audit-report). */
export async function auditReportText(e2e: E2E, envelopeId: string): Promise<string> {
  const res = await request(e2e.app.url)
    .get(`/api/v1/envelopes/${envelopeId}/audit-report`)
    .set(e2e.auth())
    .buffer(true)
    .parse((r, callback) => {
      const chunks: Buffer[] = [];
      r.on('data', (chunk: Buffer) => chunks.push(chunk));
      r.on('end', () => callback(null, Buffer.concat(chunks)));
    });
  expect(res.status).to.equal(200);
  return (await pdfText(res.body as Buffer)).replace(/\s+/g, ' ');
}

/** POST /api/v1/envelopes/{id}/resend with corrected files as `documents[<id>]`. */
export function resendOverApi(e2e: E2E, envelopeId: string, files: Array<{ documentId: string; pdf: Buffer; name: string }>, fields: Record<string, string> = {}) {
  let req = request(e2e.app.url).post(`/api/v1/envelopes/${envelopeId}/resend`).set(e2e.auth());
  for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
  for (const file of files) req = req.attach(`documents[${file.documentId}]`, file.pdf, { filename: file.name, contentType: 'application/pdf' });
  return req.then((res) => res);
}
