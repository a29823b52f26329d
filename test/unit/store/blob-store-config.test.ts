/** BLOB_STORE and S3_* (issue 11): what the configuration accepts, derives and refuses at start. */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.ts';

function issuesOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  return [];
}

describe('config: blob stores', () => {
  const s3 = { BLOB_STORE: 's3', S3_BUCKET: 'paraaf-documents', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' };

  it('reads an S3-compatible endpoint: path style by default, region us-east-1, the prefix ending in /', () => {
    const config = loadConfig({ ...s3, S3_ENDPOINT: 'https://s3.regio.example/', S3_PREFIX: '/paraaf' });
    expect(config.blobStore).to.equal('s3');
    expect(config.s3).to.deep.equal({
      endpoint: 'https://s3.regio.example',
      bucket: 'paraaf-documents',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
      prefix: 'paraaf/',
    });
  });

  it('uses virtual-host style without an endpoint (AWS itself) unless S3_FORCE_PATH_STYLE says otherwise', () => {
    expect(loadConfig({ ...s3, S3_REGION: 'eu-west-3' }).s3).to.deep.include({ endpoint: undefined, region: 'eu-west-3', forcePathStyle: false, prefix: '' });
    expect(loadConfig({ ...s3, S3_FORCE_PATH_STYLE: 'true' }).s3?.forcePathStyle).to.equal(true);
    expect(loadConfig({ ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: '0' }).s3?.forcePathStyle).to.equal(false);
  });

  it('leaves the credentials to the SDK when neither key is set', () => {
    expect(loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'paraaf-documents' }).s3).to.deep.include({ accessKeyId: undefined, secretAccessKey: undefined });
  });

  it('keeps S3_* for `blobs migrate --to s3` while BLOB_STORE is still fs', () => {
    const config = loadConfig({ S3_BUCKET: 'paraaf-documents' });
    expect(config.blobStore).to.equal('fs');
    expect(config.s3?.bucket).to.equal('paraaf-documents');
    expect(loadConfig({}).s3).to.equal(undefined);
  });

  it('refuses BLOB_STORE=s3 without a bucket, one key without the other, and a bad bucket name', () => {
    expect(issuesOf({ BLOB_STORE: 's3' })).to.deep.equal(['S3_BUCKET: required with BLOB_STORE=s3']);
    expect(issuesOf({ ...s3, S3_SECRET_ACCESS_KEY: '' })).to.deep.equal(["S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither (the SDK's own credentials then)"]);
    expect(issuesOf({ ...s3, S3_BUCKET: 'Paraaf_Docs' })[0]).to.match(/^S3_BUCKET: expected an S3 bucket name/);
    expect(issuesOf({ ...s3, S3_ENDPOINT: 'ftp://s3.example' })[0]).to.match(/^S3_ENDPOINT:/);
  });

  it('refuses BLOB_STORE=db on SQLite and accepts it on PostgreSQL', () => {
    expect(issuesOf({ BLOB_STORE: 'db', DATABASE_URL: './data/paraaf.sqlite3' })).to.have.length(1);
    expect(issuesOf({ BLOB_STORE: 'db', DATABASE_URL: 'postgresql://paraaf@db/paraaf', SIGNER_SECRET: 'x'.repeat(32) })).to.deep.equal([]);
  });
});
