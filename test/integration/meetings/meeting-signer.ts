/** What the meeting tests share (issue 12): the meeting link in a mail, and signing a meeting's items through it over HTTP. */
import { expect } from 'chai';
import request from 'supertest';
import { cookieJar } from '../../helpers/cookie-jar.ts';
import type { E2E } from '../e2e/harness.ts';

export const UA = 'Mozilla/5.0 (meeting test) Firefox/140';
export const DIRECTOR = { name: 'Dirk Directeur', email: 'dirk.directeur@zonnebeke.be', function: 'Algemeen directeur' };
export const CHAIR = { name: 'Vera Voorzitter', email: 'vera.voorzitter@zonnebeke.be', function: 'Voorzitter gemeenteraad' };
export const MEETING_LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]{20,})\/batch\/meetings\/([0-9a-f-]{36})/;

export const csrfOfForm = (page: string, action: string): string => {
  const at = page.indexOf(`/${action}"`);
  expect(at, `a form posting to /${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(at))![1]!;
};

/** The meeting mails ("Te ondertekenen: …") to one address. */
export async function requestMails(e2e: E2E, to: string) {
  return (await e2e.mails({ to })).filter((m) => m.subject.startsWith('Te ondertekenen: '));
}

/** The token of the one meeting link in a mail. */
export function meetingToken(text: string, meetingId: string): string {
  const [, token, id] = MEETING_LINK.exec(text) ?? [];
  expect(id, text).to.equal(meetingId);
  return token!;
}

/** The envelope ids the meeting page lists for a link (200 expected). */
export async function listedOnMeetingPage(e2e: E2E, token: string, meetingId: string): Promise<{ page: string; ids: string[] }> {
  const page = await request(e2e.app.url).get(`/s/${token}/batch/meetings/${meetingId}`).set('User-Agent', UA);
  expect(page.status, page.text.slice(0, 300)).to.equal(200);
  return { page: page.text, ids: [...page.text.matchAll(/name="envelope" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!) };
}

/** Opens the meeting page, reads (downloads) the chosen items and signs them in one batch. */
export async function signMeeting(e2e: E2E, token: string, id: string, only?: (ids: string[]) => string[]) {
  const api = () => request(e2e.app.url);
  const { page, ids: listed } = await listedOnMeetingPage(e2e, token, id);
  const ids = only ? only(listed) : listed;
  // A document must have been opened before it is signed (issue 12): the signer downloads each one first.
  const downloads = new Set([...page.matchAll(/href="(\/s\/[^"]+\/batch\/envelopes\/[0-9a-f-]{36}\/documents\/[0-9a-f-]{36})"/g)].map((m) => m[1]!));
  expect(downloads.size).to.equal(listed.length);
  for (const url of [...downloads].filter((u) => ids.some((i) => u.includes(i)))) expect((await api().get(url).set('User-Agent', UA)).status).to.equal(200);
  const body = [`_csrf=${encodeURIComponent(csrfOfForm(page, 'batch/sign'))}`, ...ids.map((i) => `envelope=${i}`), 'consent=ja', `meeting=${id}`].join('&');
  const signed = await api().post(`/s/${token}/batch/sign`).set('User-Agent', UA).type('form').send(body);
  expect(signed.status, signed.text.slice(0, 500)).to.equal(200);
  expect([...signed.text.matchAll(/data-outcome="signed"/g)], (signed.text.match(/data-reason="[^"]*"/g) ?? []).join(' ')).to.have.length(ids.length);
  return { page, ids: listed };
}

/** A sent meeting of `titles` (agenda 1, 2, …), signed by the director and then the chair; returns its id and envelope ids in agenda order. */
export async function sentMeeting(e2e: E2E, title: string, titles: string[]): Promise<{ id: string; envelopeIds: string[] }> {
  const api = () => request(e2e.app.url);
  const created = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title, date: '2027-03-02' });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  const id = created.body.id as string;
  const envelopeIds: string[] = [];
  for (const [i, itemTitle] of titles.entries()) {
    const res = await e2e.createEnvelope({ title: itemTitle, meetingId: id, agendaItem: String(i + 1), recipients: [{ ...DIRECTOR, role: 'signer', order: 1 }, { ...CHAIR, role: 'signer', order: 2 }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    envelopeIds.push(res.body.id);
  }
  const sent = await api().post(`/api/v1/meetings/${id}/send`).set(e2e.auth()).send();
  expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
  await e2e.deliver();
  return { id, envelopeIds };
}

/** A staff member's session over supertest, with its cookies in a jar of our own (cookie-jar.ts). */
export async function staffSession(e2e: E2E, email: string, password: string) {
  const { keep, header: cookies } = cookieJar();
  const session = {
    get: async (path: string) => keep(await request(e2e.app.url).get(path).set('Cookie', cookies())),
    post: (path: string) => request(e2e.app.url).post(path).set('Cookie', cookies()),
    keep,
    /** The CSRF token of the form posting to `action` on `page`. */
    csrf: (page: string, action: string) => csrfOfForm(page, action.replace(/^\//, '')),
  };
  const login = await session.get('/app/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!;
  expect(keep(await session.post('/app/login').type('form').send({ _csrf: csrf, email, password })).status).to.equal(303);
  return session;
}
