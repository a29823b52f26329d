/**
 * Issue 10, "no secret left lying around": reset and invite links never reach the request log,
 * a delivered mail keeps no live link in the outbox, an older reset or invite link dies when a
 * newer one is sent, and a password chosen by someone else (the CLI) must be changed at the
 * first login. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { createOrganisation, createUser, type Organisation } from '../../../src/store/index.ts';
import { enqueueOutbox, listOutbox } from '../../../src/store/knex-outbox-store.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';

const PASSWORD = 'correct horse battery';
const TOKEN = /\/app\/password\/reset\/([A-Za-z0-9_-]{43})/;
const csrfOf = (page: string, action: string): string => {
  const from = page.indexOf(`action="${action}"`);
  expect(from, `a form posting to ${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};

interface Mail {
  to: { email: string };
  subject: string;
  text: string;
  html: string;
}

function setUp(options: { captureLog?: boolean } = {}) {
  const ctx = { lines: [] as string[] } as { app: TestApp; org: Organisation; lines: string[] };
  before(async () => {
    const destination = new Writable({ write: (chunk, _encoding, done) => (ctx.lines.push(String(chunk)), done()) });
    ctx.app = await bootstrap(options.captureLog ? { logDestination: destination } : {});
    ctx.org = await createOrganisation(ctx.app.deps.db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    await createUser(ctx.app.deps.db, ctx.org.id, { email: 'admin@zonnebeke.be', role: 'admin', name: 'Ann Admin', password: PASSWORD });
    await createUser(ctx.app.deps.db, ctx.org.id, { email: 'staff@zonnebeke.be', role: 'staff', name: 'Stijn Staff', password: PASSWORD });
  });
  after(async () => {
    await ctx.app?.close();
  });
  return ctx;
}

const mailsTo = async (app: TestApp, org: Organisation, email: string) =>
  (await listOutbox(app.deps.db, org.id, { kind: 'mail' })).filter((row) => (row.payload as Mail).to.email === email);

async function forgot(app: TestApp, email: string): Promise<void> {
  const agent = request.agent(app.url);
  const form = await agent.get('/app/password/forgot').expect(200);
  await agent.post('/app/password/forgot').type('form').send({ _csrf: csrfOf(form.text, '/app/password/forgot'), email }).expect(200);
}

async function lastLink(app: TestApp, org: Organisation, email: string): Promise<string> {
  const mail = (await mailsTo(app, org, email)).at(-1)!;
  const token = TOKEN.exec((mail.payload as Mail).text)?.[1];
  expect(token, 'a reset link in the mail').to.be.a('string');
  return token!;
}

/** GET the reset page, then POST a new password with its form token; answers the POST. */
async function setPassword(app: TestApp, token: string, password: string) {
  const agent = request.agent(app.url);
  const page = await agent.get(`/app/password/reset/${token}`);
  const csrf = page.status === 200 ? csrfOf(page.text, `/app/password/reset/${token}`) : /name="_csrf" value="([^"]+)"/.exec((await agent.get('/app/password/forgot')).text)![1]!;
  return { page, done: await agent.post(`/app/password/reset/${token}`).type('form').send({ _csrf: csrf, password, confirm: password }) };
}

async function login(app: TestApp, email: string, password: string, next = '/app/people') {
  const agent = request.agent(app.url);
  const form = await agent.get('/app/login').expect(200);
  const res = await agent.post('/app/login').type('form').send({ _csrf: csrfOf(form.text, '/app/login'), email, password, next });
  return { agent, res };
}

describe('staff app: no secret left lying around (issue 10)', function () {
  this.timeout(60_000);

  describe('logs and the mail archive', () => {
    const ctx = setUp({ captureLog: true });

    it('writes no reset or invite token to the request log', async () => {
      await forgot(ctx.app, 'staff@zonnebeke.be');
      const token = await lastLink(ctx.app, ctx.org, 'staff@zonnebeke.be');
      ctx.lines.length = 0;
      const { page, done } = await setPassword(ctx.app, token, 'a brand new passphrase');
      expect(page.status).to.equal(200);
      expect(done.status, done.text.slice(0, 300)).to.equal(303);
      const log = ctx.lines.join('');
      expect(log, 'the request log has lines for both requests').to.include('/app/password/reset/***');
      expect(log.split('/app/password/reset/***').length - 1).to.be.at.least(2);
      expect(log).to.not.include(token);
    });

    it('keeps a delivered mail in the outbox without its live links, while the delivered .eml has them', async () => {
      await forgot(ctx.app, 'admin@zonnebeke.be');
      const resetToken = await lastLink(ctx.app, ctx.org, 'admin@zonnebeke.be');
      // A signing-link mail as the envelope use cases queue it.
      const signToken = 'S'.repeat(43);
      const link = `${ctx.app.config.baseUrl.replace(/\/$/, '')}/s/${signToken}`;
      await enqueueOutbox(ctx.app.deps.db, {
        organisationId: ctx.org.id,
        kind: 'mail',
        payload: { to: { name: 'Ondertekenaar', email: 'signer@example.be' }, subject: 'Ter ondertekening', text: `Onderteken: ${link}`, html: `<a href="${link}">Onderteken</a>`, headers: { 'X-Paraaf-Envelope': 'x' } },
        now: new Date(),
      });
      const before = JSON.stringify(await listOutbox(ctx.app.deps.db, ctx.org.id, { kind: 'mail' }));
      expect(before, 'pending mails still carry their links').to.include(resetToken).and.include(signToken);

      const run = await ctx.app.handle.jobs.outbox.runOnce();
      expect(run.failed).to.equal(0);
      const rows = await listOutbox(ctx.app.deps.db, ctx.org.id, { kind: 'mail' });
      expect(rows.map((r) => r.status)).to.deep.equal(rows.map(() => 'sent'));
      const stored = JSON.stringify(rows.map((r) => r.payload));
      expect(stored).to.not.include(resetToken).and.not.include(signToken);
      const raw = JSON.stringify(await ctx.app.deps.db('outbox').select('payload'));
      expect(raw, 'the database row itself').to.not.include(resetToken).and.not.include(signToken);
      // What staff pages read is still there: recipient, subject, headers, and the masked link.
      const signMail = rows.find((r) => (r.payload as Mail).to.email === 'signer@example.be')!.payload as Mail & { headers: Record<string, string> };
      expect(signMail).to.deep.include({ subject: 'Ter ondertekening', headers: { 'X-Paraaf-Envelope': 'x' } });
      expect(signMail.text).to.include('/s/***');
      const resetMail = rows.find((r) => (r.payload as Mail).to.email === 'admin@zonnebeke.be')!.payload as Mail;
      expect(resetMail.text).to.include('/app/password/reset/***');

      // The .eml the development mailer wrote (the delivery itself) holds the working links.
      const dir = path.join(ctx.app.dataDir, 'outbox');
      const eml = (await Promise.all((await fs.readdir(dir)).map((f) => fs.readFile(path.join(dir, f), 'utf8')))).join('\n');
      expect(eml).to.include(resetToken);
      // A masked link leads nowhere.
      expect((await request(ctx.app.url).get('/app/password/reset/***')).status).to.not.equal(200);
    });
  });

  describe('reset and invite links', () => {
    const ctx = setUp();

    it('refuses an older reset link (410) once a newer one is sent, and the newer one works once', async () => {
      await forgot(ctx.app, 'staff@zonnebeke.be');
      const older = await lastLink(ctx.app, ctx.org, 'staff@zonnebeke.be');
      await forgot(ctx.app, 'staff@zonnebeke.be');
      const newer = await lastLink(ctx.app, ctx.org, 'staff@zonnebeke.be');
      expect(newer).to.not.equal(older);

      const stale = await request(ctx.app.url).get(`/app/password/reset/${older}`);
      expect(stale.status).to.equal(410);
      expect(stale.text).to.include('vervangen door een nieuwere link');
      const { done: refused } = await setPassword(ctx.app, older, 'the older links passphrase');
      expect(refused.status).to.equal(410);
      expect((await login(ctx.app, 'staff@zonnebeke.be', 'the older links passphrase')).res.status).to.equal(401);

      const { done } = await setPassword(ctx.app, newer, 'the newer links passphrase');
      expect(done.status).to.equal(303);
      expect((await setPassword(ctx.app, newer, 'once more, please')).done.status, 'single use').to.equal(410);
    });

    it('refuses a 7-day invite link (410) after a newer reset, and using a link ends every other one', async () => {
      const admin = await login(ctx.app, 'admin@zonnebeke.be', PASSWORD, '/app/users');
      expect(admin.res.status).to.equal(303);
      const users = await admin.agent.get('/app/users').expect(200);
      await admin.agent.post('/app/users').type('form').send({ _csrf: csrfOf(users.text, '/app/users'), email: 'nieuw@zonnebeke.be', name: 'Nina Nieuw', role: 'staff' }).expect(303);
      const invite = await lastLink(ctx.app, ctx.org, 'nieuw@zonnebeke.be');
      await forgot(ctx.app, 'nieuw@zonnebeke.be');
      const reset = await lastLink(ctx.app, ctx.org, 'nieuw@zonnebeke.be');

      expect((await request(ctx.app.url).get(`/app/password/reset/${invite}`)).status).to.equal(410);
      expect((await setPassword(ctx.app, invite, 'set through the invite')).done.status).to.equal(410);
      expect((await setPassword(ctx.app, reset, 'set through the reset')).done.status).to.equal(303);
      const rows = await ctx.app.deps.db('password_tokens').where({ user_id: (await ctx.app.deps.db('users').where({ email: 'nieuw@zonnebeke.be' }).first()).id });
      expect(rows.filter((r: { used_at: unknown }) => r.used_at === null), 'no live link left').to.have.length(0);
    });
  });

  describe('a password chosen by someone else', () => {
    const ctx = setUp();

    it('must be changed at the first login before any other page, in nl, en and fr', async () => {
      await createUser(ctx.app.deps.db, ctx.org.id, { email: 'cli@zonnebeke.be', role: 'admin', password: 'one-time-password-1', mustChangePassword: true });
      const { agent, res } = await login(ctx.app, 'cli@zonnebeke.be', 'one-time-password-1', '/app/users');
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/app/password/change?next=%2Fapp%2Fusers');

      // Every other page leads back to the change page; a POST elsewhere is refused.
      const elsewhere = await agent.get('/app/people');
      expect(elsewhere.status).to.equal(303);
      expect(elsewhere.headers.location).to.equal('/app/password/change?next=%2Fapp%2Fpeople');
      expect((await agent.get('/app/users')).status).to.equal(303);
      const page = await agent.get('/app/password/change?next=%2Fapp%2Fusers').expect(200);
      expect(page.text).to.include('Kies een eigen wachtwoord').and.include('autocomplete="new-password"');
      const csrf = csrfOf(page.text, '/app/password/change');
      expect((await agent.post('/app/people').type('form').send({ _csrf: csrf, name: 'x', email: 'x@example.be' })).status).to.equal(403);
      expect((await agent.get('/app/password/change?lang=en')).text).to.include('Choose your own password');
      expect((await agent.get('/app/password/change?lang=fr')).text).to.include('Choisissez votre propre mot de passe');
      await agent.get('/app/password/change?lang=nl').expect(200);

      const short = await agent.post('/app/password/change').type('form').send({ _csrf: csrf, next: '/app/users', password: 'short', confirm: 'short' });
      expect(short.status).to.equal(400);
      expect(short.text).to.include('minstens 12 tekens');
      const mismatch = await agent.post('/app/password/change').type('form').send({ _csrf: csrf, next: '/app/users', password: 'my own passphrase', confirm: 'my own passphrase!' });
      expect(mismatch.status).to.equal(400);
      const same = await agent.post('/app/password/change').type('form').send({ _csrf: csrf, next: '/app/users', password: 'one-time-password-1', confirm: 'one-time-password-1' });
      expect(same.status).to.equal(400);
      expect(same.text).to.include('Kies een ander wachtwoord');
      const done = await agent.post('/app/password/change').type('form').send({ _csrf: csrf, next: '/app/users', password: 'my own passphrase', confirm: 'my own passphrase' });
      expect(done.status).to.equal(303);
      expect(done.headers.location).to.equal('/app/users');
      expect((await agent.get('/app/users')).status, 'the same session goes on').to.equal(200);
      expect((await agent.get('/app/password/change')).status, 'nothing left to change').to.equal(303);

      expect((await login(ctx.app, 'cli@zonnebeke.be', 'one-time-password-1')).res.status, 'the one-time password is gone').to.equal(401);
      const again = await login(ctx.app, 'cli@zonnebeke.be', 'my own passphrase', '/app/users');
      expect(again.res.status).to.equal(303);
      expect(again.res.headers.location).to.equal('/app/users');
      const chain = await listAuditChain(ctx.app.deps.db, `org:${ctx.org.id}`);
      const changed = chain.find((e) => e.action === 'staff.password_reset');
      expect(changed?.details).to.deep.include({ via: 'change' });
    });

    it('does not ask a user who chose their own password', async () => {
      const { res } = await login(ctx.app, 'staff@zonnebeke.be', PASSWORD, '/app/people');
      expect(res.headers.location).to.equal('/app/people');
    });
  });
});
