/**
 * Builds an ETSI TS 119 612 (v2.x) trusted list document for tests: scheme information, one trust
 * service provider, its services with their digital identity, status, history and the Qualifications
 * extension (ecc namespace, TS 119 612 §5.5.9.2). Unsigned: the XML signature of a real list (§5.7)
 * is checked by the deployment before it loads the file. Independent of src/ on purpose, so it checks
 * the parser against the standard's shape rather than against itself.
 */

export const TSL_NS = 'http://uri.etsi.org/02231/v2#';
export const ECC_NS = 'http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#';
const SERVICE_TYPE = 'http://uri.etsi.org/TrstSvc/Svctype/';
const SERVICE_STATUS = 'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/';
const QUALIFIER = 'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/';

export type TestKeyUsageBit = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'crlSign';

export interface TrustListCriteria {
  assert?: 'all' | 'atLeastOne' | 'none';
  /** KeyUsageBit elements, each `true`, in one KeyUsage criterion. */
  keyUsage?: readonly TestKeyUsageBit[];
  /** One PolicySet whose PolicyIdentifiers the certificate must all carry. */
  policies?: readonly string[];
}

export interface TrustListServiceHistory {
  status: string;
  /** StatusStartingTime of this earlier status. */
  from: Date;
  qualifiers?: readonly string[];
}

export interface TrustListServiceInput {
  name: string;
  /** `CA/QC`, `TSA/QTST`, … (appended to http://uri.etsi.org/TrstSvc/Svctype/) or a full URI. */
  type: string;
  /** `granted`, `withdrawn`, … (appended to …/Svcstatus/) or a full URI. */
  status: string;
  /** DER certificates of the service digital identity. */
  certificates: readonly Buffer[];
  /** StatusStartingTime of the current status (default 2016-07-01). */
  statusStartingTime?: Date;
  /** `QCWithQSCD`, `QCForESig`, `QCStatement`, … or full URIs, in one QualificationElement. */
  qualifiers?: readonly string[];
  /** Which certificates the qualifiers apply to (default: keyUsage nonRepudiation). */
  criteria?: TrustListCriteria;
  /** AdditionalServiceInformation URIs, e.g. `ForeSignatures` (appended to …/SvcInfoExt/) or full URIs. */
  additionalInformation?: readonly string[];
  /** Earlier statuses, newest first (TS 119 612 §5.6). */
  history?: readonly TrustListServiceHistory[];
}

export interface TrustListInput {
  tsp: string;
  services: readonly TrustListServiceInput[];
  territory?: string;
  operator?: string;
  issued?: Date;
  nextUpdate?: Date;
  sequenceNumber?: number;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const full = (prefix: string, value: string): string => (/^https?:\/\//.test(value) ? value : prefix + value);
const name = (element: string, text: string): string => `<tsl:${element}><tsl:Name xml:lang="en">${escape(text)}</tsl:Name></tsl:${element}>`;

function criteriaXml(criteria: TrustListCriteria): string {
  const parts: string[] = [];
  if (criteria.keyUsage?.length) {
    parts.push(`<ecc:KeyUsage>${criteria.keyUsage.map((bit) => `<ecc:KeyUsageBit name="${bit}">true</ecc:KeyUsageBit>`).join('')}</ecc:KeyUsage>`);
  }
  if (criteria.policies?.length) {
    const ids = criteria.policies.map((p) => `<ecc:PolicyIdentifier><xades:Identifier Qualifier="OIDAsURN">urn:oid:${p}</xades:Identifier></ecc:PolicyIdentifier>`);
    parts.push(`<ecc:PolicySet>${ids.join('')}</ecc:PolicySet>`);
  }
  return `<ecc:CriteriaList assert="${criteria.assert ?? 'atLeastOne'}">${parts.join('')}</ecc:CriteriaList>`;
}

function extensionsXml(qualifiers: readonly string[] | undefined, criteria: TrustListCriteria | undefined, additional: readonly string[] | undefined): string {
  const extensions: string[] = [];
  if (qualifiers?.length) {
    const list = qualifiers.map((q) => `<ecc:Qualifier uri="${escape(full(QUALIFIER, q))}"/>`).join('');
    const element = `<ecc:QualificationElement><ecc:Qualifiers>${list}</ecc:Qualifiers>${criteriaXml(criteria ?? { keyUsage: ['nonRepudiation'] })}</ecc:QualificationElement>`;
    extensions.push(`<tsl:Extension Critical="true"><ecc:Qualifications>${element}</ecc:Qualifications></tsl:Extension>`);
  }
  for (const uri of additional ?? []) {
    extensions.push(`<tsl:Extension Critical="false"><tsl:AdditionalServiceInformation><tsl:URI xml:lang="en">${escape(full(QUALIFIER, uri))}</tsl:URI></tsl:AdditionalServiceInformation></tsl:Extension>`);
  }
  return extensions.length ? `<tsl:ServiceInformationExtensions>${extensions.join('')}</tsl:ServiceInformationExtensions>` : '';
}

function identityXml(certificates: readonly Buffer[]): string {
  return `<tsl:ServiceDigitalIdentity>${certificates.map((der) => `<tsl:DigitalId><tsl:X509Certificate>${der.toString('base64')}</tsl:X509Certificate></tsl:DigitalId>`).join('')}</tsl:ServiceDigitalIdentity>`;
}

function serviceXml(service: TrustListServiceInput): string {
  const type = full(SERVICE_TYPE, service.type);
  const history = (service.history ?? []).map((h) =>
    '<tsl:ServiceHistoryInstance>' +
    `<tsl:ServiceTypeIdentifier>${escape(type)}</tsl:ServiceTypeIdentifier>${name('ServiceName', service.name)}${identityXml(service.certificates)}` +
    `<tsl:ServiceStatus>${escape(full(SERVICE_STATUS, h.status))}</tsl:ServiceStatus><tsl:StatusStartingTime>${h.from.toISOString()}</tsl:StatusStartingTime>` +
    `${extensionsXml(h.qualifiers, service.criteria, service.additionalInformation)}</tsl:ServiceHistoryInstance>`);
  return '<tsl:TSPService><tsl:ServiceInformation>' +
    `<tsl:ServiceTypeIdentifier>${escape(type)}</tsl:ServiceTypeIdentifier>${name('ServiceName', service.name)}${identityXml(service.certificates)}` +
    `<tsl:ServiceStatus>${escape(full(SERVICE_STATUS, service.status))}</tsl:ServiceStatus>` +
    `<tsl:StatusStartingTime>${(service.statusStartingTime ?? new Date('2016-07-01T00:00:00Z')).toISOString()}</tsl:StatusStartingTime>` +
    `${extensionsXml(service.qualifiers, service.criteria, service.additionalInformation)}</tsl:ServiceInformation>` +
    `${history.length ? `<tsl:ServiceHistory>${history.join('')}</tsl:ServiceHistory>` : ''}</tsl:TSPService>`;
}

const address = '<tsl:PostalAddresses><tsl:PostalAddress xml:lang="en"><tsl:StreetAddress>Teststraat 1</tsl:StreetAddress><tsl:Locality>Brussel</tsl:Locality>' +
  '<tsl:PostalCode>1000</tsl:PostalCode><tsl:CountryName>BE</tsl:CountryName></tsl:PostalAddress></tsl:PostalAddresses>' +
  '<tsl:ElectronicAddress><tsl:URI xml:lang="en">mailto:tl@example.be</tsl:URI></tsl:ElectronicAddress>';

/** A TS 119 612 TrustServiceStatusList with one provider and `input.services`, as XML text. */
export function trustListXml(input: TrustListInput): string {
  // Issued today (midnight UTC) and due in 180 days: a list that is current whenever the tests run.
  const issued = input.issued ?? new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const nextUpdate = input.nextUpdate ?? new Date(issued.getTime() + 180 * 86_400_000);
  const territory = input.territory ?? 'BE';
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<tsl:TrustServiceStatusList xmlns:tsl="${TSL_NS}" xmlns:ecc="${ECC_NS}" xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" ` +
    'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="TrustServiceStatusList-1" TSLTag="http://uri.etsi.org/19612/TSLTag">' +
    '<tsl:SchemeInformation><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>' +
    `<tsl:TSLSequenceNumber>${input.sequenceNumber ?? 1}</tsl:TSLSequenceNumber>` +
    '<tsl:TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</tsl:TSLType>' +
    `${name('SchemeOperatorName', input.operator ?? 'Test Supervisory Body')}<tsl:SchemeOperatorAddress>${address}</tsl:SchemeOperatorAddress>` +
    `${name('SchemeName', `${territory}:Trusted list including information related to the qualified trust service providers`)}` +
    '<tsl:SchemeInformationURI><tsl:URI xml:lang="en">https://tl.example.be/</tsl:URI></tsl:SchemeInformationURI>' +
    '<tsl:StatusDeterminationApproach>http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate</tsl:StatusDeterminationApproach>' +
    '<tsl:SchemeTypeCommunityRules><tsl:URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUcommon</tsl:URI></tsl:SchemeTypeCommunityRules>' +
    `<tsl:SchemeTerritory>${escape(territory)}</tsl:SchemeTerritory>` +
    '<tsl:PolicyOrLegalNotice><tsl:TSLLegalNotice xml:lang="en">Test list.</tsl:TSLLegalNotice></tsl:PolicyOrLegalNotice>' +
    '<tsl:HistoricalInformationPeriod>65535</tsl:HistoricalInformationPeriod>' +
    `<tsl:ListIssueDateTime>${issued.toISOString()}</tsl:ListIssueDateTime><tsl:NextUpdate><tsl:dateTime>${nextUpdate.toISOString()}</tsl:dateTime></tsl:NextUpdate>` +
    '</tsl:SchemeInformation><tsl:TrustServiceProviderList><tsl:TrustServiceProvider><tsl:TSPInformation>' +
    `${name('TSPName', input.tsp)}<tsl:TSPAddress>${address}</tsl:TSPAddress>` +
    '<tsl:TSPInformationURI><tsl:URI xml:lang="en">https://tsp.example.be/</tsl:URI></tsl:TSPInformationURI></tsl:TSPInformation>' +
    `<tsl:TSPServices>${input.services.map(serviceXml).join('')}</tsl:TSPServices>` +
    '</tsl:TrustServiceProvider></tsl:TrustServiceProviderList></tsl:TrustServiceStatusList>\n';
}
