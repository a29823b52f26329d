/**
 * `cert revoke` and `cert list-revoked` run as processes, as an operator would: the revocation is dated to the
 * certificate's start, is idempotent, and the organisation's CRL (signed by its CA, checked by openssl) lists it.
 */
import { expect } from 'chai';
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendAuditEvent } from '../../../src/audit/chain.ts';
import { loadOrCreateDevPki, type DevPki } from '../../../src/keys/index.ts';
import { organisationBySlug, type Knex, type Organisation } from '../../../src/store/index.ts';
import { currentCrl } from '../../../src/workflow/pki-publication.ts';
import { cli, cliWorkspace, type CliWorkspace } from './helpers.ts';

describe('admin CLI: cert revoke / cert list-revoked', function () {
  this.timeout(120_000);
  let workspace: CliWorkspace;
  let work: string;
  let env: Record<string, string>;
  let db: Knex;
  let pki: DevPki;
  let org: Organisation;
  let leaf: X509Certificate;

  before(async () => {
    workspace = await cliWorkspace('paraaf-cert-cli-', { slug: 'zemst', name: 'Gemeente Zemst' });
    ({ work, env, db } = workspace);
    org = (await organisationBySlug(db, 'zemst'))!;
    pki = await loadOrCreateDevPki({ directory: path.join(work, 'certs', 'dev') });
    const key = await (await pki.provider.forOrganisation(org)).issueOneShot({ name: 'An Peeters' });
    leaf = new X509Certificate(key.certificates[0]);
    // What signing records (sign-envelope.ts): the certificate's serial, start and issuer.
    await appendAuditEvent(db, {
      organisationId: org.id,
      envelopeId: null,
      event: {
        action: 'recipient.signed',
        details: {
          recipientId: randomUUID(),
          documentId: randomUUID(),
          fieldName: 'Handtekening 1',
          signedRevisionSha256: '0'.repeat(64),
          revisionSeq: 2,
          revisionSha256: '1'.repeat(64),
          certificate: {
            fingerprintSha256: createHash('sha256').update(leaf.raw).digest('hex'),
            serialNumber: leaf.serialNumber,
            subject: leaf.subject.replace(/\n/g, ', '),
            notBefore: new Date(leaf.validFrom).toISOString(),
            issuerSha256: createHash('sha256').update(key.certificates[1]).digest('hex'),
          },
        },
      },
      actor: { kind: 'recipient', id: randomUUID(), label: 'An Peeters' },
      occurredAt: new Date(),
    });
  });
  after(() => workspace?.close());

  it('revokes from the certificate\'s start, once, and the CRL lists it', async () => {
    const serial = leaf.serialNumber.toLowerCase().replace(/^0+/, '');
    const run = await cli(['cert', 'revoke', leaf.serialNumber, '--org', 'zemst', '--reason', 'keyCompromise', '--note', 'fraude'], env);
    expect(run.code, run.stderr).to.equal(0);
    const start = new Date(leaf.validFrom).toISOString();
    expect(run.stdout).to.equal(`Revoked certificate ${serial} of 'zemst' (C=BE, O=Gemeente Zemst, CN=An Peeters), as of ${start}, reason keyCompromise.\n`);
    const again = await cli(['cert', 'revoke', leaf.serialNumber, '--org', 'zemst'], env);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/^Already revoked: certificate /);

    const listed = await cli(['cert', 'list-revoked', '--org', 'zemst'], env);
    expect(listed.stdout).to.match(new RegExp(`^${serial}  revoked as of ${start}  keyCompromise  recorded \\S+  fraude\\n$`));

    const ca = (await pki.provider.authority('zemst'))!;
    writeFileSync(path.join(work, 'zemst.crl'), await currentCrl({ db, clock: () => new Date() }, ca));
    writeFileSync(path.join(work, 'ca.pem'), new X509Certificate(ca.certificates[0]).toString());
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', 'zemst.crl', '-CAfile', 'ca.pem', '-noout', '-text'], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(text).to.contain(`Serial Number: ${leaf.serialNumber}`).and.contain('Key Compromise');
  });

  it('refuses an unknown certificate, a bad reason and a missing --org', async () => {
    const unknown = await cli(['cert', 'revoke', 'abcdef', '--org', 'zemst'], env);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('certificate_not_found');
    expect((await cli(['cert', 'revoke', 'abcdef', '--org', 'zemst', '--reason', 'boos'], env)).code).to.equal(2);
    expect((await cli(['cert', 'revoke', 'abcdef'], env)).code).to.equal(2);
    expect((await cli(['cert', 'revoke', 'xyz', '--org', 'zemst'], env)).stderr).to.contain('not a hexadecimal serial number');
  });
});
