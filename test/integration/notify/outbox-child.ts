/**
 * A worker process for the kill -9 test (mail-delivery-once.test.ts): one outbox run against the
 * test's database and SMTP server, then it waits to be killed. Not a test file itself.
 */
import { createLogger } from '../../../src/logger.ts';
import { createSmtpMailer } from '../../../src/notify/mailer.ts';
import { createOutboxWorker } from '../../../src/notify/outbox-worker.ts';
import { createDb } from '../../../src/store/db.ts';
import { createKnexOutboxStore } from '../../../src/store/knex-outbox-store.ts';

const db = createDb(
  { client: process.env.CHILD_DB_CLIENT === 'pg' ? 'pg' : 'sqlite3', url: process.env.CHILD_DB_URL! },
  { searchPath: process.env.CHILD_DB_SCHEMA || undefined },
);
const worker = createOutboxWorker({
  store: createKnexOutboxStore(db),
  mailer: createSmtpMailer(process.env.CHILD_SMTP_URL!, 'Paraaf <noreply@paraaf.test>'),
  webhookTarget: async () => null,
  clock: () => new Date(),
  logger: createLogger({ level: 'silent' }),
});
process.stdout.write('running\n');
await worker.runOnce();
process.stdout.write('ran\n');
