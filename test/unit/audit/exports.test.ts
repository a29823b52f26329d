/**
 * The CSV export's guard against spreadsheet formulas (OWASP, CSV injection) for the starts that
 * cannot arrive over HTTP (a header's leading tab is trimmed), and the audit origin's IP check.
 * The HTTP side is in test/integration/audit-report and test/integration/trust-proxy.
 */
import { expect } from 'chai';
import { parseCsv } from '../../../src/cli/csv.ts';
import { auditEventsCsv, computeAuditHash, GENESIS_HASH, ipAddress, type AuditEventRecord } from '../../../src/audit/index.ts';

function record(actorLabel: string, userAgent: string): AuditEventRecord {
  const event: AuditEventRecord = {
    id: '7d3f1c2e-0000-4000-8000-000000000001',
    organisationId: '11111111-1111-4111-8111-111111111111',
    envelopeId: null,
    chain: '11111111-1111-4111-8111-111111111111',
    seq: 1,
    occurredAt: '2026-12-06T03:00:00.000Z',
    actorKind: 'user',
    actorId: null,
    actorLabel,
    action: 'user.logged_in',
    ip: null,
    userAgent,
    details: {},
    documentSha256: null,
    prevHash: GENESIS_HASH,
    hash: '',
  };
  return { ...event, hash: computeAuditHash(event) };
}

describe('audit CSV: formula cells', () => {
  it('puts one quote before a cell starting with =, +, -, @, tab, CR or a quote, and touches nothing else', () => {
    const cases: Array<[string, string]> = [
      ['\t=1+1', "'\t=1+1"],
      ['\rcmd', "'\rcmd"],
      ['=1+1', "'=1+1"],
      ['+1', "'+1"],
      ['-1', "'-1"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ["'x", "''x"],
      ['Ann Admin', 'Ann Admin'],
      ['a=1', 'a=1'],
    ];
    for (const [stored, exported] of cases) {
      const [, row] = parseCsv(auditEventsCsv([record(stored, stored)]), ',');
      expect(row!.fields[7], JSON.stringify(stored)).to.equal(exported);
      expect(row!.fields[10], JSON.stringify(stored)).to.equal(exported);
    }
  });
});

describe('audit origin: ipAddress', () => {
  it('keeps IPv4 and IPv6 addresses (without a zone) and turns anything else into null', () => {
    expect(ipAddress('198.51.100.7')).to.equal('198.51.100.7');
    expect(ipAddress('2001:db8::7')).to.equal('2001:db8::7');
    expect(ipAddress('::ffff:127.0.0.1')).to.equal('::ffff:127.0.0.1');
    expect(ipAddress('fe80::1%eth0')).to.equal('fe80::1');
    for (const value of ['=1+1', '198.51.100.7, 10.0.0.1', ' 198.51.100.7', '127.1', 'unknown', '', `1.2.3.4${'x'.repeat(100)}`, undefined, null, 42]) {
      expect(ipAddress(value), String(value)).to.equal(null);
    }
  });
});
