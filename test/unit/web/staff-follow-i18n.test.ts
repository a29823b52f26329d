/** The follow-up pages' catalogs: same keys and placeholders in nl, en and fr, and every status and audit action has a label. */
import { expect } from 'chai';
import { AUDIT_ACTIONS } from '../../../src/audit/index.ts';
import { ENVELOPE_STATUSES } from '../../../src/domain/envelope-state.ts';
import { MAIL_KINDS } from '../../../src/notify/index.ts';
import { followCatalogs, followDateTime, followNl, followTranslator } from '../../../src/web/staff/follow-i18n.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('staff follow-up catalogs', () => {
  const keys = Object.keys(followNl).sort();

  for (const language of ['en', 'fr'] as const) {
    it(`${language} has exactly the Dutch keys, with the same placeholders and no empty text`, () => {
      const catalog = followCatalogs[language];
      expect(Object.keys(catalog).sort()).to.deep.equal(keys);
      for (const key of keys) {
        const k = key as keyof typeof followNl;
        expect(catalog[k].trim(), `${language} ${key}`).to.not.equal('');
        expect(placeholders(catalog[k]), `${language} ${key}`).to.deep.equal(placeholders(followNl[k]));
      }
    });
  }

  it('labels every envelope status, envelope audit action and mail kind in every language', () => {
    // Organisation-level actions (logins, users, people, settings, routes, webhooks, meetings, functions and mandates) never appear in an envelope's timeline.
    const envelopeActions = AUDIT_ACTIONS.filter((a) => !/^(staff|user|person|people|organisation|route|webhook|meeting|function|mandates?|absence|delegation)\./.test(a));
    expect(envelopeActions).to.include.members(['envelope.created', 'recipient.email_corrected', 'mail.retried', 'document.downloaded']);
    const needed = [...ENVELOPE_STATUSES.map((s) => `status.${s}`), ...envelopeActions.map((a) => `event.${a}`), ...MAIL_KINDS.map((k) => `mail.${k}`)];
    for (const key of needed) expect(keys, key).to.include(key);
  });

  it('fills placeholders and writes dates in Europe/Brussels', () => {
    expect(followTranslator('nl')('event.recipient.signed', { name: 'An' })).to.equal('An heeft ondertekend');
    expect(followTranslator('fr')('envelope.status', { status: 'Envoyée' })).to.equal('Statut : Envoyée');
    // 22:30 UTC on 30 June is 00:30 on 1 July in Brussels (CEST).
    expect(followDateTime('2026-06-30T22:30:00Z', 'nl')).to.match(/1 juli 2026/).and.match(/00:30/);
    expect(followDateTime('2026-01-15T12:00:00Z', 'en')).to.match(/13:00/);
  });
});
