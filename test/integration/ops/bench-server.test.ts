import { expect } from 'chai';
import { startMailSink, type MailSink } from '../../../scripts/bench/mail-sink.ts';
import { startServerChild, type ServerChild } from '../../../scripts/bench/server-child.ts';
import type { ServerStats } from '../../../scripts/bench/http-server.ts';

/**
 * The benches' server (scripts/bench/http-server.ts) must not itself grow with the load it serves:
 * it once kept every request's record (with a sign's SQL) for its whole life, ~18 KB a signature,
 * which the soak reported as the service's memory not being steady.
 */
describe('bench server', function () {
  this.timeout(120_000);
  let sink: MailSink;
  let server: ServerChild;

  before(async () => {
    sink = await startMailSink();
    server = await startServerChild({ BENCH_SMTP_URL: sink.url }, 90_000, ['--expose-gc']);
  });

  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  const requests = async (n: number) => {
    for (let i = 0; i < n; i++) await (await fetch(`${server.ready.url}/no-such-page-${i}`)).arrayBuffer();
  };

  it('keeps no request records until a bench asks for them, then only those since its stats-reset', async () => {
    await requests(5);
    expect((await server.call<ServerStats>({ cmd: 'stats' })).requests).to.have.length(0);
    await server.call({ cmd: 'stats-reset' });
    await requests(3);
    const stats = await server.call<ServerStats>({ cmd: 'stats' });
    expect(stats.requests.map((r) => r.status)).to.deep.equal([404, 404, 404]);
  });

  it('answers its gc command with the memory left after a full collection', async () => {
    const memory = await server.call<NodeJS.MemoryUsage>({ cmd: 'gc' });
    expect(memory.heapUsed).to.be.greaterThan(10 * 1024 * 1024);
    expect(memory.heapUsed).to.be.at.most(memory.heapTotal);
  });
});
