/** The development bootstrap: a demo organisation and one logged API key, once. */
import { expect } from 'chai';
import { authenticateApiKey, createOrganisation, listApiKeys, organisationBySlug } from '../../../src/store/index.ts';
import { bootstrapDemoOrganisation } from '../../../src/workflow/bootstrap-demo.ts';
import { freshDbPerTest } from './fresh-db.ts';

function captureLogger() {
  const lines: string[] = [];
  return { lines, logger: { info: (message: string) => lines.push(message) } as never };
}

describe('store: demo bootstrap', () => {
  const fresh = freshDbPerTest();

  it('creates the demo organisation and a working API key on an empty database, and logs the key once', async () => {
    const { lines, logger } = captureLogger();
    const key = await bootstrapDemoOrganisation(fresh.db, { logger });
    expect(key).to.match(/^pk_/);
    expect(lines).to.deep.equal([`Demo organisation 'demo' created; API key: ${key}`]);
    const demo = await organisationBySlug(fresh.db, 'demo');
    expect(demo?.name).to.equal('Demo-gemeente');
    expect(await authenticateApiKey(fresh.db, key!)).to.deep.include({ organisationId: demo?.id });

    expect(await bootstrapDemoOrganisation(fresh.db, { logger })).to.equal(null);
    expect(lines).to.have.length(1);
    expect(await listApiKeys(fresh.db, demo!.id)).to.have.length(1);
  });

  it('does nothing once any organisation exists', async () => {
    await createOrganisation(fresh.db, { slug: 'kortrijk', name: 'Stad Kortrijk' });
    const { lines, logger } = captureLogger();
    expect(await bootstrapDemoOrganisation(fresh.db, { logger })).to.equal(null);
    expect(lines).to.deep.equal([]);
    expect(await organisationBySlug(fresh.db, 'demo')).to.equal(null);
  });

  it('creates it once when two instances start at the same moment', async () => {
    const { lines, logger } = captureLogger();
    const keys = await Promise.all([bootstrapDemoOrganisation(fresh.db, { logger }), bootstrapDemoOrganisation(fresh.db, { logger })]);
    expect(keys.filter(Boolean)).to.have.length(1);
    expect(lines).to.have.length(1);
  });
});
