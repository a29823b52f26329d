/**
 * The envelope page's timeline (issue 9, and issue 12: sentences a secretary would write): one line per person and
 * signing with their function, the long-term steps folded under it, and a recipient's own events never repeat who did them.
 */
import { expect } from 'chai';
import type { AuditEventRecord } from '../../../src/store/audit-event-repository.ts';
import { envelopeBody } from '../../../src/web/staff/follow-pages.ts';
import type { EnvelopeDto } from '../../../src/workflow/index.ts';

const AN = 'e0f96867-70d4-4d72-aac2-43828199a690';
const DOC = '4f0d8536-1c6a-48df-8b12-581e23b79d01';
const envelope = {
  id: '0ed1fe87-1f8e-4ebf-b3f0-055ad52635cf',
  title: 'Besluit gemeenteraad',
  status: 'completed',
  expiresAt: '2027-01-05T02:43:45.532Z',
  createdAt: '2026-12-06T02:43:45.532Z',
  updatedAt: '2026-12-06T02:44:12.439Z',
  documents: [{ id: DOC, name: 'besluit.pdf', position: 0, pageCount: 2, currentRevision: null }],
  recipients: [{ id: AN, personId: null, name: 'An Peeters', email: 'an@example.be', function: 'Algemeen directeur', language: 'nl', role: 'signer', routingOrder: 1, position: 0, status: 'signed', sentAt: null, openedAt: null, completedAt: null, declinedAt: null, declineReason: null, fields: [] }],
} as unknown as EnvelopeDto;

let seq = 0;
function event(action: string, details: Record<string, unknown>, actor: Pick<AuditEventRecord, 'actorKind' | 'actorId' | 'actorLabel'>): AuditEventRecord {
  seq += 1;
  return { id: `e${seq}`, seq, occurredAt: '2026-12-06T02:44:12.000Z', action, details, ...actor } as unknown as AuditEventRecord;
}
const an = { actorKind: 'recipient', actorId: AN, actorLabel: 'An Peeters <an@example.be>' } as const;
const system = { actorKind: 'system', actorId: null, actorLabel: 'long-term validation' } as const;

/** The timeline's lines: each sentence with who did it, and what is folded under it. */
function lines(language: 'nl' | 'en' | 'fr', events: AuditEventRecord[], on: EnvelopeDto = envelope): { text: string; details: string[] }[] {
  const page = envelopeBody({ language, csrf: 'x', envelope: on, events, mails: [] }).body.toString();
  const list = page.slice(page.indexOf('<ol class="timeline">'), page.indexOf('</ol>', page.indexOf('<ol class="timeline">')));
  return list.split('<li><span class="what">').slice(1).map((item) => {
    const folded = item.match(/<details>[\s\S]*?<\/details>/)?.[0] ?? '';
    return {
      text: item.slice(0, item.indexOf('</span>')),
      details: [...folded.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!),
    };
  });
}
function timeline(language: 'nl' | 'en' | 'fr', events: AuditEventRecord[], on?: EnvelopeDto): string[] {
  return lines(language, events, on).map((line) => line.text);
}

describe('staff timeline', () => {
  const operator = { actorKind: 'system', actorId: null, actorLabel: 'cert revoke (CLI)' } as const;
  const events = [
    event('signing.failed', { recipientId: AN, code: 'timestamp_unavailable', message: 'The time-stamping service is not available right now' }, an),
    event('recipient.signed', { recipientId: AN, documentId: DOC }, an),
    event('document.validation_data_added', { documentId: DOC, revisionSeq: 4, revisionSha256: 'a'.repeat(64), certificates: 4, ocspResponses: 3, crls: 0, withoutRevocation: 0 }, an),
    event('document.timestamped', { documentId: DOC, revisionSeq: 7, revisionSha256: 'b'.repeat(64), purpose: 'completion', genTime: '2026-12-06T02:44:12.430Z', tsaCertificate: { subject: 'CN=TSA', serialNumber: '01', notAfter: '2038-12-06T00:00:00Z' } }, system),
    event('document.timestamped', { documentId: DOC, revisionSeq: 8, revisionSha256: 'c'.repeat(64), purpose: 'renewal', genTime: '2036-12-06T02:44:12.430Z', tsaCertificate: { subject: 'CN=TSA 2', serialNumber: '02', notAfter: '2048-12-06T00:00:00Z' } }, system),
    event('mail.queued', { recipientId: AN, email: 'an@example.be', mail: 'completed', outboxId: 'o1' }, an),
    event('certificate.revoked', { recipientId: AN, serialNumber: '01', revokedAt: '2026-12-06T02:42:58.000Z', reason: 'keyCompromise', note: null }, operator),
  ];

  it('reads as sentences in Dutch: the signer with their function, once; the long-term steps folded under the signature', () => {
    expect(timeline('nl', events)).to.deep.equal([
      'Ondertekenen door An Peeters (algemeen directeur) mislukt: de tijdstempeldienst antwoordde niet; er werd niets ondertekend of opgeslagen.',
      'An Peeters (algemeen directeur) heeft ondertekend',
      // Set off by An's request, but Paraaf's mail: nobody is named as its author.
      'E-mail aan An Peeters (algemeen directeur): afgerond',
      'Handtekening van An Peeters (algemeen directeur) niet langer geldig: het certificaat ervan werd ingetrokken door Paraaf',
    ]);
    expect(lines('nl', events)[1]!.details).to.deep.equal([
      'besluit.pdf ondertekend',
      'Voor latere controle van de handtekeningen: certificaten en intrekkingsstatus toegevoegd aan besluit.pdf',
      'Archieftijdstempel op besluit.pdf gezet',
      'Archieftijdstempel op besluit.pdf vernieuwd',
    ]);
  });

  it('says the same in English and French', () => {
    expect(timeline('en', events)[0]).to.equal('Signing by An Peeters (algemeen directeur) failed: the time-stamping service did not answer; nothing was signed or stored.');
    expect(timeline('en', events)[1]).to.equal('An Peeters (algemeen directeur) signed');
    expect(lines('en', events)[1]!.details[3]).to.equal('Archive timestamp on besluit.pdf renewed');
    expect(timeline('fr', events)[1]).to.equal('An Peeters (algemeen directeur) a signé');
    expect(lines('fr', events)[1]!.details[2]).to.equal('Horodatage d’archivage ajouté à besluit.pdf');
  });

  it('writes one line per person for a signing of several documents in a batch, never "X ondertekende door X"', () => {
    const DOC2 = '5a1e9a62-0b47-4f63-9a3d-6f3e0e9b2c11';
    const LIES = 'c3b1f0e2-5d4a-4c6b-8e7f-0a1b2c3d4e5f';
    const two = {
      ...envelope,
      documents: [...envelope.documents, { id: DOC2, name: 'bijlage.pdf', position: 1, pageCount: 1, currentRevision: null }],
      recipients: [...envelope.recipients, { ...envelope.recipients[0]!, id: LIES, name: 'Lies Vercruysse', email: 'lies@example.be', function: 'Voorzitter OCMW-raad' }],
    } as unknown as EnvelopeDto;
    // The batch page's actor is the recipient whose link opened the batch, which need not be this envelope's row.
    const lies = { actorKind: 'recipient', actorId: 'f0000000-0000-4000-8000-000000000000', actorLabel: 'Lies Vercruysse <lies@example.be>' } as const;
    const signing = [
      event('code.verified', { recipientId: LIES, codeId: 'c1', codeRecipientId: LIES, failedAttempts: 0 }, lies),
      event('recipient.signed', { recipientId: LIES, documentId: DOC }, lies),
      event('document.validation_data_added', { documentId: DOC, revisionSeq: 4 }, lies),
      event('recipient.signed', { recipientId: LIES, documentId: DOC2 }, lies),
      event('document.validation_data_added', { documentId: DOC2, revisionSeq: 4 }, lies),
      event('batch.signed', { recipientId: LIES, batchId: 'b1', batchSize: 3 }, lies),
      event('recipient.signed', { recipientId: AN, documentId: DOC }, an),
    ];
    expect(timeline('nl', signing, two)).to.deep.equal(['Lies Vercruysse (voorzitter OCMW-raad) heeft 2 documenten ondertekend', 'An Peeters (algemeen directeur) heeft ondertekend']);
    expect(lines('nl', signing, two)[0]!.details).to.deep.equal([
      'Code van Lies Vercruysse (voorzitter OCMW-raad) gecontroleerd',
      'besluit.pdf ondertekend',
      'Voor latere controle van de handtekeningen: certificaten en intrekkingsstatus toegevoegd aan besluit.pdf',
      'bijlage.pdf ondertekend',
      'Voor latere controle van de handtekeningen: certificaten en intrekkingsstatus toegevoegd aan bijlage.pdf',
      'Samen met andere dossiers ondertekend',
    ]);
    expect(timeline('en', signing, two)[0]).to.equal('Lies Vercruysse (voorzitter OCMW-raad) signed 2 documents');
    const page = envelopeBody({ language: 'nl', csrf: 'x', envelope: two, events: signing, mails: [] }).body.toString();
    expect(page).to.not.match(/ondertekend door Lies/).and.not.include('(ontvanger)');
    expect(page).to.match(/heeft 2 documenten ondertekend<\/span> — <time datetime="2026-12-06T02:44:12.000Z">/);
  });

  it('names a staff member who acted, and a recipient who downloaded by name only', () => {
    const staff = { actorKind: 'user', actorId: 'u1', actorLabel: 'Jan Janssens' } as const;
    expect(timeline('nl', [event('envelope.sent', {}, staff), event('document.downloaded', { documentId: DOC }, an)])).to.deep.equal([
      'Dossier verstuurd door Jan Janssens (medewerker)',
      'Document gedownload door An Peeters',
    ]);
  });

  it('says why a signing with the signer’s own certificate failed, and something plain for a cause it does not know', () => {
    const failed = (code: string) => [event('signing.failed', { recipientId: AN, code, message: 'x', method: 'web-eid' }, an)];
    expect(timeline('nl', failed('certificate_not_qualified'))).to.deep.equal([
      'Ondertekenen door An Peeters (algemeen directeur) mislukt: het voorgelegde certificaat maakt geen gekwalificeerde handtekening; er werd niets ondertekend.',
    ]);
    expect(timeline('fr', failed('certificate_revoked'))).to.deep.equal(['La signature de An Peeters (algemeen directeur) a échoué : le certificat a été révoqué ; rien n’a été signé.']);
    expect(timeline('en', failed('something_new'))).to.deep.equal(['Signing by An Peeters (algemeen directeur) failed: something went wrong; nothing was stored.']);
  });
});
