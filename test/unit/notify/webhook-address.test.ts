import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { canonicalAddress, checkWebhookHost, internalAddressClass, literalAddressOf, refusalOf } from '../../../src/notify/webhook-address.ts';
import { pinnedLookup } from '../../../src/notify/webhook-http.ts';

const NONE = { allowPrivate: [] as string[] };

describe('notify/webhook-address: where a webhook may go (issue 10)', () => {
  it('names the class of every internal address, IPv4, IPv6 and IPv4 inside IPv6', () => {
    const cases: Array<[string, string]> = [
      ['10.0.0.1', 'private'],
      ['10.255.255.255', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.254', 'private'],
      ['192.168.1.1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['127.8.9.10', 'loopback'],
      ['::1', 'loopback'],
      ['0:0:0:0:0:0:0:1', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['febf::1', 'link-local'],
      ['fc00::1', 'unique-local'],
      ['fd12:3456::1', 'unique-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['ff02::1', 'multicast'],
      ['100.64.0.1', 'shared (CGNAT)'],
      ['100.127.255.254', 'shared (CGNAT)'],
      ['255.255.255.255', 'reserved'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'link-local'],
      ['64:ff9b::a9fe:a9fe', 'link-local'],
      ['[::1]', 'loopback'],
    ];
    for (const [address, why] of cases) expect(internalAddressClass(address), address).to.equal(why);
  });

  it('lets public addresses through, the neighbours of every internal range included', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.15.255.255', '172.32.0.1', '192.167.1.1', '169.253.1.1', '100.63.255.255', '100.128.0.1', '11.0.0.1', '2001:db8::1', '2a00:1450::1', '::ffff:8.8.8.8', '2600::1']) {
      expect(internalAddressClass(address), address).to.equal(null);
    }
  });

  it('allows only the exact addresses of WEBHOOK_ALLOW_PRIVATE, in any spelling', () => {
    const policy = { allowPrivate: ['127.0.0.1'] };
    expect(refusalOf('127.0.0.1', policy)).to.equal(null);
    expect(refusalOf('127.0.0.2', policy)).to.equal('loopback');
    expect(refusalOf('::1', policy)).to.equal('loopback');
    expect(refusalOf('10.0.0.1', policy)).to.equal('private');
    expect(refusalOf('0:0::1', { allowPrivate: ['::1'] })).to.equal(null);
    expect(canonicalAddress('[::1]')).to.equal(canonicalAddress('0:0:0:0:0:0:0:1'));
    expect(literalAddressOf('[::1]')).to.equal('::1');
    expect(literalAddressOf('hooks.example')).to.equal(null);
  });

  it('refuses a host when ANY of its addresses is internal, permanently, naming host and address', async () => {
    const check = await checkWebhookHost('hooks.example', NONE, async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ]);
    expect(check).to.deep.equal({
      ok: false,
      permanent: true,
      reason: 'refused: 10.0.0.1 is a private address (hooks.example resolves to it); webhooks are delivered to public addresses only',
    });
    const literal = await checkWebhookHost('[::ffff:a9fe:a9fe]', NONE, async () => {
      throw new Error('a literal address is not resolved');
    });
    expect(literal).to.include({ ok: false, permanent: true });
  });

  it('retries a name that does not resolve (not a refusal)', async () => {
    const check = await checkWebhookHost('nowhere.example', NONE, async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    });
    expect(check).to.deep.equal({ ok: false, permanent: false, reason: 'could not resolve nowhere.example (ENOTFOUND)' });
  });

  it("pins the connection's lookup to the checked address, whatever name is asked", () => {
    const lookup = pinnedLookup({ address: '127.0.0.1', family: 4 }) as unknown as (host: string, options: object, callback: (...args: unknown[]) => void) => void;
    const answers: unknown[][] = [];
    lookup('rebind.example', {}, (...args) => answers.push(args));
    lookup('rebind.example', { all: true }, (...args) => answers.push(args));
    expect(answers).to.deep.equal([
      [null, '127.0.0.1', 4],
      [null, [{ address: '127.0.0.1', family: 4 }]],
    ]);
  });

  it('config: WEBHOOK_ALLOW_PRIVATE takes IP addresses only, and never in production', () => {
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1, ::1' }).webhookAllowPrivate).to.deep.equal(['127.0.0.1', '::1']);
    expect(loadConfig({}).webhookAllowPrivate).to.deep.equal([]);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'localhost' })).to.throw(ConfigError, /WEBHOOK_ALLOW_PRIVATE/);
    const production = { NODE_ENV: 'production', SIGNER_SECRET: 'x'.repeat(40), METRICS_TOKEN: 'm'.repeat(40), SMTP_URL: 'smtp://mail.example.org:587', WEBHOOK_ALLOW_PRIVATE: '127.0.0.1' };
    expect(() => loadConfig(production)).to.throw(ConfigError, /WEBHOOK_ALLOW_PRIVATE: not allowed when NODE_ENV=production/);
  });
});
