/**
 * Reading one ETSI TS 119 612 document (v2.x): scheme information, providers, their services with the
 * status history (§5.5.4, §5.6) and the Qualifications extension with its criteria (§5.5.9.2), into
 * plain data. Strict: what it cannot read refuses the document; a service whose critical information it
 * cannot evaluate (§5.5.9) is left out with a warning. trust-list.ts combines documents and answers questions.
 */
import { X509Certificate } from 'node:crypto';
import { childrenNamed, optionalChild, parseNamespacedXml, requiredChild, XmlReadError, type XmlElement } from './namespaced-xml.ts';
import { KEY_USAGE_BITS, type KeyUsageName } from './qc-statements.ts';

export const TSL_NS = 'http://uri.etsi.org/02231/v2#';
/** The Qualifications extension's namespace (TS 119 612 Annex C, from the Directive 1999/93/EC era). */
export const ECC_NS = 'http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#';
/** TS 119 612 additional types (otherCriteriaList: ExtendedKeyUsage, CertSubjectDNAttribute). */
export const TSLX_NS = 'http://uri.etsi.org/02231/v2/additionaltypes#';
const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';

export const SERVICE_TYPE = {
  caQc: 'http://uri.etsi.org/TrstSvc/Svctype/CA/QC',
  qtst: 'http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST',
} as const;

/** File size and counts we read at most: the largest national lists are a few MB and a few thousand services. */
export const TRUST_LIST_LIMITS = { fileBytes: 32 * 1024 * 1024, elements: 2_000_000, services: 20_000, certificatesPerService: 64, historyPerService: 256 } as const;

export interface TrustListCriteria {
  assert: 'all' | 'atLeastOne' | 'none';
  /** Each KeyUsage criterion: the bits named with their required value. */
  keyUsage: Array<Partial<Record<KeyUsageName, boolean>>>;
  /** Each PolicySet: policy OIDs the certificate must all carry. */
  policySets: string[][];
  /** Each ExtendedKeyUsage criterion: KeyPurposeIds the certificate must all carry. */
  extendedKeyUsage: string[][];
  /** Each CertSubjectDNAttribute criterion: attribute types the subject must all have. */
  subjectAttributes: string[][];
  lists: TrustListCriteria[];
}

export interface QualificationRule {
  qualifiers: string[];
  criteria: TrustListCriteria;
}

/** One status of a service and how long it held (the current one, or a ServiceHistoryInstance). */
export interface ServiceStatusPeriod {
  type: string;
  name: string;
  status: string;
  from: Date;
  /** When the next status started; null for the current one. */
  until: Date | null;
  qualifications: QualificationRule[];
  additionalInformation: string[];
}

export interface TrustService {
  tsp: string;
  territory: string | null;
  name: string;
  type: string;
  status: string;
  certificates: X509Certificate[];
  /** Current status first, then the history, newest first. */
  periods: ServiceStatusPeriod[];
}

export interface TrustListInfo {
  territory: string | null;
  operator: string | null;
  type: string | null;
  sequenceNumber: number | null;
  issued: Date | null;
  nextUpdate: Date | null;
}

export class TrustListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustListError';
  }
}

/** A service whose critical information we cannot evaluate: left out of the list, with a warning. */
export class UnusableServiceError extends TrustListError {}

export function readDocument(xml: string, warnings: string[]): { info: TrustListInfo; services: TrustService[] } {
  if (Buffer.byteLength(xml) > TRUST_LIST_LIMITS.fileBytes) throw new TrustListError(`larger than ${TRUST_LIST_LIMITS.fileBytes} bytes`);
  const root = parseNamespacedXml(xml, TRUST_LIST_LIMITS.elements);
  if (root.ns !== TSL_NS || root.local !== 'TrustServiceStatusList') {
    throw new TrustListError(`the root element is {${root.ns}}${root.local}, not TrustServiceStatusList of ${TSL_NS}`);
  }
  const scheme = requiredChild(root, TSL_NS, 'SchemeInformation');
  const text = (parent: XmlElement, local: string): string | null => optionalChild(parent, TSL_NS, local)?.text || null;
  const next = optionalChild(scheme, TSL_NS, 'NextUpdate');
  const sequence = text(scheme, 'TSLSequenceNumber');
  const info: TrustListInfo = {
    territory: text(scheme, 'SchemeTerritory'),
    operator: multilingual(optionalChild(scheme, TSL_NS, 'SchemeOperatorName')),
    type: text(scheme, 'TSLType'),
    sequenceNumber: sequence && /^\d+$/.test(sequence) ? Number(sequence) : null,
    issued: optionalDate(text(scheme, 'ListIssueDateTime'), 'ListIssueDateTime'),
    nextUpdate: next ? optionalDate(text(next, 'dateTime'), 'NextUpdate') : null,
  };
  const providers = optionalChild(root, TSL_NS, 'TrustServiceProviderList');
  if (!providers) {
    // The EU list of the lists (LOTL) only points to the national lists.
    throw new TrustListError('the list names no trust service providers (a list of the lists? load the national lists it points to)');
  }
  const services: TrustService[] = [];
  for (const provider of childrenNamed(providers, TSL_NS, 'TrustServiceProvider')) {
    const tsp = multilingual(requiredChild(requiredChild(provider, TSL_NS, 'TSPInformation'), TSL_NS, 'TSPName'));
    if (!tsp) throw new TrustListError('a trust service provider has no TSPName');
    for (const element of childrenNamed(requiredChild(provider, TSL_NS, 'TSPServices'), TSL_NS, 'TSPService')) {
      try {
        services.push(readService(element, tsp, info.territory));
      } catch (error) {
        if (!(error instanceof UnusableServiceError)) throw error;
        warnings.push(`${info.territory ?? '?'}: ${tsp}: ${error.message}; the service is left out`);
        continue;
      }
      if (services.length > TRUST_LIST_LIMITS.services) throw new TrustListError(`more than ${TRUST_LIST_LIMITS.services} trust services`);
    }
  }
  return { info, services };
}

function readService(element: XmlElement, tsp: string, territory: string | null): TrustService {
  const information = requiredChild(element, TSL_NS, 'ServiceInformation');
  const current = readPeriod(information);
  const where = `service "${current.name}" of ${tsp}`;
  const certificates: X509Certificate[] = [];
  for (const id of childrenNamed(requiredChild(information, TSL_NS, 'ServiceDigitalIdentity'), TSL_NS, 'DigitalId')) {
    for (const cert of childrenNamed(id, TSL_NS, 'X509Certificate')) {
      if (certificates.length >= TRUST_LIST_LIMITS.certificatesPerService) throw new TrustListError(`${where}: more than ${TRUST_LIST_LIMITS.certificatesPerService} certificates`);
      try {
        certificates.push(new X509Certificate(Buffer.from(cert.text.replace(/\s+/g, ''), 'base64')));
      } catch {
        throw new TrustListError(`${where}: an X509Certificate is not a readable certificate`);
      }
    }
  }
  if (certificates.length === 0 && (current.type === SERVICE_TYPE.caQc || current.type === SERVICE_TYPE.qtst)) {
    throw new TrustListError(`${where}: no X509Certificate in its ServiceDigitalIdentity`);
  }
  const historyElement = optionalChild(element, TSL_NS, 'ServiceHistory');
  const instances = historyElement ? childrenNamed(historyElement, TSL_NS, 'ServiceHistoryInstance') : [];
  if (instances.length > TRUST_LIST_LIMITS.historyPerService) throw new TrustListError(`${where}: more than ${TRUST_LIST_LIMITS.historyPerService} history entries`);
  // §5.6: history instances in descending order of their starting time; each holds until the next newer one starts.
  const history = instances.map((instance) => readPeriod(instance)).sort((a, b) => b.from.getTime() - a.from.getTime());
  const periods = [current];
  for (const period of history) {
    const newer = periods[periods.length - 1];
    if (period.from.getTime() > newer.from.getTime()) throw new TrustListError(`${where}: a history entry starts after the status that follows it`);
    periods.push({ ...period, until: newer.from });
  }
  return { tsp, territory, name: current.name, type: current.type, status: current.status, certificates, periods };
}

function readPeriod(element: XmlElement): ServiceStatusPeriod {
  const type = requiredChild(element, TSL_NS, 'ServiceTypeIdentifier').text;
  const name = multilingual(requiredChild(element, TSL_NS, 'ServiceName'));
  const status = requiredChild(element, TSL_NS, 'ServiceStatus').text;
  if (!type || !name || !status) throw new TrustListError(`a service lacks its type, name or status`);
  const from = optionalDate(requiredChild(element, TSL_NS, 'StatusStartingTime').text, 'StatusStartingTime')!;
  const qualifications: QualificationRule[] = [];
  const additionalInformation: string[] = [];
  const extensions = optionalChild(element, TSL_NS, 'ServiceInformationExtensions');
  for (const extension of extensions ? childrenNamed(extensions, TSL_NS, 'Extension') : []) {
    for (const content of extension.children) {
      if (content.ns === ECC_NS && content.local === 'Qualifications') {
        for (const q of childrenNamed(content, ECC_NS, 'QualificationElement')) qualifications.push(readQualification(q, name));
      } else if (content.ns === TSL_NS && content.local === 'AdditionalServiceInformation') {
        const uri = requiredChild(content, TSL_NS, 'URI').text;
        if (uri) additionalInformation.push(uri);
      } else if (INFORMATIONAL_EXTENSIONS.has(`{${content.ns}}${content.local}`)) {
        continue;
      } else if (extension.attributes.get('Critical') === 'true') {
        // §5.5.9: a critical extension that is not understood makes the service information unusable.
        throw new UnusableServiceError(`service "${name}": critical extension {${content.ns}}${content.local} is not supported`);
      }
    }
  }
  return { type, name, status, from, until: null, qualifications, additionalInformation };
}

/**
 * Extensions understood and without effect on qualification, so even when marked critical they do not
 * make a service unusable: who took the service over (§5.5.9.3) and since when expired certificates'
 * revocation is kept (§5.5.9.1, used for CRLs and OCSP, not here).
 */
const INFORMATIONAL_EXTENSIONS = new Set([`{${TSLX_NS}}TakenOverBy`, `{${TSL_NS}}ExpiredCertsRevocationInfo`]);

function readQualification(element: XmlElement, service: string): QualificationRule {
  const qualifiers = childrenNamed(requiredChild(element, ECC_NS, 'Qualifiers'), ECC_NS, 'Qualifier').map((q) => q.attributes.get('uri') ?? '');
  if (qualifiers.length === 0 || qualifiers.some((q) => !q)) throw new TrustListError(`service "${service}": a Qualifier without its uri`);
  return { qualifiers, criteria: readCriteria(requiredChild(element, ECC_NS, 'CriteriaList'), service) };
}

/** ecc:CriteriaList (TS 119 612 §5.5.9.2.2): what we cannot evaluate is refused, not guessed. */
function readCriteria(element: XmlElement, service: string): TrustListCriteria {
  const assert = element.attributes.get('assert') ?? '';
  if (assert !== 'all' && assert !== 'atLeastOne' && assert !== 'none') throw new TrustListError(`service "${service}": CriteriaList assert="${assert}" is not all, atLeastOne or none`);
  const criteria: TrustListCriteria = { assert, keyUsage: [], policySets: [], extendedKeyUsage: [], subjectAttributes: [], lists: [] };
  for (const item of element.children) {
    const kind = item.ns === ECC_NS ? item.local : `{${item.ns}}${item.local}`;
    if (kind === 'KeyUsage') criteria.keyUsage.push(readKeyUsage(item, service));
    else if (kind === 'PolicySet') criteria.policySets.push(childrenNamed(item, ECC_NS, 'PolicyIdentifier').map((p) => identifier(p, service)));
    else if (kind === 'CriteriaList') criteria.lists.push(readCriteria(item, service));
    else if (kind === 'Description') continue;
    else if (kind === 'otherCriteriaList') readOtherCriteria(item, criteria, service);
    else throw new UnusableServiceError(`service "${service}": criterion ${kind} is not supported`);
  }
  return criteria;
}

function readKeyUsage(element: XmlElement, service: string): Partial<Record<KeyUsageName, boolean>> {
  const bits: Partial<Record<KeyUsageName, boolean>> = {};
  for (const bit of childrenNamed(element, ECC_NS, 'KeyUsageBit')) {
    const name = bit.attributes.get('name') as KeyUsageName | undefined;
    if (!name || !KEY_USAGE_BITS.includes(name) || (bit.text !== 'true' && bit.text !== 'false')) {
      throw new TrustListError(`service "${service}": KeyUsageBit name="${name ?? ''}" with value "${bit.text}" is not readable`);
    }
    bits[name] = bit.text === 'true';
  }
  return bits;
}

function readOtherCriteria(element: XmlElement, criteria: TrustListCriteria, service: string): void {
  for (const item of element.children) {
    if (item.ns === TSLX_NS && item.local === 'ExtendedKeyUsage') criteria.extendedKeyUsage.push(childrenNamed(item, TSLX_NS, 'KeyPurposeId').map((p) => identifier(p, service)));
    else if (item.ns === TSLX_NS && item.local === 'CertSubjectDNAttribute') criteria.subjectAttributes.push(childrenNamed(item, TSLX_NS, 'AttributeOID').map((p) => identifier(p, service)));
    else throw new UnusableServiceError(`service "${service}": criterion {${item.ns}}${item.local} is not supported`);
  }
}

/**
 * xades:Identifier as an OID: plain, `urn:oid:` (Qualifier OIDAsURN, ETSI EN 319 132-1 §5.1.2), or the
 * `oid:` some lists write. One we cannot read leaves the service out, not the whole list.
 */
function identifier(element: XmlElement, service: string): string {
  const text = requiredChild(element, XADES_NS, 'Identifier').text.replace(/^(urn:)?oid:/i, '');
  if (!/^\d+(\.\d+)+$/.test(text)) throw new UnusableServiceError(`service "${service}": identifier "${text}" is not an OID`);
  return text;
}

/** A name in several languages (xml:lang): Dutch, else English, else the first. */
function multilingual(element: XmlElement | null): string {
  if (!element) return '';
  const names = childrenNamed(element, TSL_NS, 'Name');
  const lang = (code: string) => names.find((n) => n.attributes.get('xml:lang')?.toLowerCase() === code)?.text;
  return lang('nl') ?? lang('en') ?? names[0]?.text ?? '';
}

function optionalDate(text: string | null, what: string): Date | null {
  if (text === null) return null;
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new TrustListError(`${what} "${text}" is not an xsd:dateTime with a time zone`);
  return date;
}
