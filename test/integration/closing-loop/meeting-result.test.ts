/**
 * A meeting's results (issue 12), over HTTP with a real SMTP server: the completion mails wait for the meeting's
 * last envelope, then each person gets ONE mail for the whole meeting, listing the items they signed or received
 * in agenda order, with one link whose page downloads each of them.
 */
import { expect } from 'chai';
import request from 'supertest';
import { BASE_URL, startE2E, type E2E } from '../e2e/harness.ts';

const UA = 'Mozilla/5.0 (meeting result test) Firefox/140';
const DIRECTOR = { name: 'Dirk Directeur', email: 'dirk@zonnebeke.test', function: 'Algemeen directeur' };
const CHAIR = { name: 'Vera Voorzitter', email: 'vera@zonnebeke.test', function: 'Voorzitter gemeenteraad' };
const ARCHIVE = { name: 'Archief', email: 'archief@zonnebeke.test' };
const TITLE = 'Gemeenteraad 9 februari 2027';
const MEETING_LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]{20,})\/batch\/meetings\/([0-9a-f-]{36})/;
const RESULT_LINK = /https:\/\/paraaf\.test\/r\/([A-Za-z0-9_-]{20,})/;

describe('meetings: one completion mail per person when the last item closes (issue 12)', function () {
  this.timeout(180_000);
  let e2e: E2E;
  let meetingId: string;

  const api = () => request(e2e.app.url);
  const subjects = async (to: string, prefix: string) => (await e2e.mails({ to })).filter((m) => m.subject.startsWith(prefix));
  /** Opens the meeting page of the person's one link, downloads each document (read before signing) and signs all. */
  const signAll = async (to: string) => {
    const [mail] = await subjects(to, 'Te ondertekenen: ');
    const [, token, id] = MEETING_LINK.exec(mail!.text) ?? [];
    const page = await api().get(`/s/${token}/batch/meetings/${id}`).set('User-Agent', UA);
    expect(page.status).to.equal(200);
    const ids = [...page.text.matchAll(/name="envelope" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    for (const [, url] of page.text.matchAll(/href="(\/s\/[^"]+\/batch\/envelopes\/[0-9a-f-]{36}\/documents\/[0-9a-f-]{36})"/g)) await api().get(url!).set('User-Agent', UA).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text.slice(page.text.indexOf('/batch/sign"')))![1]!;
    const body = [`_csrf=${encodeURIComponent(csrf)}`, ...ids.map((i) => `envelope=${i}`), 'consent=ja', `meeting=${id}`].join('&');
    const signed = await api().post(`/s/${token}/batch/sign`).set('User-Agent', UA).type('form').send(body);
    expect(signed.status).to.equal(200);
    await e2e.deliver();
  };

  before(async () => {
    e2e = await startE2E();
    const created = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title: TITLE, date: '2027-02-09' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    meetingId = created.body.id;
    const items = [
      { agendaItem: '1', title: 'Goedkeuring notulen', kind: 'minutes', cc: false },
      { agendaItem: '2', title: 'Subsidie muziekschool', kind: 'decision', cc: true },
    ];
    for (const [position, item] of items.entries()) {
      const res = await e2e.createEnvelope({
        title: item.title,
        meetingId,
        agendaItem: item.agendaItem,
        agendaPosition: position,
        kind: item.kind,
        expiresAt: '2031-06-30T15:00:00+02:00',
        recipients: [
          { ...DIRECTOR, role: 'signer', order: 1 },
          { ...CHAIR, role: 'signer', order: 2 },
          ...(item.cc ? [{ ...ARCHIVE, role: 'cc', order: 3 }] : []),
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    expect((await api().post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).send()).status).to.equal(200);
    await e2e.deliver();
  });
  after(async () => {
    await e2e?.close();
  });

  it('no completion mail while the meeting is open; then one per person, listing their items in agenda order', async () => {
    await signAll(DIRECTOR.email);
    expect(await subjects(DIRECTOR.email, 'Ondertekend: '), 'nothing is complete yet').to.have.length(0);
    await signAll(CHAIR.email);
    for (const who of [DIRECTOR, CHAIR, ARCHIVE]) {
      const mails = await subjects(who.email, 'Ondertekend: ');
      expect(mails.map((m) => m.subject), who.email).to.deep.equal([`Ondertekend: ${TITLE}`]);
    }
    const director = (await subjects(DIRECTOR.email, 'Ondertekend: '))[0]!.text;
    expect(director.indexOf('1. Goedkeuring notulen')).to.be.greaterThan(-1).and.below(director.indexOf('2. Subsidie muziekschool'));
    const archive = (await subjects(ARCHIVE.email, 'Ondertekend: '))[0]!.text;
    expect(archive).to.include('2. Subsidie muziekschool').and.not.include('Goedkeuring notulen');
  });

  it("each person's one link lists their items and downloads each signed PDF", async () => {
    for (const [who, count] of [
      [DIRECTOR, 2],
      [ARCHIVE, 1],
    ] as const) {
      const mail = (await subjects(who.email, 'Ondertekend: '))[0]!;
      const token = RESULT_LINK.exec(mail.text)?.[1];
      expect(mail.html).to.include(`${BASE_URL}/r/${token}`);
      const page = await api().get(`/r/${token}`);
      expect(page.status).to.equal(200);
      const downloads = [...page.text.matchAll(/href="(\/r\/[^"]+\/documents\/[0-9a-f-]{36}\/[0-9a-f-]{36})"/g)].map((m) => m[1]!);
      expect(downloads, who.email).to.have.length(count);
      for (const url of downloads) {
        const res = await api().get(url).buffer(true).parse((r, callback) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => callback(null, Buffer.concat(chunks)));
        });
        expect(res.status).to.equal(200);
        expect((res.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
      }
    }
  });
});
