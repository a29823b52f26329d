/** How the audit report words the events of issue 9 (a failed signing, a revoked certificate), read back with pdftotext. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { renderAuditReport, type AuditReportData } from '../../../src/audit/index.ts';
import type { AuditEventRecord } from '../../../src/store/audit-event-repository.ts';

const run = promisify(execFile);
const AN = 'e0f96867-70d4-4d72-aac2-43828199a690';

function event(seq: number, action: string, details: Record<string, unknown>, actorKind: string, actorLabel: string | null): AuditEventRecord {
  return { id: `e${seq}`, seq, occurredAt: '2026-12-06T02:44:12.000Z', action, details, actorKind, actorId: null, actorLabel, ip: null, userAgent: null, prevHash: '0'.repeat(64), hash: String(seq).repeat(64).slice(0, 64) } as unknown as AuditEventRecord;
}

const data: AuditReportData = {
  organisation: { name: 'Gemeente Malle' },
  envelope: { id: 'env-1', title: 'Besluit college', status: 'in_progress', createdAt: '2026-12-06T02:40:00.000Z', sentAt: '2026-12-06T02:40:00.000Z', completedAt: null, declinedAt: null, cancelledAt: null, expiredAt: null },
  documents: [],
  recipients: [{ id: AN, name: 'An Peeters', email: 'an@malle.be', function: null, role: 'signer', routingOrder: 1, status: 'opened' }],
  events: [
    event(1, 'signing.failed', { recipientId: AN, code: 'timestamp_unavailable', message: 'The time-stamping service is not available right now' }, 'recipient', 'An Peeters <an@malle.be>'),
    event(2, 'signing.failed', { recipientId: AN, code: 'something_else', message: 'What the service recorded' }, 'recipient', 'An Peeters <an@malle.be>'),
    event(3, 'certificate.revoked', { recipientId: AN, serialNumber: '468B5B6A1E5BCFFB', revokedAt: '2026-12-06T02:42:58.000Z', reason: 'keyCompromise', note: 'fraude' }, 'system', 'cert revoke (CLI)'),
  ],
  generatedAt: new Date('2026-12-07T10:00:00Z'),
};

describe('audit report: failed signings and revoked certificates', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'paraaf-report-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function text(language: 'nl' | 'en' | 'fr'): Promise<string> {
    const file = path.join(dir, `${language}.pdf`);
    writeFileSync(file, await renderAuditReport(data, language));
    return (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
  }

  it('says in words why signing failed and what was revoked, never the raw JSON', async () => {
    const nl = await text('nl');
    expect(nl).to.include('Oorzaak: de tijdstempeldienst antwoordde niet; er werd niets ondertekend of opgeslagen');
    expect(nl).to.include('Oorzaak: What the service recorded');
    expect(nl).to.include('Serienummer certificaat: 468B5B6A1E5BCFFB').and.include('Ingetrokken vanaf: 06/12/2026').and.include('Reden: keyCompromise').and.include('Opmerking: fraude');
    expect(nl).to.include('Ontvanger: An Peeters <an@malle.be>').and.not.include('Gegevens:');
    expect(await text('en')).to.include('Cause: the time-stamping service did not answer; nothing was signed or stored').and.include('Revoked as of:');
    expect(await text('fr')).to.include('Cause: le service d’horodatage n’a pas répondu').and.include('Révoqué à partir du');
  });
});
