/**
 * ETSI TS 119 612 trusted lists and certificate qualification: a list built by trustListXml, one
 * written by hand in the shape of the Belgian list (other prefixes, several languages, pre-eIDAS
 * history, PolicySet criteria, a signature element), lists we must refuse, and classifyCertificate
 * over an eID-shaped chain made by openssl with hand-encoded QCStatements.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { encodeQcStatements, readQcStatements } from '../../../src/pades/qc-statements.ts';
import { classifyCertificate } from '../../../src/pades/qualification.ts';
import {
  loadTrustLists,
  parseTrustList,
  parseTrustLists,
  serviceStatusAt,
  TrustListError,
  trustListFromTransfer,
  trustListTransfer,
} from '../../../src/pades/trust-list.ts';
import { pki } from '../../helpers/openssl-pki.ts';
import { BE_SIGNATURE_POLICY, citizenCaService, QC_ESIGN_QSCD_DER, qualifiedPki } from '../../helpers/qualified-pki.ts';
import { trustListXml, type TrustListServiceInput } from '../../helpers/trust-list-xml.ts';

const q = qualifiedPki();
const chainOf = (leaf: typeof q.qualified) => [leaf.cert, q.citizenCa.cert, q.root.cert];
const issuedAt = (leaf: typeof q.qualified) => new Date(leaf.cert.validFrom);
const listWith = (...services: TrustListServiceInput[]) => parseTrustList(trustListXml({ tsp: 'Test Certipost NV/SA', services }));
const NOW = new Date(Date.now() + 60_000);

/**
 * The Belgian list's shape (2019 edition): tsl as the default namespace, ecc and xades under other prefixes, names in
 * four languages, the eID root listed as a CA/QC service whose Qualifications select the citizen signature policy with
 * QCQSCDStatusAsInCert, a pre-eIDAS history, a ds:Signature; plus what other real lists carry: a critical TakenOverBy
 * (BG), ExpiredCertsRevocationInfo (IT), an `oid:` identifier (IT) and, in a second service, one that is not an OID (SI).
 */
function belgianShapedList(rootBase64: string, otherBase64: string): string {
  const name = (text: string) => ['nl', 'fr', 'de', 'en'].map((lang) => `<Name xml:lang="${lang}">${text}</Name>`).join('');
  const qualification = (policy: string) => `
                <ns5:Qualifications>
                  <ns5:QualificationElement>
                    <ns5:Qualifiers><ns5:Qualifier uri="http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCQSCDStatusAsInCert"/></ns5:Qualifiers>
                    <ns5:CriteriaList assert="atLeastOne">
                      <ns5:PolicySet><ns5:PolicyIdentifier><ns3:Identifier>${policy}</ns3:Identifier><ns3:Description>urn:be:qc:natural:citizen</ns3:Description></ns5:PolicyIdentifier></ns5:PolicySet>
                      <ns5:PolicySet><ns5:PolicyIdentifier><ns3:Identifier>oid:2.16.56.12.1.1.7.1</ns3:Identifier></ns5:PolicyIdentifier></ns5:PolicySet>
                    </ns5:CriteriaList>
                  </ns5:QualificationElement>
                </ns5:Qualifications>`;
  const service = (serviceName: string, base64: string, policy: string, history: string) => `
        <TSPService>
          <ServiceInformation>
            <ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
            <ServiceName><Name xml:lang="en">${serviceName}</Name></ServiceName>
            <ServiceDigitalIdentity><DigitalId><X509Certificate>
              ${base64.replace(/(.{64})/g, '$1\n              ')}
            </X509Certificate></DigitalId></ServiceDigitalIdentity>
            <ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus>
            <StatusStartingTime>2016-06-30T22:00:00Z</StatusStartingTime>
            <ServiceInformationExtensions>
              <Extension Critical="true">${qualification(policy)}
              </Extension>
              <Extension Critical="true">
                <ns4:TakenOverBy><ns4:URI xml:lang="en">https://tsp.example.be/</ns4:URI><ns4:TSPName>${name('Test Certipost')}</ns4:TSPName>
                  <SchemeOperatorName>${name('FOD Economie')}</SchemeOperatorName><SchemeTerritory>BE</SchemeTerritory></ns4:TakenOverBy>
              </Extension>
              <Extension Critical="false"><ExpiredCertsRevocationInfo>2016-06-30T22:00:00Z</ExpiredCertsRevocationInfo></Extension>
              <Extension Critical="false">
                <AdditionalServiceInformation><URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/RootCA-QC</URI></AdditionalServiceInformation>
              </Extension>
              <Extension Critical="false">
                <AdditionalServiceInformation><URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures</URI></AdditionalServiceInformation>
              </Extension>
            </ServiceInformationExtensions>
          </ServiceInformation>${history}
        </TSPService>`;
  const history = `
          <ServiceHistory>
            <ServiceHistoryInstance>
              <ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
              <ServiceName><Name xml:lang="en">CN=Test Belgium Root CA4, C=BE</Name></ServiceName>
              <ServiceDigitalIdentity><DigitalId><X509SKI>AAECAwQFBgcICQoLDA0ODxAREhM=</X509SKI></DigitalId></ServiceDigitalIdentity>
              <ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision</ServiceStatus>
              <StatusStartingTime>2013-06-26T10:00:00Z</StatusStartingTime>
            </ServiceHistoryInstance>
          </ServiceHistory>`;
  return `\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#" xmlns:ns2="http://www.w3.org/2000/09/xmldsig#"
    xmlns:ns3="http://uri.etsi.org/01903/v1.3.2#" xmlns:ns4="http://uri.etsi.org/02231/v2/additionaltypes#"
    xmlns:ns5="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#" Id="TSL-BE" TSLTag="http://uri.etsi.org/19612/TSLTag">
  <SchemeInformation>
    <TSLVersionIdentifier>5</TSLVersionIdentifier>
    <TSLSequenceNumber>43</TSLSequenceNumber>
    <TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType>
    <SchemeOperatorName><Name xml:lang="en">FPS Economy</Name><Name xml:lang="nl">FOD Economie, KMO, Middenstand en Energie</Name></SchemeOperatorName>
    <SchemeTerritory>BE</SchemeTerritory>
    <ListIssueDateTime>2026-06-02T09:00:00Z</ListIssueDateTime>
    <NextUpdate><dateTime>2026-12-01T00:00:00Z</dateTime></NextUpdate>
  </SchemeInformation>
  <TrustServiceProviderList>
    <TrustServiceProvider>
      <TSPInformation><TSPName>${name('Test Certipost n.v./s.a.')}</TSPName></TSPInformation>
      <TSPServices>${service('CN=Test Belgium Root CA4, C=BE', rootBase64, '2.16.56.12.1.1.2.1', history)}${service('Test Other CA', otherBase64, '1.3.6.1.4.1.7597.2.', '')}
      </TSPServices>
    </TrustServiceProvider>
  </TrustServiceProviderList>
  <ns2:Signature Id="sig"><ns2:SignedInfo/></ns2:Signature>
</TrustServiceStatusList>
`;
}

describe('trusted lists (ETSI TS 119 612)', function () {
  this.timeout(60_000);

  it('reads a generated list: provider, service, status, certificates, qualifiers, history; CA/QC certificates become anchors', () => {
    const withdrawnAt = new Date('2025-01-01T00:00:00Z');
    const list = listWith(
      citizenCaService({ qualifiers: ['QCWithQSCD', 'QCForESig'], additionalInformation: ['ForeSignatures'], history: [{ status: 'granted', from: new Date('2016-07-01T00:00:00Z') }], status: 'withdrawn', statusStartingTime: withdrawnAt }),
      { name: 'Test Other CA', type: 'CA/PKC', status: 'granted', certificates: [pki().otherRoot.cert.raw] },
    );
    expect(list.lists).to.have.length(1);
    expect(list.lists[0]).to.include({ territory: 'BE', type: 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric', sequenceNumber: 1, operator: 'Test Supervisory Body' });
    expect(list.services.map((s) => [s.tsp, s.name, s.type])).to.deep.equal([
      ['Test Certipost NV/SA', 'Test Citizen CA', 'http://uri.etsi.org/TrstSvc/Svctype/CA/QC'],
      ['Test Certipost NV/SA', 'Test Other CA', 'http://uri.etsi.org/TrstSvc/Svctype/CA/PKC'],
    ]);
    const [ca] = list.services;
    expect(ca.certificates[0].raw.equals(q.citizenCa.cert.raw)).to.equal(true);
    expect(ca.status).to.equal('http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn');
    expect(ca.periods.map((p) => [p.status.split('/').pop(), p.from.toISOString(), p.until?.toISOString() ?? null])).to.deep.equal([
      ['withdrawn', '2025-01-01T00:00:00.000Z', null],
      ['granted', '2016-07-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ]);
    expect(ca.periods[0].qualifications[0].qualifiers).to.deep.equal([
      'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCWithQSCD', 'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCForESig',
    ]);
    expect(ca.periods[0].qualifications[0].criteria).to.deep.include({ assert: 'atLeastOne', keyUsage: [{ nonRepudiation: true }] });
    expect(ca.periods[0].additionalInformation).to.deep.equal(['http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures']);
    expect(serviceStatusAt(ca, new Date('2020-01-01T00:00:00Z'))?.status).to.match(/granted$/);
    expect(serviceStatusAt(ca, new Date('2026-01-01T00:00:00Z'))?.status).to.match(/withdrawn$/);
    expect(serviceStatusAt(ca, new Date('2010-01-01T00:00:00Z'))).to.equal(null);
    // Granted in its history: still an anchor (the status at the time decides qualification); CA/PKC is not.
    expect(list.anchors.map((a) => a.subject)).to.deep.equal([q.citizenCa.cert.subject]);
  });

  it('reads a list shaped like the Belgian one and what other real lists carry; eID certificates are classified through the listed root', () => {
    const list = parseTrustList(belgianShapedList(q.root.cert.raw.toString('base64'), pki().otherRoot.cert.raw.toString('base64')));
    expect(list.lists[0]).to.include({ territory: 'BE', sequenceNumber: 43, operator: 'FOD Economie, KMO, Middenstand en Energie' });
    expect(list.lists[0].nextUpdate?.toISOString()).to.equal('2026-12-01T00:00:00.000Z');
    // The second service's criteria name "1.3.6.1.4.1.7597.2.": that service is left out, the list is not refused.
    expect(list.services).to.have.length(1);
    expect(list.warnings).to.deep.equal(['BE: Test Certipost n.v./s.a.: service "Test Other CA": identifier "1.3.6.1.4.1.7597.2." is not an OID; the service is left out']);
    const [service] = list.services;
    expect(service).to.include({ tsp: 'Test Certipost n.v./s.a.', name: 'CN=Test Belgium Root CA4, C=BE', territory: 'BE' });
    expect(service.periods.map((p) => p.status.split('/').pop())).to.deep.equal(['granted', 'undersupervision']);
    expect(service.periods[0].qualifications[0].criteria.policySets).to.deep.equal([[BE_SIGNATURE_POLICY], ['2.16.56.12.1.1.7.1']]);
    expect(service.periods[0].additionalInformation.map((u) => u.split('/').pop())).to.deep.equal(['RootCA-QC', 'ForeSignatures']);
    expect(list.anchors.map((a) => a.subject)).to.deep.equal([q.root.cert.subject]);
    // Listed is the root, as in the real list: found two steps up the chain. QSCD "as in the certificate".
    const service4 = { tsp: 'Test Certipost n.v./s.a.', name: 'CN=Test Belgium Root CA4, C=BE', status: 'granted' };
    expect(classifyCertificate(chainOf(q.qualified), NOW, list)).to.deep.equal({ kind: 'qualified', qcCompliance: true, qcSscd: true, qcType: 'esign', service: service4, reason: null });
    expect(classifyCertificate(chainOf(q.noSscd), NOW, list)).to.deep.include({ kind: 'non_qualified', qcSscd: false });
    expect(classifyCertificate(chainOf(q.plain), NOW, list)).to.deep.include({ kind: 'non_qualified', qcCompliance: false, qcType: 'esign' });
    // Issued in 2015 under "undersupervision", before eIDAS: that status counts as granted.
    expect(classifyCertificate(chainOf(q.preEidas), NOW, list)).to.deep.include({ kind: 'qualified', qcType: 'esign' });
  });

  it('refuses what it cannot read, saying what; leaves out a service with a critical extension it does not know', () => {
    const good = trustListXml({ tsp: 'T', services: [citizenCaService()] });
    const refused = (xml: string) => {
      try {
        parseTrustList(xml);
      } catch (error) {
        expect(error).to.be.instanceOf(TrustListError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused(good.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'))).to.match(/DOCTYPE/);
    expect(refused(good.replaceAll('http://uri.etsi.org/02231/v2#', 'urn:other'))).to.match(/not TrustServiceStatusList of http:\/\/uri\.etsi\.org\/02231\/v2#/);
    expect(refused(good.replace(/<tsl:TrustServiceProviderList>[\s\S]*<\/tsl:TrustServiceProviderList>/, ''))).to.match(/list of the lists/);
    expect(refused(good.replace(/<tsl:X509Certificate>[^<]+/, '<tsl:X509Certificate>bm90IGEgY2VydA=='))).to.match(/not a readable certificate/);
    expect(refused(good.replace(/<tsl:StatusStartingTime>[^<]+/, '<tsl:StatusStartingTime>1 juli 2016'))).to.match(/StatusStartingTime "1 juli 2016" is not an xsd:dateTime/);
    expect(refused(good.replace('</tsl:TSPName>', '</tsl:TSPName></tsl:TSPServices>'))).to.match(/not well-formed/);
    expect(refused(good.replace(/<tsl:ServiceStatus>[^<]+<\/tsl:ServiceStatus>/, ''))).to.match(/lacks <ServiceStatus>/);

    const unknownCritical = good.replace(
      '</tsl:StatusStartingTime>',
      '</tsl:StatusStartingTime><tsl:ServiceInformationExtensions><tsl:Extension Critical="true"><x:Mystery xmlns:x="urn:mystery"/></tsl:Extension></tsl:ServiceInformationExtensions>',
    );
    const list = parseTrustList(unknownCritical);
    expect(list.services).to.have.length(0);
    expect(list.warnings[0]).to.match(/critical extension \{urn:mystery\}Mystery is not supported; the service is left out/);
  });

  it('loadTrustLists names the file it cannot use; several lists become one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paraaf-tl-'));
    const a = join(dir, 'be.xml');
    const b = join(dir, 'nl.xml');
    writeFileSync(a, trustListXml({ tsp: 'BE TSP', services: [citizenCaService()] }));
    writeFileSync(b, trustListXml({ tsp: 'NL TSP', territory: 'NL', services: [{ name: 'NL TSA', type: 'TSA/QTST', status: 'granted', certificates: [pki().otherRoot.cert.raw] }] }));
    const list = loadTrustLists([a, b]);
    expect(list.lists.map((l) => l.territory)).to.deep.equal(['BE', 'NL']);
    expect(list.anchors).to.have.length(2);
    expect(list.id).to.equal(parseTrustLists([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).id);
    // What a verify worker gets: the same services and anchors, rebuilt from plain data.
    const rebuilt = trustListFromTransfer(structuredClone(trustListTransfer(list)));
    expect(rebuilt.id).to.equal(list.id);
    expect(rebuilt.anchors.map((c) => c.fingerprint256)).to.deep.equal(list.anchors.map((c) => c.fingerprint256));
    expect(rebuilt.services[0].periods[0].from.toISOString()).to.equal(list.services[0].periods[0].from.toISOString());
    expect(() => loadTrustLists([a, join(dir, 'missing.xml')])).to.throw(TrustListError, /trusted list .*missing\.xml cannot be read/);
    writeFileSync(b, '<html/>');
    expect(() => loadTrustLists([a, b])).to.throw(TrustListError, /trusted list .*nl\.xml is not a usable ETSI TS 119 612 list/);
  });
});

describe('classifyCertificate (ETSI TS 119 615, roughly)', function () {
  this.timeout(60_000);

  it('QCStatements: our encoder writes what the hand-encoded eID certificate carries, and the reader reads it', () => {
    expect(encodeQcStatements({ compliance: true, sscd: true, type: 'esign' }).equals(QC_ESIGN_QSCD_DER)).to.equal(true);
    expect(readQcStatements(q.qualified.cert)).to.deep.include({ present: true, compliance: true, sscd: true, types: ['esign'], problem: null });
    expect(readQcStatements(q.plain.cert)).to.deep.include({ present: false, compliance: false, sscd: false, types: [] });
  });

  it('an eID signature certificate from a granted CA/QC service is qualified', () => {
    const list = listWith(citizenCaService());
    expect(classifyCertificate(chainOf(q.qualified), NOW, list)).to.deep.equal({
      kind: 'qualified', qcCompliance: true, qcSscd: true, qcType: 'esign',
      service: { tsp: 'Test Certipost NV/SA', name: 'Test Citizen CA', status: 'granted' }, reason: null,
    });
    // The issuer found without the rest of the chain: the service's certificate signed the leaf.
    expect(classifyCertificate([q.qualified.cert], NOW, list).kind).to.equal('qualified');
  });

  it('without QCStatements, without QSCD, or for seals: not qualified, and the reason says why', () => {
    const list = listWith(citizenCaService());
    const plain = classifyCertificate(chainOf(q.plain), NOW, list);
    expect(plain).to.deep.include({ kind: 'non_qualified', qcCompliance: false, qcSscd: false, qcType: null });
    expect(plain.reason).to.match(/neither the certificate \(QcCompliance\) nor the trusted list \(QCStatement\)/);
    const noSscd = classifyCertificate(chainOf(q.noSscd), NOW, list);
    expect(noSscd).to.deep.include({ kind: 'non_qualified', qcCompliance: true, qcSscd: false, qcType: 'esign' });
    expect(noSscd.reason).to.match(/not on a qualified signature creation device/);
    const seal = classifyCertificate(chainOf(q.seal), NOW, list);
    expect(seal).to.deep.include({ kind: 'non_qualified', qcType: 'eseal' });
    expect(seal.reason).to.match(/for electronic seals, not for electronic signatures/);
  });

  it('the list\'s qualifiers add and override what the certificate says, for the certificates its criteria select', () => {
    const override = (qualifiers: string[], criteria?: TrustListServiceInput['criteria']) => listWith(citizenCaService({ qualifiers, criteria }));
    expect(classifyCertificate(chainOf(q.plain), NOW, override(['QCStatement', 'QCForESig', 'QCWithQSCD'])).kind).to.equal('qualified');
    expect(classifyCertificate(chainOf(q.noSscd), NOW, override(['QCWithQSCD'])).kind).to.equal('qualified');
    expect(classifyCertificate(chainOf(q.qualified), NOW, override(['QCNoQSCD']))).to.deep.include({ kind: 'non_qualified', qcSscd: false });
    expect(classifyCertificate(chainOf(q.qualified), NOW, override(['NotQualified']))).to.deep.include({ kind: 'non_qualified', qcCompliance: false });
    // Criteria that do not select the certificate: its own statements stand.
    expect(classifyCertificate(chainOf(q.qualified), NOW, override(['QCNoQSCD'], { policies: ['1.2.3.4'] })).kind).to.equal('qualified');
    expect(classifyCertificate(chainOf(q.qualified), NOW, override(['QCNoQSCD'], { keyUsage: ['digitalSignature'] })).kind).to.equal('qualified');
    expect(classifyCertificate(chainOf(q.qualified), NOW, override(['QCNoQSCD'], { keyUsage: ['digitalSignature'], assert: 'none' })).kind).to.equal('non_qualified');
    expect(classifyCertificate(chainOf(q.qualified), NOW, override(['QCNoQSCD'], { keyUsage: ['nonRepudiation'], policies: [BE_SIGNATURE_POLICY], assert: 'all' })).kind).to.equal('non_qualified');
  });

  it('the service status counts at issuance and at the time judged at', () => {
    const issued = issuedAt(q.qualified);
    const hour = 3_600_000;
    // Withdrawn before the certificate was issued.
    const before = listWith(citizenCaService({ status: 'withdrawn', statusStartingTime: new Date(issued.getTime() - hour), history: [{ status: 'granted', from: new Date('2016-07-01T00:00:00Z') }] }));
    const r1 = classifyCertificate(chainOf(q.qualified), NOW, before);
    expect(r1).to.deep.include({ kind: 'non_qualified', service: { tsp: 'Test Certipost NV/SA', name: 'Test Citizen CA', status: 'withdrawn' } });
    expect(r1.reason).to.match(/was not granted when the certificate was issued/);
    // Withdrawn after the signature's time: qualified as of that time, not as of a later one.
    const later = new Date(NOW.getTime() + 24 * hour);
    const after = listWith(citizenCaService({ status: 'withdrawn', statusStartingTime: later, history: [{ status: 'granted', from: new Date('2016-07-01T00:00:00Z') }] }));
    expect(classifyCertificate(chainOf(q.qualified), NOW, after)).to.deep.include({ kind: 'qualified', service: { tsp: 'Test Certipost NV/SA', name: 'Test Citizen CA', status: 'granted' } });
    const r2 = classifyCertificate(chainOf(q.qualified), new Date(later.getTime() + hour), after);
    expect(r2.kind).to.equal('non_qualified');
    expect(r2.reason).to.match(/was not granted at .*, the time the signature is judged at \(withdrawn\)/);
  });

  it('a certificate from before eIDAS without QcType is for signatures; one issued before the service was listed is not qualified', () => {
    expect(issuedAt(q.preEidas).toISOString()).to.equal('2015-01-01T00:00:00.000Z');
    const history = [{ status: 'accredited', from: new Date('2010-01-01T00:00:00Z') }];
    const list = listWith(citizenCaService({ history }));
    expect(classifyCertificate(chainOf(q.preEidas), NOW, list)).to.deep.include({ kind: 'qualified', qcCompliance: true, qcSscd: true, qcType: 'esign' });
    const late = classifyCertificate(chainOf(q.preEidas), NOW, listWith(citizenCaService()));
    expect(late.kind).to.equal('non_qualified');
    expect(late.reason).to.match(/was not granted when the certificate was issued, 2015-01-01T00:00:00.000Z \(not yet listed\)/);
    // Judged in 2015, while the service was "accredited": qualified then too.
    expect(classifyCertificate(chainOf(q.preEidas), new Date('2015-06-01T00:00:00Z'), list).kind).to.equal('qualified');
  });

  it('without a list, or with an issuer the list does not name: unknown for a certificate that says it is qualified, else non_qualified', () => {
    expect(classifyCertificate(chainOf(q.qualified), NOW)).to.deep.include({ kind: 'unknown', qcCompliance: true, qcSscd: true, qcType: 'esign', service: null });
    expect(classifyCertificate(chainOf(q.qualified), NOW).reason).to.match(/no trusted list is loaded/);
    expect(classifyCertificate(chainOf(q.plain), NOW)).to.deep.include({ kind: 'non_qualified', qcCompliance: false });
    const elsewhere = listWith({ name: 'Other CA', type: 'CA/QC', status: 'granted', certificates: [pki().intermediate.cert.raw] });
    const r = classifyCertificate(chainOf(q.qualified), NOW, elsewhere);
    expect(r).to.deep.include({ kind: 'unknown', service: null });
    expect(r.reason).to.match(/not a qualified CA \(CA\/QC\) on the loaded trusted lists/);
    const ours = pki();
    expect(classifyCertificate([ours.rsa.cert, ours.intermediate.cert, ours.root.cert], NOW, elsewhere).kind).to.equal('non_qualified');
  });
});
