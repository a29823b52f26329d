/**
 * The audit hash chain (DESIGN §6) against a fixed vector. The expected canonical JSON and
 * hashes below were computed independently (Python: json.dumps(sort_keys=True,
 * separators=(',', ':'), ensure_ascii=False), hashlib.sha256(prev_hash + json)), so a change to
 * the canonical form or the hashed fields breaks this test and must come with a migration.
 */
import { expect } from 'chai';
import { auditEventSchema, canonicalJson, computeAuditHash, GENESIS_HASH, hashedFields, verifyChain, type AuditEventRecord } from '../../../src/audit/index.ts';

const ENVELOPE = '22222222-2222-4222-8222-222222222222';

const FIRST: AuditEventRecord = {
  id: '7d3f1c2e-0000-4000-8000-000000000001',
  organisationId: '11111111-1111-4111-8111-111111111111',
  envelopeId: ENVELOPE,
  chain: ENVELOPE,
  seq: 1,
  occurredAt: '2026-03-12T19:30:00.000Z',
  actorKind: 'api_key',
  actorId: '33333333-3333-4333-8333-333333333333',
  actorLabel: 'zaaksysteem',
  action: 'envelope.cancelled',
  ip: '192.0.2.10',
  userAgent: null,
  details: { reason: 'Agendapunt verdaagd — zie nota.' },
  documentSha256: null,
  prevHash: GENESIS_HASH,
  hash: 'ef6e07d4b320187ca985328f32508f7458453feccb2a98846e3931807f147d4f',
};

const SECOND: AuditEventRecord = {
  ...FIRST,
  id: '7d3f1c2e-0000-4000-8000-000000000002',
  seq: 2,
  occurredAt: '2026-03-12T19:31:00.000Z',
  actorKind: 'system',
  actorId: null,
  actorLabel: null,
  ip: null,
  action: 'envelope.expired',
  details: { expiresAt: '2026-03-12T19:31:00.000Z' },
  prevHash: FIRST.hash,
  hash: '0f3e6cac79a4dfb46ebd170a0f3d132a1aeba2b3c68300143a9492929e154079',
};

const FIRST_CANONICAL =
  '{"action":"envelope.cancelled","actor_id":"33333333-3333-4333-8333-333333333333","actor_kind":"api_key","actor_label":"zaaksysteem",' +
  '"details":{"reason":"Agendapunt verdaagd — zie nota."},"document_sha256":null,"envelope_id":"22222222-2222-4222-8222-222222222222",' +
  '"id":"7d3f1c2e-0000-4000-8000-000000000001","ip":"192.0.2.10","occurred_at":"2026-03-12T19:30:00.000Z",' +
  '"organisation_id":"11111111-1111-4111-8111-111111111111","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"user_agent":null}';

describe('audit: hash chain', () => {
  it('canonical JSON sorts keys at every level, keeps nulls and has no whitespace', () => {
    expect(canonicalJson({ b: [{ z: 1, a: null }], a: 'é', c: undefined })).to.equal('{"a":"é","b":[{"a":null,"z":1}],"c":null}');
    expect(canonicalJson(hashedFields(FIRST))).to.equal(FIRST_CANONICAL);
    expect(() => canonicalJson({ n: Number.NaN })).to.throw();
  });

  it('matches the fixed vector: hash = SHA-256(prev_hash ‖ canonical JSON), genesis = 64 zeros', () => {
    expect(GENESIS_HASH).to.equal('0'.repeat(64));
    expect(computeAuditHash(FIRST)).to.equal(FIRST.hash);
    expect(computeAuditHash(SECOND)).to.equal(SECOND.hash);
    // `hash` itself and `chain` are not hashed: the envelope id fixes the chain.
    expect(computeAuditHash({ ...FIRST, hash: 'x' })).to.equal(FIRST.hash);
  });

  it('verifies an intact chain and names the first broken link', () => {
    expect(verifyChain([FIRST, SECOND])).to.deep.equal({ valid: true, length: 2 });
    expect(verifyChain([])).to.deep.equal({ valid: true, length: 0 });
    const tampered = { ...FIRST, details: { reason: 'iets anders' } };
    expect(verifyChain([tampered, SECOND])).to.deep.include({ valid: false, brokenAt: 1, reason: 'hash' });
    const rehashed = { ...tampered, hash: computeAuditHash(tampered) };
    expect(verifyChain([rehashed, SECOND])).to.deep.include({ valid: false, brokenAt: 2, reason: 'prev_hash' });
    expect(verifyChain([SECOND])).to.deep.include({ valid: false, brokenAt: 2, reason: 'seq' });
    expect(verifyChain([FIRST, { ...SECOND, chain: 'org:x' }])).to.deep.include({ valid: false, brokenAt: 2, reason: 'chain' });
  });

  it('event details are typed per action', () => {
    expect(auditEventSchema.safeParse({ action: 'recipient.declined', details: { recipientId: 'r1', reason: '' } }).success).to.equal(false);
    expect(auditEventSchema.safeParse({ action: 'envelope.cancelled', details: { reason: 'verdaagd' } }).success).to.equal(true);
    expect(auditEventSchema.safeParse({ action: 'envelope.deleted', details: {} }).success).to.equal(false);
  });
});
