/**
 * What one HTTP sign request costs the database (issue 11): the statements a signer's POST
 * /s/<token>/sign sends, counted with countStatements (BEGIN and COMMIT included), for a signer
 * whose signature does not complete the envelope, for one that mails the next signer and for the last one, which
 * completes the envelope and archive-timestamps it (B-LTA) in the same transaction. Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL. PRINT_STATEMENTS=1 lists them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { updateOrganisation } from '../../../src/store/organisations.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import { documentsOf, revisionsOf } from '../../../src/store/document-repository.ts';
import { insertSigningLink } from '../../../src/store/signing-link-repository.ts';
import { tokenHash } from '../../../src/workflow/notifications.ts';
import { countStatements } from '../../../src/store/statement-counter.ts';
import { revokeCertificate } from '../../../src/store/revoked-certificates.ts';
import { certificateSha256 } from '../../../src/workflow/pki-publication.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const BASE_URL = 'https://paraaf.test';
const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/;
/** The ordinary sign request (issue 11). */
export const SIGN_REQUEST_STATEMENTS = 12;

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page.slice(page.indexOf('/sign"')))![1]!;

describe('the statements of one sign request', function () {
  this.timeout(120_000);
  let app: TestApp;
  let key: string;
  let organisation: Organisation;

  const sendEnvelope = async (recipients: Array<Record<string, unknown>>): Promise<string> => {
    const envelope = { title: 'Besluit', recipients, send: true };
    const res = await request(app.url)
      .post('/api/v1/envelopes')
      .set({ Authorization: `Bearer ${key}` })
      .field('envelope', JSON.stringify(envelope))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const linkFor = async (email: string, envelopeId: string): Promise<string> => {
    const tokens = (await listOutbox(app.deps.db, organisation.id, { kind: 'mail' }))
      .map((row) => row.payload as MailMessage)
      .filter((m) => m.to.email === email && m.headers?.['X-Paraaf-Envelope'] === envelopeId)
      .map((m) => LINK.exec(m.text)?.[1])
      .filter((t): t is string => !!t);
    expect(tokens, `a link mailed to ${email}`).to.not.be.empty;
    return tokens.at(-1)!;
  };
  /** Opens the page (as a signer does first), then counts only the sign POST: its statements. */
  const signedStatements = async (token: string): Promise<string[]> => {
    const page = await request(app.url).get(`/s/${token}`).expect(200);
    // Reading before signing (issue 12): the signer downloads each document; the check is part of the counted request.
    expect(await downloadDocuments(app.url, `/s/${token}`)).to.be.greaterThan(0);
    const counter = countStatements(app.deps.db);
    const res = await request(app.url).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrfOf(page.text) });
    const count = counter.stop();
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    if (process.env.PRINT_STATEMENTS) console.log(`${count} statements:\n  ${counter.statements.join('\n  ')}`);
    return counter.statements;
  };
  const countedSign = async (token: string) => (await signedStatements(token)).length;

  let pki: Awaited<ReturnType<typeof devPki>>;
  before(async () => {
    pki = await devPki();
    app = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'x'.repeat(40) } });
    organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    key = (await createApiKey(app.deps.db, organisation.id, { name: 'zaaksysteem' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });

  it(`a signer in parallel, and the last one, whose signature completes the envelope with its archive timestamp: at most ${SIGN_REQUEST_STATEMENTS} statements each`, async () => {
    const envelopeId = await sendEnvelope([
      { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 },
      { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 1 },
    ]);
    const first = await countedSign(await linkFor('an@zonnebeke.be', envelopeId));
    console.log(`      sign request, not the last signer: ${first} statements`);
    expect(first).to.be.at.most(SIGN_REQUEST_STATEMENTS);
    // The envelope was in progress already: the second of three parallel signers is the steady state.
    const statements = await signedStatements(await linkFor('bart@zonnebeke.be', envelopeId));
    console.log(`      sign request, the last signer (completes the envelope, B-LTA, mails): ${statements.length} statements`);
    expect(statements.length, statements.join('\n')).to.be.at.most(SIGN_REQUEST_STATEMENTS);
    // One transaction: the archive timestamp (B-LTA) was made with the signature, not in a transaction of its own after it.
    expect(statements.filter((sql) => /^BEGIN/.test(sql))).to.have.length(1);
    const [document] = await documentsOf(app.deps.db, organisation.id, envelopeId);
    expect((await revisionsOf(app.deps.db, document!.id)).map((r) => r.kind)).to.deep.equal(['original', 'prepared', 'signature', 'ltv', 'signature', 'ltv', 'timestamp']);
  });

  it(`a signer in sequential routing, whose signature mails the next one: at most ${SIGN_REQUEST_STATEMENTS} statements`, async () => {
    const envelopeId = await sendEnvelope([
      { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 },
      { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2 },
    ]);
    const statements = await signedStatements(await linkFor('an@zonnebeke.be', envelopeId));
    const count = statements.length;
    console.log(`      sign request, sequential, mails the next signer: ${count} statements`);
    expect(count).to.be.at.most(SIGN_REQUEST_STATEMENTS);
    // The next signer's link, their recipient row and their mail go with the signature's rows and events: on PostgreSQL
    // one statement (writeTogether), on SQLite one after the other.
    const writes = statements.filter((sql) => /^(insert|update|with)\b/i.test(sql) && !/rate_limit_buckets/.test(sql));
    if (process.env.TEST_DATABASE_URL) expect(writes, statements.join('\n')).to.have.length(1);
    else expect(writes.map((sql) => /^(?:insert into|update) [`"](\w+)/i.exec(sql)?.[1])).to.deep.equal(['revisions', 'recipients', 'signing_links', 'recipients', 'outbox', 'audit_events']);
    const next = await request(app.url).get(`/s/${await linkFor('bart@zonnebeke.be', envelopeId)}`);
    expect(next.status, 'the next signer\'s new link opens their page').to.equal(200);
  });

  it('the last signature of an envelope sent through the API tells the notice addresses from the organisation read with the link', async () => {
    await updateOrganisation(app.deps.db, organisation.id, { settings: { noticeEmails: ['secretariaat@zonnebeke.be'], defaultLanguage: 'fr' } });
    try {
      const envelopeId = await sendEnvelope([{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 }]);
      const statements = await signedStatements(await linkFor('an@zonnebeke.be', envelopeId));
      // The link read joins the organisation; nothing after it reads the organisation again.
      expect(statements.filter((sql) => /from [`"]organisations[`"]/i.test(sql)), statements.join('\n')).to.deep.equal([]);
      const notices = (await listOutbox(app.deps.db, organisation.id, { kind: 'mail' }))
        .map((row) => row.payload as MailMessage)
        .filter((m) => m.to.email === 'secretariaat@zonnebeke.be' && m.headers?.['X-Paraaf-Envelope'] === envelopeId);
      expect(notices, 'the completion mail to the notice address').to.have.length(1);
      // In the organisation's language, under its name: the settings read with the link.
      expect(notices[0]!.subject).to.equal('Signé : Besluit');
      expect(notices[0]!.text).to.include('Gemeente Zonnebeke');
      if (process.env.PRINT_MAIL) console.log(notices[0]!.text);
    } finally {
      await updateOrganisation(app.deps.db, organisation.id, { settings: {} });
    }
  });

  it('reads what our CAs revoked once, and again only after another revocation is recorded', async () => {
    const revocationReads = (statements: string[]) => statements.filter((sql) => /^select \* from [`"]revoked_certificates[`"]/i.test(sql)).length;
    const envelopeId = await sendEnvelope(['an', 'bart', 'carine', 'dirk'].map((name) => ({ name, email: `${name}@zonnebeke.be`, role: 'signer', order: 1 })));
    const sign = async (name: string) => revocationReads(await signedStatements(await linkFor(`${name}@zonnebeke.be`, envelopeId)));
    await revokeCertificate(app.deps.db, { issuerSha256: certificateSha256(pki.rootCertificate.raw), serial: randomBytes(8), organisationId: null, revokedAt: new Date(), now: new Date() });
    expect(await sign('an'), 'the first signature after a revocation reads them').to.equal(1);
    expect(await sign('bart'), 'nothing recorded since').to.equal(0);
    await revokeCertificate(app.deps.db, { issuerSha256: certificateSha256(pki.rootCertificate.raw), serial: randomBytes(8), organisationId: null, revokedAt: new Date(), now: new Date() });
    expect(await sign('carine'), 'one recorded since').to.equal(1);
    expect(await sign('dirk')).to.equal(0);
  });

  it('revokes a link the next signer still held when their turn comes, and mails them a new one', async () => {
    const envelopeId = await sendEnvelope([
      { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 },
      { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2 },
    ]);
    const envelope = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}`).set({ Authorization: `Bearer ${key}` }).expect(200)).body as { recipients: Array<{ id: string; email: string }> };
    const bart = envelope.recipients.find((r) => r.email === 'bart@zonnebeke.be')!;
    // A link of theirs from before (no flow of ours leaves one to a recipient not yet mailed; the write phase reads
    // who holds one rather than assume it).
    const old = randomBytes(32).toString('base64url');
    await insertSigningLink(app.deps.db, { id: randomUUID(), recipientId: bart.id, tokenSha256: tokenHash(old), expiresAt: new Date(Date.now() + 86_400_000).toISOString(), createdAt: new Date().toISOString() });
    expect((await request(app.url).get(`/s/${old}`)).status, 'the old link before').to.equal(200);
    await countedSign(await linkFor('an@zonnebeke.be', envelopeId));
    expect((await request(app.url).get(`/s/${old}`)).status, 'the old link after').to.equal(410);
    const fresh = await linkFor('bart@zonnebeke.be', envelopeId);
    expect((await request(app.url).get(`/s/${fresh}`)).status, 'the new link').to.equal(200);
  });
});
