/**
 * `user create --language` (issue 12), run as an operator runs it against a temporary DATA_DIR: the account
 * speaks the language given (Dutch without one), and a language we do not have is refused with usage (exit 2).
 */
import { expect } from 'chai';
import { organisationBySlug, userByEmail, type Knex } from '../../../src/store/index.ts';
import { cli, cliWorkspace, type CliWorkspace } from '../admin-cli/helpers.ts';

describe('user create --language (issue 12)', function () {
  this.timeout(120_000);
  let workspace: CliWorkspace;
  let env: Record<string, string>;
  let db: Knex;

  before(async () => {
    workspace = await cliWorkspace('paraaf-user-language-', { slug: 'ieper', name: 'Stad Ieper' });
    ({ env, db } = workspace);
  });
  after(() => workspace?.close());

  it('keeps the language given, Dutch without one, and refuses one we do not have', async () => {
    const french = await cli(['user', 'create', '--org', 'ieper', '--email', 'claire@ieper.test', '--role', 'staff', '--language', 'fr'], env);
    expect(french.code, french.stderr).to.equal(0);
    expect(french.stdout).to.include('Language of the staff app and of the mails: fr.');
    const dutch = await cli(['user', 'create', '--org', 'ieper', '--email', 'jan@ieper.test', '--role', 'admin'], env);
    expect(dutch.code, dutch.stderr).to.equal(0);
    const german = await cli(['user', 'create', '--org', 'ieper', '--email', 'kurt@ieper.test', '--role', 'staff', '--language', 'de'], env);
    expect(german.code).to.equal(2);
    expect(german.stderr).to.include('--language must be one of nl, en, fr.');
    const ieper = (await organisationBySlug(db, 'ieper'))!;
    expect((await userByEmail(db, ieper.id, 'claire@ieper.test'))!.language).to.equal('fr');
    expect((await userByEmail(db, ieper.id, 'jan@ieper.test'))!.language).to.equal('nl');
    expect(await userByEmail(db, ieper.id, 'kurt@ieper.test'), 'nothing created').to.equal(null);
  });
});
