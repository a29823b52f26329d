import type { Knex } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

/** Registers hooks that give each test a fresh app and database (SQLite, or PostgreSQL with TEST_DATABASE_URL). */
export function freshDbPerTest(): { readonly app: TestApp; readonly db: Knex } {
  let app: TestApp | undefined;
  beforeEach(async () => {
    app = await bootstrap();
  });
  afterEach(() => app?.close());
  return {
    get app() {
      if (!app) throw new Error('no app outside a test');
      return app;
    },
    get db() {
      if (!app) throw new Error('no database outside a test');
      return app.deps.db;
    },
  };
}
