/** For the blob store tests over HTTP: one organisation with an API key and one uploaded PDF, and a download of its bytes. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, type Knex } from '../../../src/store/index.ts';
import { fixture } from '../api/helpers.ts';

export const PDF = fixture('reportlab-decision.pdf');

export interface UploadedDocument {
  apiKey: string;
  /** `/api/v1/envelopes/<id>/documents/<docId>` (the current revision; add `/original` for the upload). */
  documentPath: string;
}

export async function uploadDocument(url: string, db: Knex): Promise<UploadedDocument> {
  const organisation = await createOrganisation(db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
  const apiKey = (await createApiKey(db, organisation.id, { name: 'zaaksysteem' })).plaintext;
  const created = await request(url)
    .post('/api/v1/envelopes')
    .set('Authorization', `Bearer ${apiKey}`)
    .field('envelope', JSON.stringify({ title: 'Besluit', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.test', role: 'signer', order: 1 }] }))
    .attach('documents', PDF, { filename: 'besluit.pdf', contentType: 'application/pdf' });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  return { apiKey, documentPath: `/api/v1/envelopes/${created.body.id}/documents/${created.body.documents[0].id}` };
}

/** GET with the API key, the body as bytes whatever its type. */
export function getBytes(url: string, path: string, apiKey: string): request.Test {
  return request(url).get(path).set('Authorization', `Bearer ${apiKey}`).buffer(true).parse((res, callback) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => callback(null, Buffer.concat(chunks)));
  });
}
