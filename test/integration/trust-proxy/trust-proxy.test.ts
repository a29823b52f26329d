/**
 * Who the client is (issue 10): `X-Forwarded-For` counts only when a proxy named in TRUST_PROXY
 * sends it; otherwise the audit trail and the per-IP rate limits see the socket's peer. Whatever
 * the header says, only an IP address reaches the trail. The tests connect from 127.0.0.1, which
 * the old setting trusted as "loopback".
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { fixture } from '../api/helpers.ts';
import { auditWorld, download, linkFor, sendEnvelope, type AuditWorld } from '../audit-report/helpers.ts';

interface TrailEvent {
  action: string;
  ip: string | null;
  actor: { label: string | null };
}

/** Three parallel signers: three links, each opened once, each its own `link.opened`. */
const threeSigners = {
  title: 'Besluit college – doorgestuurde adressen',
  recipients: ['an', 'bart', 'carine'].map((name) => ({ name, email: `${name}@zonnebeke.be`, role: 'signer', order: 1 })),
  send: true,
};

async function trail(world: AuditWorld, envelopeId: string): Promise<TrailEvent[]> {
  return (await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(world.api()).expect(200)).body.events as TrailEvent[];
}

async function openLink(world: AuditWorld, envelopeId: string, name: string, forwardedFor: string): Promise<void> {
  const token = await linkFor(world, `${name}@zonnebeke.be`, envelopeId);
  const res = await request(world.app.url).get(`/s/${token}`).set('X-Forwarded-For', forwardedFor);
  expect(res.status, res.text.slice(0, 300)).to.equal(200);
}

const openedBy = (events: TrailEvent[], name: string) => events.find((event) => event.action === 'link.opened' && event.actor.label === `${name} <${name}@zonnebeke.be>`);

describe('client address: TRUST_PROXY and X-Forwarded-For', function () {
  this.timeout(120_000);

  describe('without TRUST_PROXY (the default)', () => {
    let world: AuditWorld;
    before(async () => {
      world = await auditWorld();
    });
    after(async () => {
      await world?.close();
    });

    it('ignores a forged X-Forwarded-For: the audit trail keeps the socket address, never the header', async () => {
      const created = await request(world.app.url)
        .post('/api/v1/envelopes')
        .set(world.api())
        .set('X-Forwarded-For', '203.0.113.9')
        .field('envelope', JSON.stringify(threeSigners))
        .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const envelopeId = created.body.id as string;
      await openLink(world, envelopeId, 'an', '198.51.100.7');
      await openLink(world, envelopeId, 'bart', '=1+1');
      await openLink(world, envelopeId, 'carine', '10.0.0.1, 198.51.100.8');

      const events = await trail(world, envelopeId);
      for (const name of ['an', 'bart', 'carine']) expect(openedBy(events, name)?.ip, name).to.equal('127.0.0.1');
      expect(events.find((event) => event.action === 'envelope.created')!.ip).to.equal('127.0.0.1');
      expect(events.find((event) => event.action === 'envelope.sent')!.ip).to.equal('127.0.0.1');
      for (const forged of ['198.51.100.7', '=1+1', '198.51.100.8', '203.0.113.9']) expect(events.map((event) => event.ip)).to.not.include(forged);
    });

    it('signer pages: rotating X-Forwarded-For buys no extra requests', async () => {
      const app = await bootstrap({ env: { SIGNER_RATE_LIMIT: '3' } });
      try {
        const statuses: number[] = [];
        for (let i = 1; i <= 5; i++) {
          const res = await request(app.url).get(`/s/${randomBytes(32).toString('base64url')}`).set('X-Forwarded-For', `198.51.100.${i}`);
          statuses.push(res.status);
        }
        expect(statuses.slice(0, 3)).to.not.include(429);
        expect(statuses.slice(3)).to.deep.equal([429, 429]);
      } finally {
        await app.close();
      }
    });

    it('staff login: rotating X-Forwarded-For buys no extra attempts', async () => {
      const app = await bootstrap();
      try {
        const statuses: number[] = [];
        for (let i = 1; i <= 12; i++) {
          const res = await request(app.url).post('/app/login').set('X-Forwarded-For', `203.0.113.${i}`).type('form').send({ email: 'a@zonnebeke.be', password: 'x' });
          statuses.push(res.status);
        }
        // Ten per minute per client (STAFF_AUTH_PER_MINUTE); refused for CSRF until then, limited after.
        expect(statuses.slice(0, 10)).to.not.include(429);
        expect(statuses.slice(10)).to.deep.equal([429, 429]);
      } finally {
        await app.close();
      }
    });
  });

  describe('with TRUST_PROXY naming the proxy', () => {
    let world: AuditWorld;
    before(async () => {
      world = await auditWorld({ TRUST_PROXY: '192.0.2.1, 127.0.0.1' });
    });
    after(async () => {
      await world?.close();
    });

    it("takes the client from the proxy's X-Forwarded-For, and keeps only an IP address: =1+1 becomes null", async () => {
      const envelopeId = await sendEnvelope(world, threeSigners);
      await openLink(world, envelopeId, 'an', '198.51.100.7');
      // The client wrote the first entry itself; the proxy appended the address it saw.
      await openLink(world, envelopeId, 'bart', '203.0.113.66, 2001:db8::7');
      await openLink(world, envelopeId, 'carine', '=1+1');

      const events = await trail(world, envelopeId);
      expect(openedBy(events, 'an')!.ip).to.equal('198.51.100.7');
      expect(openedBy(events, 'bart')!.ip).to.equal('2001:db8::7');
      expect(openedBy(events, 'carine')!.ip).to.equal(null);

      const csv = await download(world, `/api/v1/envelopes/${envelopeId}/audit?format=csv`);
      expect(csv.status).to.equal(200);
      expect((csv.body as Buffer).toString('utf8')).to.not.include('=1+1');
    });

    it('rate limits then count per client behind the proxy, not per proxy', async () => {
      const app = await bootstrap({ env: { SIGNER_RATE_LIMIT: '2', TRUST_PROXY: '127.0.0.1' } });
      try {
        const status = async (client: string) => (await request(app.url).get(`/s/${randomBytes(32).toString('base64url')}`).set('X-Forwarded-For', client)).status;
        expect(await status('198.51.100.1')).to.not.equal(429);
        expect(await status('198.51.100.1')).to.not.equal(429);
        expect(await status('198.51.100.1')).to.equal(429);
        expect(await status('198.51.100.2')).to.not.equal(429);
      } finally {
        await app.close();
      }
    });
  });

  describe('TRUST_PROXY in the configuration', () => {
    it('accepts IP addresses and CIDR ranges, IPv4 and IPv6; unset trusts nobody', () => {
      expect(loadConfig({}).trustProxy).to.deep.equal([]);
      expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).to.deep.equal([]);
      expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,fd00:1::/64 ,::1' }).trustProxy).to.deep.equal(['10.0.0.5', '10.1.0.0/16', 'fd00:1::/64', '::1']);
    });

    it('refuses anything else, naming the variable', () => {
      for (const value of ['loopback', 'true', '*', '1', '10.0.0.0/33', '10.0.0.0/0', '::1/129', '10.0.0.1/8/8', '10.0.0.1,', '=1+1', 'fe80::1%eth0', 'proxy.example.be']) {
        expect(() => loadConfig({ TRUST_PROXY: value }), value).to.throw(ConfigError, /TRUST_PROXY/);
      }
    });
  });
});
