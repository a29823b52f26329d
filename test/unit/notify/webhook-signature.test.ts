import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { signWebhook, verifyWebhookSignature } from '../../../src/notify/webhook-signature.ts';

const SECRET = 'whsec_test';
const BODY = '{"type":"envelope.completed","id":"évt_1"}';
const T = 1_700_000_000;
/** `printf '%s' '1700000000.{"type":"envelope.completed","id":"évt_1"}' | openssl dgst -sha256 -hmac whsec_test` */
const VECTOR = '98cf95dfad423dee6ef472b45a0d43e6eb41f168d587f9b7ffb6b0a76dee2456';
const AT_T = new Date(T * 1000);

function opensslHmac(secret: string, data: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], { input: Buffer.from(data, 'utf8') }).toString();
  return out.trim().split('= ').pop()!;
}

describe('notify/webhook-signature', () => {
  it('signs "t.body" with HMAC-SHA256 as openssl computes it', () => {
    expect(opensslHmac(SECRET, `${T}.${BODY}`)).to.equal(VECTOR);
    expect(signWebhook(SECRET, BODY, T)).to.equal(`t=${T},v1=${VECTOR}`);
  });

  it('verifies its own signature and the fixed vector', () => {
    expect(verifyWebhookSignature(SECRET, `t=${T},v1=${VECTOR}`, BODY, { now: AT_T })).to.equal(true);
    const now = new Date();
    const t = Math.floor(now.getTime() / 1000);
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, BODY, t), BODY)).to.equal(true);
    expect(verifyWebhookSignature(SECRET, `t=${T},v1=${VECTOR.toUpperCase()}`, BODY, { now: AT_T })).to.equal(true);
  });

  it('rejects a changed body, a wrong secret or a changed timestamp', () => {
    expect(verifyWebhookSignature(SECRET, `t=${T},v1=${VECTOR}`, `${BODY} `, { now: AT_T })).to.equal(false);
    expect(verifyWebhookSignature('other', `t=${T},v1=${VECTOR}`, BODY, { now: AT_T })).to.equal(false);
    expect(verifyWebhookSignature(SECRET, `t=${T + 1},v1=${VECTOR}`, BODY, { now: AT_T })).to.equal(false);
  });

  it('rejects timestamps outside the tolerance, either way', () => {
    const header = `t=${T},v1=${VECTOR}`;
    expect(verifyWebhookSignature(SECRET, header, BODY, { now: new Date((T + 300) * 1000) })).to.equal(true);
    expect(verifyWebhookSignature(SECRET, header, BODY, { now: new Date((T + 301) * 1000) })).to.equal(false);
    expect(verifyWebhookSignature(SECRET, header, BODY, { now: new Date((T - 301) * 1000) })).to.equal(false);
    expect(verifyWebhookSignature(SECRET, header, BODY, { now: new Date((T + 1000) * 1000), toleranceSeconds: 1000 })).to.equal(true);
  });

  it('accepts any of several v1 values (secret rotation)', () => {
    const old = signWebhook('old-secret', BODY, T).split(',')[1];
    expect(verifyWebhookSignature(SECRET, `t=${T},${old},v1=${VECTOR}`, BODY, { now: AT_T })).to.equal(true);
    expect(verifyWebhookSignature('old-secret', `t=${T},${old},v1=${VECTOR}`, BODY, { now: AT_T })).to.equal(true);
  });

  it('rejects malformed headers', () => {
    for (const header of [undefined, null, '', 'garbage', `v1=${VECTOR}`, `t=${T}`, `t=abc,v1=${VECTOR}`, `t=${T},v1=${VECTOR.slice(2)}`, `t=${T},v1=${VECTOR}=`]) {
      expect(verifyWebhookSignature(SECRET, header, BODY, { now: AT_T }), String(header)).to.equal(false);
    }
  });

  it('refuses to sign with a timestamp that is not whole seconds', () => {
    expect(() => signWebhook(SECRET, BODY, 1.5)).to.throw(RangeError);
    expect(() => signWebhook(SECRET, BODY, -1)).to.throw(RangeError);
  });
});
