/**
 * Issue 10: login, logout, "forgot" and reset wrote their audit rows after, and outside, the
 * transaction of their state change, so a failed audit write left a session, a token, a mail or
 * a new password without its event. Now each is a use case in src/workflow whose state change and
 * audit event commit together: when the audit write fails (a trigger refuses that action), the
 * request fails and nothing of it remains. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { createOrganisation, createPasswordToken, createUser, userByEmail, type Organisation } from '../../../src/store/index.ts';
import { whileAuditRefused } from '../../helpers/refuse-audit.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { verifyChain } from '../../../src/audit/index.ts';

const PASSWORD = 'correct horse battery';
const csrfOf = (page: string, action: string): string => {
  const from = page.indexOf(`action="${action}"`);
  expect(from, `a form posting to ${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};

describe('staff login, logout, forgot and reset commit with their audit event (issue 10)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let zonnebeke: Organisation;
  let ip = 0;
  const client = () => {
    ip += 1;
    return { agent: request.agent(app.url), xff: `10.9.0.${ip}` };
  };
  type Client = ReturnType<typeof client>;
  const login = async (c: Client, email: string, password = PASSWORD) => {
    const form = await c.agent.get('/app/login').set('X-Forwarded-For', c.xff);
    return c.agent.post('/app/login').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, '/app/login'), email, password, next: '/app/people' });
  };
  const actions = async () => (await listAuditChain(app.deps.db, `org:${zonnebeke.id}`)).map((e) => e.action);
  const count = async (table: string) => Number((await app.deps.db(table).count({ n: '*' }).first())!.n);

  const whileRefused = <T>(action: string, fn: () => Promise<T>): Promise<T> => whileAuditRefused(app.deps.db, action, fn);

  before(async () => {
    app = await bootstrap({ env: { TRUST_PROXY: '127.0.0.1' } });
    zonnebeke = await createOrganisation(app.deps.db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    await createUser(app.deps.db, zonnebeke.id, { email: 'griffier@zonnebeke.be', role: 'admin', name: 'Greet Griffier', password: PASSWORD });
  });
  after(async () => {
    await app?.close();
  });

  it('login: no session without staff.login, then a session with it', async () => {
    const sessions = await count('sessions');
    const c = client();
    const refused = await whileRefused('staff.login', () => login(c, 'griffier@zonnebeke.be'));
    expect(refused.status).to.equal(500);
    expect(await count('sessions')).to.equal(sessions);
    expect((await c.agent.get('/app/people').set('X-Forwarded-For', c.xff)).status).to.equal(303);

    const ok = await login(c, 'griffier@zonnebeke.be');
    expect(ok.status).to.equal(303);
    expect(await count('sessions')).to.equal(sessions + 1);
    expect((await actions()).filter((a) => a === 'staff.login')).to.have.length(1);
  });

  it('failed login: the wrong password counts only with its staff.login_failed', async () => {
    const c = client();
    const before = (await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be'))!.failedLogins;
    const refused = await whileRefused('staff.login_failed', () => login(c, 'griffier@zonnebeke.be', 'not the password'));
    expect(refused.status).to.equal(500);
    expect((await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be'))!.failedLogins).to.equal(before);
    const counted = await login(c, 'griffier@zonnebeke.be', 'not the password');
    expect(counted.status).to.equal(401);
    expect((await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be'))!.failedLogins).to.equal(before + 1);
    // The right password starts the count over, with the login.
    expect((await login(c, 'griffier@zonnebeke.be')).status).to.equal(303);
    expect((await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be'))!.failedLogins).to.equal(0);
  });

  it('logout: the session stays without staff.logout, and ends with it', async () => {
    const c = client();
    expect((await login(c, 'griffier@zonnebeke.be')).status).to.equal(303);
    const page = await c.agent.get('/app/people').set('X-Forwarded-For', c.xff).expect(200);
    const logout = () => c.agent.post('/app/logout').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text, '/app/logout') });
    const refused = await whileRefused('staff.logout', logout);
    expect(refused.status).to.equal(500);
    expect((await c.agent.get('/app/people').set('X-Forwarded-For', c.xff)).status).to.equal(200);
    expect((await logout()).status).to.equal(303);
    expect((await c.agent.get('/app/people').set('X-Forwarded-For', c.xff)).status).to.equal(303);
    expect(await actions()).to.include('staff.logout');
  });

  it('forgot: no reset link and no mail without staff.password_reset_requested', async () => {
    const forgot = async (c: Client) => {
      const form = await c.agent.get('/app/password/forgot').set('X-Forwarded-For', c.xff);
      return c.agent.post('/app/password/forgot').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, '/app/password/forgot'), email: 'griffier@zonnebeke.be' });
    };
    const [tokens, mails] = [await count('password_tokens'), await count('outbox')];
    const refused = await whileRefused('staff.password_reset_requested', () => forgot(client()));
    expect(refused.status).to.equal(500);
    expect([await count('password_tokens'), await count('outbox')]).to.deep.equal([tokens, mails]);
    expect((await forgot(client())).status).to.equal(200);
    expect([await count('password_tokens'), await count('outbox')]).to.deep.equal([tokens + 1, mails + 1]);
    expect(await actions()).to.include('staff.password_reset_requested');
  });

  it('reset: the password, the link and the sessions stay as they were without staff.password_reset', async () => {
    const user = (await userByEmail(app.deps.db, zonnebeke.id, 'griffier@zonnebeke.be'))!;
    const token = await createPasswordToken(app.deps.db, { userId: user.id, organisationId: zonnebeke.id, purpose: 'reset', now: new Date() });
    const signedIn = client();
    expect((await login(signedIn, 'griffier@zonnebeke.be')).status).to.equal(303);
    const c = client();
    const reset = async () => {
      const form = await c.agent.get(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff).expect(200);
      return c.agent.post(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, `/app/password/reset/${token}`), password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    };
    const refused = await whileRefused('staff.password_reset', reset);
    expect(refused.status).to.equal(500);
    expect((await signedIn.agent.get('/app/people').set('X-Forwarded-For', signedIn.xff)).status).to.equal(200);
    expect((await login(client(), 'griffier@zonnebeke.be', 'a brand new passphrase')).status).to.equal(401);

    const live = Number((await app.deps.db('sessions').where({ user_id: user.id }).count({ n: '*' }).first())!.n);
    expect(live).to.be.greaterThan(0);
    const done = await reset();
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal('/app/login?passwordSet=1');
    expect((await signedIn.agent.get('/app/people').set('X-Forwarded-For', signedIn.xff)).status).to.equal(303);
    expect((await login(client(), 'griffier@zonnebeke.be', 'a brand new passphrase')).status).to.equal(303);
    expect((await c.agent.get(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff)).status).to.equal(410);
    const chain = await listAuditChain(app.deps.db, `org:${zonnebeke.id}`);
    expect(chain.filter((e) => e.action === 'staff.password_reset').map((e) => e.details)).to.deep.equal([{ userId: user.id, via: 'reset', sessionsEnded: live }]);
    expect(verifyChain(chain).valid).to.equal(true);
  });
});
