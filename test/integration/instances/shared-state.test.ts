/**
 * Instances that cooperate (issue 11), two in-process servers on one PostgreSQL schema: a client meets one
 * rate limit and one failed-login count whichever instance answers (PostgreSQL store, and Redis), and a
 * form one instance hands out — staff or signer — is accepted by the other, because they share SIGNER_SECRET.
 * PostgreSQL pass only (TEST_DATABASE_URL): several instances need a shared database.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, createUser } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { startInstances, type Instances } from '../../helpers/in-process-instances.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;
const SECRET = 'shared-by-every-instance-'.repeat(2);
const PASSWORD = 'correct horse battery';
/** A client address of its own per test (behind the test's proxy at 127.0.0.1), so no bucket is left over from another run. */
const someIp = () => `198.51.100.${1 + Math.floor(Math.random() * 250)}`;

/** Name=value of each Set-Cookie, carried from one instance to the other as a browser behind a load balancer would. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: request.Response): void {
    for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
  get header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const csrfAfter = (page: string, marker: string): string => /name="_csrf" value="([^"]+)"/.exec(page.slice(page.indexOf(marker)))![1]!;

if (postgresUrl) {
  describe('instances that cooperate: rate limits, login throttle, forms (issue 11)', function () {
    this.timeout(120_000);
    let instances: Instances | undefined;
    afterEach(async () => {
      await instances?.close();
      instances = undefined;
    });
    const urls = () => instances!.handles.map((handle) => handle.url);

    for (const store of ['postgres', 'redis'] as const) {
      it(`shares one signer-page budget across instances (RATE_LIMIT_STORE=${store})`, async () => {
        instances = await startInstances({ count: 2, postgresUrl, env: () => ({ SIGNER_SECRET: SECRET, SIGNER_RATE_LIMIT: '4', TRUST_PROXY: '127.0.0.1', RATE_LIMIT_STORE: store }) });
        const ip = someIp();
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await request(urls()[i % 2]!).get('/s/no-such-link').set('X-Forwarded-For', ip)).status);
        // Four between them, not four each.
        expect(statuses.slice(0, 4)).to.not.include(429);
        expect(statuses.slice(4)).to.deep.equal([429, 429]);
      });
    }

    it('counts one IP’s wrong passwords across instances, so spreading them over the pool buys nothing', async () => {
      let now = new Date('2026-12-06T09:00:00.000Z');
      instances = await startInstances({ count: 2, postgresUrl, clock: () => now, env: () => ({ SIGNER_SECRET: SECRET, TRUST_PROXY: '127.0.0.1' }) });
      const db = instances.handles[0]!.deps.db;
      const organisation = await createOrganisation(db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
      await createUser(db, organisation.id, { email: 'griffier@zonnebeke.be', role: 'staff', password: PASSWORD });
      const login = async (url: string, ip: string, password: string) => {
        const jar = new CookieJar();
        const form = await request(url).get('/app/login').set('X-Forwarded-For', ip);
        jar.take(form);
        return request(url).post('/app/login').set('X-Forwarded-For', ip).set('Cookie', jar.header).type('form')
          .send({ _csrf: csrfAfter(form.text, 'action="/app/login"'), email: 'griffier@zonnebeke.be', password, next: '/app' });
      };
      const outsider = someIp();
      for (let i = 0; i < 5; i++) {
        expect((await login(urls()[i % 2]!, outsider, `guess ${i}`)).status).to.be.oneOf([401, 423]);
        now = new Date(now.getTime() + 7_000);
      }
      // Past the account's own short back-off but within this IP's minute of waiting: the IP is refused, on the
      // instance that saw only two of its five failures, even with the right password…
      now = new Date(now.getTime() + 20_000);
      const refused = await login(urls()[1]!, outsider, PASSWORD);
      expect(refused.status).to.equal(423);
      // …while the account's owner, from elsewhere, logs in.
      expect((await login(urls()[0]!, someIp(), PASSWORD)).status).to.equal(303);
    });

    it('accepts on one instance the staff forms another handed out, and refuses them where the secret differs', async () => {
      instances = await startInstances({ count: 3, postgresUrl, env: (index) => ({ SIGNER_SECRET: index < 2 ? SECRET : 'another-secret-entirely-'.repeat(2) }) });
      const db = instances.handles[0]!.deps.db;
      const organisation = await createOrganisation(db, { slug: 'ieper', name: 'Stad Ieper' });
      await createUser(db, organisation.id, { email: 'an@ieper.be', role: 'staff', password: PASSWORD });
      const [one, two, other] = urls() as [string, string, string];

      // The login form from instance 1, posted to instance 2.
      const jar = new CookieJar();
      const form = await request(one).get('/app/login');
      jar.take(form);
      const loginBody = { _csrf: csrfAfter(form.text, 'action="/app/login"'), email: 'an@ieper.be', password: PASSWORD, next: '/app' };
      expect((await request(other).post('/app/login').set('Cookie', jar.header).type('form').send(loginBody)).status).to.equal(403);
      const loggedIn = await request(two).post('/app/login').set('Cookie', jar.header).type('form').send(loginBody);
      expect(loggedIn.status, loggedIn.text.slice(0, 300)).to.equal(303);
      jar.take(loggedIn);

      // A logged-in form (the session lives in the database) from instance 2, posted to instance 1.
      const home = await request(two).get('/app').set('Cookie', jar.header);
      expect(home.status).to.equal(200);
      const logoutCsrf = csrfAfter(home.text, 'action="/app/logout"');
      expect((await request(other).post('/app/logout').set('Cookie', jar.header).type('form').send({ _csrf: logoutCsrf })).status).to.equal(403);
      const loggedOut = await request(one).post('/app/logout').set('Cookie', jar.header).type('form').send({ _csrf: logoutCsrf });
      expect(loggedOut.status).to.equal(303);
      expect(loggedOut.headers.location).to.include('/app/login');
    });

    it('accepts on one instance the sign form another handed out to a signer', async () => {
      const pki = await devPki();
      const BASE_URL = 'https://paraaf.test';
      instances = await startInstances({ count: 2, postgresUrl, pki, trustAnchors: [pki.rootCertificate], env: () => ({ SIGNER_SECRET: SECRET, BASE_URL, SIGNER_RATE_LIMIT: '1000' }) });
      const db = instances.handles[0]!.deps.db;
      const organisation = await createOrganisation(db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
      const key = (await createApiKey(db, organisation.id, { name: 'zaaksysteem' })).plaintext;
      const [one, two] = urls() as [string, string];
      const envelope = { title: 'Besluit college', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 }], send: true };
      const created = await request(one).post('/api/v1/envelopes').set('Authorization', `Bearer ${key}`).field('envelope', JSON.stringify(envelope))
        .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const mail = (await listOutbox(db, organisation.id, { kind: 'mail' })).map((row) => row.payload as MailMessage).find((m) => m.to.email === 'an@zonnebeke.be')!;
      const token = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

      const page = await request(one).get(`/s/${token}`);
      expect(page.status).to.equal(200);
      // Reading before signing (issue 12): the signer downloads the document, from the first instance.
      await downloadDocuments(one, `/s/${token}`);
      const signed = await request(two).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrfAfter(page.text, '/sign"') });
      expect(signed.status, signed.text.slice(0, 300)).to.be.oneOf([200, 303]);
      const status = await request(two).get(`/api/v1/envelopes/${created.body.id}`).set('Authorization', `Bearer ${key}`);
      expect(status.body.status).to.equal('completed');
    });
  });
}
