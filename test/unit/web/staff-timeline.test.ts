/**
 * The envelope page's timeline (issue 9): the long-term steps name their document and are Paraaf's own, and a
 * recipient's own events do not repeat who did them.
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

function timeline(language: 'nl' | 'en' | 'fr', events: AuditEventRecord[]): string[] {
  const page = envelopeBody({ language, csrf: 'x', envelope, events, mails: [] }).body.toString();
  const list = page.slice(page.indexOf('<ol class="timeline">'), page.indexOf('</ol>', page.indexOf('<ol class="timeline">')));
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').replace(/^[^:]+\d{2}:\d{2}: /, ''));
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

  it('reads as sentences in Dutch: the failure says nothing was stored, the long-term steps name the document', () => {
    expect(timeline('nl', events)).to.deep.equal([
      'Ondertekenen door An Peeters mislukt: de tijdstempeldienst antwoordde niet; er werd niets ondertekend of opgeslagen.',
      'An Peeters ondertekende',
      'Voor latere controle van de handtekeningen: certificaten en intrekkingsstatus toegevoegd aan besluit.pdf door Paraaf',
      'Archieftijdstempel op besluit.pdf gezet door Paraaf',
      'Archieftijdstempel op besluit.pdf vernieuwd door Paraaf',
      // Set off by An's own request, but not An's action: the mail keeps its "door".
      'E-mail klaargezet voor an@example.be door An Peeters &lt;an@example.be&gt; (ontvanger)',
      'Handtekening van An Peeters niet langer geldig: het certificaat ervan werd ingetrokken door Paraaf',
    ]);
  });

  it('says the same in English and French', () => {
    expect(timeline('en', events)[0]).to.equal('Signing by An Peeters failed: the time-stamping service did not answer; nothing was signed or stored.');
    expect(timeline('en', events)[4]).to.equal('Archive timestamp on besluit.pdf renewed by Paraaf');
    expect(timeline('fr', events)[3]).to.equal('Horodatage d’archivage ajouté à besluit.pdf par Paraaf');
  });

  it('says why a signing with the signer’s own certificate failed, and something plain for a cause it does not know', () => {
    const failed = (code: string) => [event('signing.failed', { recipientId: AN, code, message: 'x', method: 'web-eid' }, an)];
    expect(timeline('nl', failed('certificate_not_qualified'))).to.deep.equal([
      'Ondertekenen door An Peeters mislukt: het voorgelegde certificaat maakt geen gekwalificeerde handtekening; er werd niets ondertekend.',
    ]);
    expect(timeline('fr', failed('certificate_revoked'))).to.deep.equal(['La signature de An Peeters a échoué : le certificat a été révoqué ; rien n’a été signé.']);
    expect(timeline('en', failed('something_new'))).to.deep.equal(['Signing by An Peeters failed: something went wrong; nothing was stored.']);
  });
});
