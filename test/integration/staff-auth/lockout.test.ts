/**
 * Issue 10: anyone who knew a staff e-mail locked it for 15 minutes with 5 requests, and a login
 * to organisation A counted failures on organisation B's account with the same e-mail. Now wrong
 * passwords count per account (organisation, user) with a short capped back-off that refused
 * attempts do not extend, and per IP and account with a growing wait for that IP only.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { createOrganisation, createUser, userByEmail, LOCK_MS, MAX_LOCK_MS, type Organisation } from '../../../src/store/index.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';

const PASSWORD = 'correct horse battery';
const csrfOf = (page: string): string => {
  const from = page.indexOf('action="/app/login"');
  expect(from, 'the login form').to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};

describe('staff login back-off per account and per IP (issue 10)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let now: Date;
  let zonnebeke: Organisation;
  let ieper: Organisation;

  /** A browser at `ip` (X-Forwarded-For from the test's own proxy on 127.0.0.1). */
  const client = (ip: string) => ({ agent: request.agent(app.url), ip });
  const login = async (c: ReturnType<typeof client>, email: string, password: string, extra: Record<string, string> = {}) => {
    const form = await c.agent.get('/app/login').set('X-Forwarded-For', c.ip);
    expect(form.status).to.equal(200);
    return c.agent.post('/app/login').set('X-Forwarded-For', c.ip).type('form').send({ _csrf: csrfOf(form.text), email, password, next: '/app', ...extra });
  };
  const tick = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };

  before(async () => {
    now = new Date('2026-12-06T09:00:00.000Z');
    app = await bootstrap({ clock: () => now, env: { TRUST_PROXY: '127.0.0.1' } });
    zonnebeke = await createOrganisation(app.deps.db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    ieper = await createOrganisation(app.deps.db, { slug: 'ieper', name: 'Stad Ieper' });
    await createUser(app.deps.db, zonnebeke.id, { email: 'griffier@zonnebeke.be', role: 'staff', password: PASSWORD });
    await createUser(app.deps.db, zonnebeke.id, { email: 'an@example.be', role: 'staff', password: 'zonnebeke passphrase' });
    await createUser(app.deps.db, ieper.id, { email: 'an@example.be', role: 'admin', password: 'ieper passphrase 22' });
  });
  after(async () => {
    await app?.close();
  });

  it('lets an outsider who knows the e-mail close the account only briefly: the right password after the back-off works', async () => {
    const outsider = client('203.0.113.7');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await login(outsider, 'griffier@zonnebeke.be', `guess ${i}`);
      statuses.push(res.status);
      tick(7_000); // under the per-IP limit of 10 a minute: what is measured here is the back-off
    }
    // Four plain refusals, then the account and this IP back off; the IP's own wait (a minute,
    // doubling) keeps its later guesses from being checked or counted at all.
    expect(statuses.slice(0, 4)).to.deep.equal([401, 401, 401, 401]);
    expect(statuses.slice(4)).to.satisfy((rest: number[]) => rest.every((s) => s === 423));
    const account = await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be');
    expect(account!.failedLogins, 'failures counted on the account').to.be.at.most(7);

    // The real user, elsewhere, right after the attack: the account's back-off is short and over.
    tick(MAX_LOCK_MS);
    const user = client('198.51.100.20');
    const ok = await login(user, 'griffier@zonnebeke.be', PASSWORD);
    expect(ok.status, ok.text.slice(0, 300)).to.equal(303);
    expect((await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be'))!.failedLogins).to.equal(0);

    // The outsider's IP still waits for this account, even with the right password.
    const stillWaiting = await login(outsider, 'griffier@zonnebeke.be', PASSWORD);
    expect(stillWaiting.status).to.equal(423);
    expect(stillWaiting.text).to.include('tijdelijk vergrendeld');
    expect(Number(stillWaiting.headers['retry-after'])).to.be.greaterThan(0);
    const chain = await listAuditChain(app.deps.db, `org:${zonnebeke.id}`);
    const reasons = chain.filter((e) => e.action === 'staff.login_failed').map((e) => e.details.reason);
    expect(reasons).to.include.members(['password', 'locked']);
  });

  it('keeps the account back-off short and growing with failures from many addresses, and never extends it with refused attempts', async () => {
    await createUser(app.deps.db, zonnebeke.id, { email: 'secretaris@zonnebeke.be', role: 'staff', password: PASSWORD });
    // Five different addresses, one wrong password each: the account backs off for LOCK_MS.
    for (let i = 0; i < 5; i++) expect((await login(client(`192.0.2.${i + 1}`), 'secretaris@zonnebeke.be', 'fout')).status).to.be.oneOf([401, 423]);
    let account = await userByEmail(app.deps.db, zonnebeke.id, 'secretaris@zonnebeke.be');
    expect(account!.lockedUntil).to.equal(new Date(now.getTime() + LOCK_MS).toISOString());
    // During the back-off even the right password waits, and the refused attempt changes nothing.
    const during = await login(client('198.51.100.21'), 'secretaris@zonnebeke.be', PASSWORD);
    expect(during.status).to.equal(423);
    account = await userByEmail(app.deps.db, zonnebeke.id, 'secretaris@zonnebeke.be');
    expect(account).to.include({ failedLogins: 5, lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString() });
    // Ten more addresses, each after the back-off: it doubles, up to MAX_LOCK_MS.
    for (let i = 0; i < 10; i++) {
      tick(MAX_LOCK_MS);
      await login(client(`192.0.2.${i + 10}`), 'secretaris@zonnebeke.be', 'fout');
    }
    account = await userByEmail(app.deps.db, zonnebeke.id, 'secretaris@zonnebeke.be');
    expect(Date.parse(account!.lockedUntil!) - now.getTime()).to.equal(MAX_LOCK_MS);
    tick(MAX_LOCK_MS);
    expect((await login(client('198.51.100.21'), 'secretaris@zonnebeke.be', PASSWORD)).status).to.equal(303);
  });

  it('does not count a login to organisation A as a failure on organisation B’s account with the same e-mail', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await login(client('198.51.100.30'), 'an@example.be', 'zonnebeke passphrase');
      expect(res.status, `login ${i + 1}`).to.equal(303);
      tick(7_000);
    }
    expect((await userByEmail(app.deps.db, ieper.id, 'an@example.be'))!.failedLogins).to.equal(0);
    const toIeper = await login(client('198.51.100.31'), 'an@example.be', 'ieper passphrase 22');
    expect(toIeper.status, toIeper.text.slice(0, 300)).to.equal(303);

    // Wrong passwords with organisation A chosen count on A only.
    const c = client('198.51.100.32');
    for (let i = 0; i < 3; i++) expect((await login(c, 'an@example.be', 'fout', { organisation: zonnebeke.id })).status).to.equal(401);
    expect((await userByEmail(app.deps.db, zonnebeke.id, 'an@example.be'))!.failedLogins).to.equal(3);
    expect((await userByEmail(app.deps.db, ieper.id, 'an@example.be'))!.failedLogins).to.equal(0);
  });
});
