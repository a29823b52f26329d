/**
 * E2E with BLOB_STORE=s3 (issue 11): a server whose documents live in a real S3-compatible store
 * takes an envelope over the API, two signers sign through the links in their mails, and the final
 * PDF downloads and validates (pdfsig, qpdf, openssl); every revision is an object in the bucket and
 * nothing was written to DATA_DIR/blobs; the audit check reads every blob back from the bucket.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../src/store/s3-blob-store.ts';
import { expectAllValid } from '../engine/check.ts';
import { startE2E, type E2E } from '../e2e/harness.ts';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.ts';

const SIGNERS = [
  { name: 'An Peeters', email: 'an.peeters@zonnebeke.test', function: 'Algemeen directeur' },
  { name: 'Bart Claes', email: 'bart.claes@zonnebeke.test', function: 'Voorzitter' },
];

describe('store: e2e signing with BLOB_STORE=s3', function () {
  this.timeout(120_000);
  let s3: S3TestServer;
  let e2e: E2E;

  before(async () => {
    s3 = await startS3Server();
    e2e = await startE2E({ env: { BLOB_STORE: 's3', ...s3.env, S3_PREFIX: 'paraaf' } });
  });
  after(async () => {
    await e2e?.close();
    await s3?.close();
  });

  it('signs an envelope through the links, and the final PDF from the bucket validates', async () => {
    const created = await e2e.createEnvelope({
      title: 'Besluit gemeenteraad — documenten in objectopslag',
      recipients: SIGNERS.map((signer, index) => ({ ...signer, role: 'signer', order: index + 1 })),
      send: true,
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const envelopeId = created.body.id as string;
    for (const signer of SIGNERS) {
      await e2e.deliver();
      const { token } = await e2e.theMail(envelopeId, signer.email, 'signRequest');
      const signed = await e2e.sign(token!);
      expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    }
    const envelope = await e2e.getEnvelope(envelopeId);
    expect(envelope.status).to.equal('completed');

    const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
    const checked = await expectAllValid(pdf, e2e.rootPem, { count: 2, label: 'final PDF from s3' });
    expect(checked.pdfsig.map((s) => s.signerCommonName)).to.deep.equal(SIGNERS.map((s) => s.name));

    // Every revision (original, prepared, two signatures with their DSS, the archive timestamp) is an object under the prefix.
    const revisions = (await e2e.app.deps.db('revisions').select('blob_sha256')).map((row) => String(row.blob_sha256));
    const client = createS3Client(e2e.app.config.s3!);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'paraaf/' }));
    const keys = new Set((listed.Contents ?? []).map((object) => object.Key));
    expect(revisions.length).to.be.greaterThan(4);
    for (const sha256 of revisions) expect(keys.has(`paraaf/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`), sha256).to.equal(true);
    const fsBlobs = await fs.readdir(path.join(e2e.app.dataDir, 'blobs')).catch(() => []);
    expect(fsBlobs, 'nothing in DATA_DIR/blobs').to.deep.equal([]);

    const report = await e2e.app.handle.jobs.auditCheck();
    expect(report.ok, JSON.stringify(report).slice(0, 500)).to.equal(true);
  });
});
