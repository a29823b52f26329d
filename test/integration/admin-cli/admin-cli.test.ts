/** The admin commands of DESIGN §7, run as processes against a temporary DATA_DIR: output, exit codes, errors. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config.ts';
import { authenticateApiKey, createDb, listPeople, organisationBySlug, verifyPassword, type Knex } from '../../../src/store/index.ts';
import { migrations } from '../../../src/store/migrations/index.ts';
import { cli } from './helpers.ts';

describe('admin CLI', function () {
  let work: string;
  let env: Record<string, string>;
  let db: Knex;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-admin-cli-'));
    env = { DATA_DIR: path.join(work, 'data'), CERTS_DIR: path.join(work, 'certs'), LOG_LEVEL: 'silent' };
    const created = await cli(['org', 'create', 'kortrijk', '--name', 'Stad Kortrijk'], env);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.match(/^Created organisation 'kortrijk' \(Stad Kortrijk\), id [0-9a-f-]{36}\.\n$/);
    // The test reads what the commands wrote through the same configuration they use.
    db = createDb(loadConfig(env).database);
  });
  after(async () => {
    await db?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  const csv = (name: string, content: string | Buffer): string => {
    const file = path.join(work, name);
    writeFileSync(file, content);
    return file;
  };

  describe('migrate', () => {
    it('reports an up-to-date database (the first command already migrated it)', async () => {
      const run = await cli(['migrate'], env);
      expect(run).to.deep.include({ code: 0, stdout: 'Database is up to date.\n' });
    });

    it('applies every migration to a new database', async () => {
      const run = await cli(['migrate'], { ...env, DATA_DIR: path.join(work, 'fresh') });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(new RegExp(`^Applied ${migrations.length} migration\\(s\\):\\n {2}20251128_0001_organisations\\n`));
    });

    it('takes no arguments', async () => {
      expect((await cli(['migrate', 'now'], env)).code).to.equal(2);
    });
  });

  describe('org create', () => {
    it('refuses a slug that exists, with exit 1', async () => {
      const run = await cli(['org', 'create', 'kortrijk', '--name', 'Nog eens'], env);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.equal("Error (organisation_exists): An organisation with slug 'kortrijk' already exists.\n");
    });

    it('refuses a bad slug with exit 1 and a missing --name with usage (exit 2)', async () => {
      const bad = await cli(['org', 'create', 'Stad Menen', '--name', 'Stad Menen'], env);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.include("Invalid organisation slug 'Stad Menen'");
      const usage = await cli(['org', 'create', 'menen'], env);
      expect(usage.code).to.equal(2);
      expect(usage.stderr).to.include('--name "…" is required.').and.include('Usage: npm run cli');
      expect((await cli(['org', 'delete', 'menen'], env)).stderr).to.include("Unknown subcommand 'org delete'");
    });
  });

  describe('api-key', () => {
    it('creates a key that is printed once and authenticates, lists it, and revokes it by prefix', async () => {
      const created = await cli(['api-key', 'create', '--org', 'kortrijk', '--name', 'zaaksysteem'], env);
      expect(created.code, created.stderr).to.equal(0);
      const key = /API key \(shown once, store it now\): (pk_[A-Za-z0-9_-]{43})\n/.exec(created.stdout)?.[1];
      expect(key).to.be.a('string');
      const kortrijk = await organisationBySlug(db, 'kortrijk');
      expect((await authenticateApiKey(db, key!))?.organisationId).to.equal(kortrijk?.id);

      const list = await cli(['api-key', 'list', '--org', 'kortrijk'], env);
      expect(list.code).to.equal(0);
      expect(list.stdout).to.match(/^PREFIX +STATUS +CREATED +LAST USED +NAME +ID\n/);
      expect(list.stdout).to.include(key!.slice(0, 12)).and.include('zaaksysteem').and.not.include(key!.slice(12));

      const revoked = await cli(['api-key', 'revoke', '--org', 'kortrijk', key!.slice(0, 12)], env);
      expect(revoked.code, revoked.stderr).to.equal(0);
      expect(revoked.stdout).to.include(`Revoked API key 'zaaksysteem' (${key!.slice(0, 12)}…)`);
      expect(await authenticateApiKey(db, key!)).to.equal(null);
      expect((await cli(['api-key', 'list', '--org', 'kortrijk'], env)).stdout).to.match(/revoked/);
    });

    it('revokes by id, and fails with exit 1 on an unknown key', async () => {
      const created = await cli(['api-key', 'create', '--org', 'kortrijk', '--name', 'notulen'], env);
      const id = /\(id ([0-9a-f-]{36}),/.exec(created.stdout)?.[1];
      expect((await cli(['api-key', 'revoke', '--org', 'kortrijk', id!], env)).code).to.equal(0);
      const unknown = await cli(['api-key', 'revoke', '--org', 'kortrijk', 'pk_nothere00'], env);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.equal("Error (api_key_not_found): No API key 'pk_nothere00' in this organisation.\n");
    });

    it('fails with exit 1 and a clear message for an unknown organisation', async () => {
      for (const args of [
        ['api-key', 'create', '--org', 'menen', '--name', 'x'],
        ['api-key', 'list', '--org', 'menen'],
        ['api-key', 'revoke', '--org', 'menen', 'pk_abc'],
      ]) {
        const run = await cli(args, env);
        expect(run.code, args.join(' ')).to.equal(1);
        expect(run.stderr).to.match(/^Error \(organisation_not_found\): Unknown organisation 'menen'\./);
      }
    });

    it('needs --org and --name (exit 2)', async () => {
      expect((await cli(['api-key', 'create', '--name', 'x'], env)).code).to.equal(2);
      expect((await cli(['api-key', 'create', '--org', 'kortrijk'], env)).code).to.equal(2);
      expect((await cli(['api-key', 'list', '--org', 'kortrijk', '--bogus'], env)).code).to.equal(2);
    });
  });

  describe('user create', () => {
    it('creates a user and prints a one-time password that works', async () => {
      const run = await cli(['user', 'create', '--org', 'kortrijk', '--email', 'Secretariaat@Kortrijk.be', '--role', 'staff', '--name', 'Secretariaat'], env);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^Created staff user secretariaat@kortrijk\.be in 'kortrijk' \(id [0-9a-f-]{36}\)\.\n/);
      const password = /One-time password \(shown once; hand it over securely\): (\S+)\n/.exec(run.stdout)?.[1];
      const kortrijk = await organisationBySlug(db, 'kortrijk');
      const user = await verifyPassword(db, kortrijk!.id, 'secretariaat@kortrijk.be', password!);
      expect(user).to.include({ role: 'staff', name: 'Secretariaat' });
      // Issue 10: a password someone else chose must be changed at the first login.
      expect(user!.mustChangePassword).to.equal(true);
      expect(run.stdout).to.include('It must be changed at the first login.');
    });

    it('refuses a duplicate (exit 1), a bad role or missing e-mail (exit 2), an unknown organisation (exit 1)', async () => {
      await cli(['user', 'create', '--org', 'kortrijk', '--email', 'admin@kortrijk.be', '--role', 'admin'], env);
      const duplicate = await cli(['user', 'create', '--org', 'kortrijk', '--email', 'ADMIN@kortrijk.be', '--role', 'admin'], env);
      expect(duplicate.code).to.equal(1);
      expect(duplicate.stderr).to.include('Error (user_exists)');
      expect((await cli(['user', 'create', '--org', 'kortrijk', '--email', 'x@kortrijk.be', '--role', 'boss'], env)).code).to.equal(2);
      expect((await cli(['user', 'create', '--org', 'kortrijk', '--role', 'admin'], env)).code).to.equal(2);
      const unknown = await cli(['user', 'create', '--org', 'menen', '--email', 'x@menen.be', '--role', 'admin'], env);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.include("Unknown organisation 'menen'");
      const invalid = await cli(['user', 'create', '--org', 'kortrijk', '--email', 'not-an-address', '--role', 'admin'], env);
      expect(invalid.code).to.equal(1);
      expect(invalid.stderr).to.include("Invalid e-mail address 'not-an-address'");
    });
  });

  describe('people import', () => {
    it('imports a UTF-8 file with a BOM, CRLF and quoted fields, then reports updates on a second run', async () => {
      const file = csv(
        'raad.csv',
        '\uFEFFname,email,function,language\r\n' +
          '"Vandenberghe, Els",els@kortrijk.be,"Algemeen directeur",nl\r\n' +
          'Jan Peeters,jan@kortrijk.be,"Voorzitter van de gemeenteraad, lid",\r\n' +
          'Zoë Dubois,zoe@kortrijk.be,"wnd. ""burgemeester""",fr\r\n',
      );
      const first = await cli(['people', 'import', '--org', 'kortrijk', file], env);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.equal(`Imported ${file} into 'kortrijk': 3 created, 0 updated, 0 unchanged, 0 skipped.\n`);
      const kortrijk = await organisationBySlug(db, 'kortrijk');
      const people = await listPeople(db, kortrijk!.id);
      expect(people.map((p) => [p.name, p.email, p.function, p.language])).to.deep.equal([
        ['Jan Peeters', 'jan@kortrijk.be', 'Voorzitter van de gemeenteraad, lid', 'nl'],
        ['Vandenberghe, Els', 'els@kortrijk.be', 'Algemeen directeur', 'nl'],
        ['Zoë Dubois', 'zoe@kortrijk.be', 'wnd. "burgemeester"', 'fr'],
      ]);

      const changed = csv('raad2.csv', 'name,email,function\nEls Vandenberghe,ELS@kortrijk.be,wnd. algemeen directeur\nJan Peeters,jan@kortrijk.be,"Voorzitter van de gemeenteraad, lid"\n');
      const second = await cli(['people', 'import', '--org', 'kortrijk', changed], env);
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stdout).to.include('0 created, 1 updated, 1 unchanged, 0 skipped.');
    });

    it('reads the semicolon CSV that Excel writes in a Belgian locale', async () => {
      const file = csv('excel.csv', 'name;email;function;language\nMarie Lambert;marie@kortrijk.be;Schepen;fr\n');
      const run = await cli(['people', 'import', '--org', 'kortrijk', file], env);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.include('1 created');
    });

    it('skips invalid rows, imports the rest, names each bad line and exits 1', async () => {
      const file = csv(
        'bad.csv',
        'name,email,function,language\n' +
          'Goede Rij,goed@kortrijk.be,Schepen,nl\n' + // line 2
          ',leeg@kortrijk.be,Schepen,nl\n' + // line 3: no name
          'Geen Adres,geen-adres,Schepen,nl\n' + // line 4
          '\n' + // line 5: blank, ignored
          'Duits,duits@kortrijk.be,Schepen,de\n' + // line 6
          'Te Weinig,weinig@kortrijk.be\n' + // line 7
          '"Meerdere\nregels",multi@kortrijk.be,Schepen,nl\n' + // lines 8-9: a quoted line break is allowed
          'Dubbel,GOED@kortrijk.be,Schepen,nl\n', // line 10
      );
      const run = await cli(['people', 'import', '--org', 'kortrijk', file], env);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal(`Imported ${file} into 'kortrijk': 2 created, 0 updated, 0 unchanged, 5 skipped.\n`);
      expect(run.stderr.split('\n').filter(Boolean)).to.deep.equal([
        '  line 3: name is empty',
        "  line 4: 'geen-adres' is not an e-mail address",
        "  line 6: language 'de' is not one of nl, en, fr",
        '  line 7: expected 4 fields, found 2',
        '  line 10: goed@kortrijk.be already appears on line 2',
      ]);
      const kortrijk = await organisationBySlug(db, 'kortrijk');
      const emails = (await listPeople(db, kortrijk!.id)).map((p) => p.email);
      expect(emails).to.include.members(['goed@kortrijk.be', 'multi@kortrijk.be']);
    });

    it('refuses a wrong header, an unclosed quote and a file that is not UTF-8, importing nothing', async () => {
      const header = await cli(['people', 'import', '--org', 'kortrijk', csv('h.csv', 'naam,email,functie\nA,a@kortrijk.be,B\n')], env);
      expect(header.code).to.equal(1);
      expect(header.stderr).to.include("Line 1: the header must be name,email,function[,language] (missing column 'name', missing column 'function', unknown column 'naam', unknown column 'functie')");
      const quote = await cli(['people', 'import', '--org', 'kortrijk', csv('q.csv', 'name,email,function\n"Open,open@kortrijk.be,X\n')], env);
      expect(quote.code).to.equal(1);
      expect(quote.stderr).to.include('line 2: a quoted field is not closed');
      const latin1 = await cli(['people', 'import', '--org', 'kortrijk', csv('l.csv', Buffer.from('name,email,function\nZo\xeb,zoe2@kortrijk.be,X\n', 'latin1'))], env);
      expect(latin1.code).to.equal(1);
      expect(latin1.stderr).to.include('is not UTF-8 text');
      const kortrijk = await organisationBySlug(db, 'kortrijk');
      expect((await listPeople(db, kortrijk!.id)).map((p) => p.email)).not.to.include.members(['a@kortrijk.be', 'open@kortrijk.be', 'zoe2@kortrijk.be']);
    });

    it('fails with exit 1 for an unknown organisation and exit 2 for a missing file', async () => {
      const file = csv('ok.csv', 'name,email,function\nA,a@menen.be,B\n');
      const unknown = await cli(['people', 'import', '--org', 'menen', file], env);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.include("Error (organisation_not_found): Unknown organisation 'menen'.");
      const missing = await cli(['people', 'import', '--org', 'kortrijk', path.join(work, 'nope.csv')], env);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include('Cannot read');
    });
  });
});
