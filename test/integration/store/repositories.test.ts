/** Repositories on both databases: what they return, and that no function hands out another organisation's row. */
import { expect } from 'chai';
import {
  apiKeyById,
  authenticateApiKey,
  countOrganisations,
  createApiKey,
  createOrganisation,
  createUser,
  listApiKeys,
  listPeople,
  LOCK_MS,
  MAX_FAILED_LOGINS,
  organisationById,
  organisationBySlug,
  personByEmail,
  personById,
  revokeApiKey,
  upsertPerson,
  userByEmail,
  userById,
  verifyPassword,
  type Knex,
  type Organisation,
} from '../../../src/store/index.ts';
import { isAppError } from '../../../src/errors.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return isAppError(error) ? error : { message: String(error) };
  }
  throw new Error('expected a rejection');
}

describe('store: repositories', () => {
  let app: TestApp;
  let db: Knex;
  let kortrijk: Organisation;
  let zwevegem: Organisation;

  before(async () => {
    app = await bootstrap();
    db = app.deps.db;
    kortrijk = await createOrganisation(db, { slug: 'kortrijk', name: 'Stad Kortrijk', settings: { defaultExpiryDays: 30 } });
    zwevegem = await createOrganisation(db, { slug: 'zwevegem', name: 'Gemeente Zwevegem' });
  });
  after(() => app.close());

  describe('organisations', () => {
    it('creates and finds by slug and id, with settings and an ISO created_at', async () => {
      expect(await organisationBySlug(db, 'kortrijk')).to.deep.equal(kortrijk);
      expect(await organisationById(db, kortrijk.id)).to.deep.equal(kortrijk);
      expect(kortrijk.settings).to.deep.equal({ defaultExpiryDays: 30 });
      expect(kortrijk.createdAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(await countOrganisations(db)).to.equal(2);
    });

    it('answers null for unknown slugs and ids, including ids that are not UUIDs', async () => {
      expect(await organisationBySlug(db, 'menen')).to.equal(null);
      expect(await organisationById(db, '00000000-0000-4000-8000-000000000000')).to.equal(null);
      expect(await organisationById(db, 'kortrijk')).to.equal(null);
    });

    it('refuses a duplicate slug (409 organisation_exists) and a bad slug (400)', async () => {
      expect(await rejection(createOrganisation(db, { slug: 'kortrijk', name: 'Nog eens' }))).to.include({ code: 'organisation_exists', status: 409 });
      expect(await rejection(createOrganisation(db, { slug: 'Stad Kortrijk', name: 'X' }))).to.include({ code: 'invalid_request', status: 400 });
      expect(await rejection(createOrganisation(db, { slug: 'menen', name: '  ' }))).to.include({ code: 'invalid_request' });
    });
  });

  describe('api keys', () => {
    it('returns the plaintext once, stores only its SHA-256, and authenticates it', async () => {
      const { apiKey, plaintext } = await createApiKey(db, kortrijk.id, { name: 'zaaksysteem' });
      expect(plaintext).to.match(/^pk_[A-Za-z0-9_-]{43}$/);
      expect(apiKey.prefix).to.equal(plaintext.slice(0, 12));
      const [row] = await db('api_keys').where({ id: apiKey.id });
      expect(JSON.stringify(row)).not.to.include(plaintext.slice(3));
      expect(row.key_sha256).to.have.length(64);

      expect(await authenticateApiKey(db, plaintext)).to.deep.equal({ organisationId: kortrijk.id, apiKeyId: apiKey.id });
      expect((await apiKeyById(db, kortrijk.id, apiKey.id))?.lastUsedAt).to.be.a('string');
    });

    it('rejects unknown, malformed and revoked keys', async () => {
      const { apiKey, plaintext } = await createApiKey(db, kortrijk.id, { name: 'notulen' });
      const other = `pk_${'A'.repeat(43)}`;
      expect(await authenticateApiKey(db, other)).to.equal(null);
      expect(await authenticateApiKey(db, 'pk_short')).to.equal(null);
      expect(await authenticateApiKey(db, `${plaintext}x`)).to.equal(null);
      const revoked = await revokeApiKey(db, kortrijk.id, apiKey.prefix);
      expect(revoked.revokedAt).to.be.a('string');
      expect(await authenticateApiKey(db, plaintext)).to.equal(null);
      // Revoking again is a no-op that keeps the first time.
      expect((await revokeApiKey(db, kortrijk.id, apiKey.id)).revokedAt).to.equal(revoked.revokedAt);
    });

    it('lists and revokes only within the organisation', async () => {
      const { apiKey } = await createApiKey(db, zwevegem.id, { name: 'zwevegem-key' });
      expect((await listApiKeys(db, zwevegem.id)).map((key) => key.id)).to.deep.equal([apiKey.id]);
      expect((await listApiKeys(db, kortrijk.id)).map((key) => key.id)).not.to.include(apiKey.id);
      expect(await apiKeyById(db, kortrijk.id, apiKey.id)).to.equal(null);
      expect(await rejection(revokeApiKey(db, kortrijk.id, apiKey.id))).to.include({ code: 'api_key_not_found', status: 404 });
      expect(await rejection(revokeApiKey(db, kortrijk.id, apiKey.prefix))).to.include({ code: 'api_key_not_found' });
      expect((await apiKeyById(db, zwevegem.id, apiKey.id))?.revokedAt).to.equal(null);
    });
  });

  describe('users', () => {
    it('creates a user with a scrypt hash and finds it by e-mail, case-insensitively', async () => {
      const user = await createUser(db, kortrijk.id, { email: ' Secretariaat@Kortrijk.be ', role: 'staff', name: 'Secretariaat', password: 'correct horse battery' });
      expect(user).to.include({ email: 'secretariaat@kortrijk.be', role: 'staff', hasPassword: true, failedLogins: 0 });
      const [row] = await db('users').where({ id: user.id });
      expect(row.password_hash).to.match(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(await userByEmail(db, kortrijk.id, 'SECRETARIAAT@kortrijk.be')).to.deep.equal(user);
      expect(await userById(db, kortrijk.id, user.id)).to.deep.equal(user);
      expect(await userByEmail(db, zwevegem.id, user.email)).to.equal(null);
      expect(await userById(db, zwevegem.id, user.id)).to.equal(null);
      expect(await rejection(createUser(db, kortrijk.id, { email: user.email, role: 'admin' }))).to.include({ code: 'user_exists', status: 409 });
      // The same e-mail may exist in another organisation.
      await createUser(db, zwevegem.id, { email: user.email, role: 'admin' });
    });

    it('verifies passwords, counts failures, locks after five and unlocks after the lock time', async () => {
      const now = new Date('2026-03-02T09:00:00.000Z');
      await createUser(db, kortrijk.id, { email: 'juridische.dienst@kortrijk.be', role: 'admin', password: 'geheim-1234' });
      const ok = await verifyPassword(db, kortrijk.id, 'juridische.dienst@kortrijk.be', 'geheim-1234', { now });
      expect(ok?.email).to.equal('juridische.dienst@kortrijk.be');
      expect(await verifyPassword(db, zwevegem.id, 'juridische.dienst@kortrijk.be', 'geheim-1234', { now })).to.equal(null);
      expect(await verifyPassword(db, kortrijk.id, 'nobody@kortrijk.be', 'geheim-1234', { now })).to.equal(null);

      for (let attempt = 0; attempt < MAX_FAILED_LOGINS; attempt++) {
        expect(await verifyPassword(db, kortrijk.id, 'juridische.dienst@kortrijk.be', 'fout', { now })).to.equal(null);
      }
      const locked = await userByEmail(db, kortrijk.id, 'juridische.dienst@kortrijk.be');
      expect(locked).to.include({ failedLogins: MAX_FAILED_LOGINS, lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString() });
      // Locked: even the right password is refused.
      expect(await verifyPassword(db, kortrijk.id, 'juridische.dienst@kortrijk.be', 'geheim-1234', { now })).to.equal(null);
      const later = new Date(now.getTime() + LOCK_MS + 1000);
      const unlocked = await verifyPassword(db, kortrijk.id, 'juridische.dienst@kortrijk.be', 'geheim-1234', { now: later });
      expect(unlocked).to.include({ failedLogins: 0, lockedUntil: null });
    });

    it('refuses users without a password and disabled users', async () => {
      const user = await createUser(db, kortrijk.id, { email: 'nopass@kortrijk.be', role: 'staff' });
      expect(user.hasPassword).to.equal(false);
      expect(await verifyPassword(db, kortrijk.id, 'nopass@kortrijk.be', '')).to.equal(null);
      await createUser(db, kortrijk.id, { email: 'weg@kortrijk.be', role: 'staff', password: 'pw-pw-pw-pw' });
      await db('users').where({ email: 'weg@kortrijk.be' }).update({ disabled_at: new Date().toISOString() });
      expect(await verifyPassword(db, kortrijk.id, 'weg@kortrijk.be', 'pw-pw-pw-pw')).to.equal(null);
    });
  });

  describe('people', () => {
    it('upserts by e-mail: created, unchanged, updated', async () => {
      const created = await upsertPerson(db, kortrijk.id, { name: 'Els Vandenberghe', email: 'Els.Vandenberghe@kortrijk.be', function: 'Algemeen directeur' });
      expect(created.outcome).to.equal('created');
      expect(created.person).to.include({ email: 'els.vandenberghe@kortrijk.be', function: 'Algemeen directeur', language: 'nl', active: true });
      const again = await upsertPerson(db, kortrijk.id, { name: 'Els Vandenberghe', email: 'els.vandenberghe@kortrijk.be', function: 'Algemeen directeur', language: 'nl' });
      expect(again.outcome).to.equal('unchanged');
      expect(again.person).to.deep.equal(created.person);
      const updated = await upsertPerson(db, kortrijk.id, { name: 'Els Vandenberghe', email: 'els.vandenberghe@kortrijk.be', function: 'wnd. algemeen directeur', language: 'fr' });
      expect(updated.outcome).to.equal('updated');
      expect(await personById(db, kortrijk.id, created.person.id)).to.deep.equal(updated.person);
      expect(await personByEmail(db, kortrijk.id, 'ELS.VANDENBERGHE@kortrijk.be')).to.deep.equal(updated.person);
    });

    it('keeps directories apart', async () => {
      const { person } = await upsertPerson(db, zwevegem.id, { name: 'Jan Peeters', email: 'jan@zwevegem.be', function: 'Burgemeester' });
      expect(await personById(db, kortrijk.id, person.id)).to.equal(null);
      expect(await personByEmail(db, kortrijk.id, 'jan@zwevegem.be')).to.equal(null);
      expect((await listPeople(db, kortrijk.id)).map((p) => p.email)).not.to.include('jan@zwevegem.be');
      expect((await listPeople(db, zwevegem.id)).map((p) => p.email)).to.deep.equal(['jan@zwevegem.be']);
      expect(await personById(db, kortrijk.id, 'not-a-uuid')).to.equal(null);
    });

    it('refuses invalid people', async () => {
      expect(await rejection(upsertPerson(db, kortrijk.id, { name: '', email: 'x@kortrijk.be' }))).to.include({ code: 'invalid_request' });
      expect(await rejection(upsertPerson(db, kortrijk.id, { name: 'X', email: 'x@kortrijk' }))).to.include({ code: 'invalid_request' });
      expect(await rejection(upsertPerson(db, kortrijk.id, { name: 'X', email: 'x@kortrijk.be', language: 'de' }))).to.include({ code: 'invalid_request' });
    });
  });
});
