/**
 * ETSI TS 119 612 trusted lists (v2.x, the EU member states' format): the qualified trust services
 * of each provider, their status through time (§5.5.4, §5.6 service history) and the Qualifications
 * extension (§5.5.9.2) that says which certificates of a CA are qualified, on a QSCD, for signatures.
 * Certificates of CA/QC and TSA/QTST services that are or were granted become trust anchors;
 * `classifyCertificate` (qualification.ts) reads the status at the time that matters.
 *
 * Not checked here: the list's XML signature (§5.7). The deployment loads files it has verified
 * (TRUST_LIST_FILES); strict about everything else it reads, it refuses a file it cannot fully read.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { XmlReadError } from './namespaced-xml.ts';
import {
  readDocument,
  SERVICE_TYPE,
  TRUST_LIST_LIMITS,
  TrustListError,
  type ServiceStatusPeriod,
  type TrustListInfo,
  type TrustService,
} from './trust-list-document.ts';

export {
  ECC_NS,
  SERVICE_TYPE,
  TRUST_LIST_LIMITS,
  TrustListError,
  TSL_NS,
  TSLX_NS,
  type QualificationRule,
  type ServiceStatusPeriod,
  type TrustListCriteria,
  type TrustListInfo,
  type TrustService,
} from './trust-list-document.ts';

const STATUS = 'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/';
export const SERVICE_STATUS = { granted: `${STATUS}granted`, withdrawn: `${STATUS}withdrawn` } as const;
/**
 * Statuses that meant "qualified and supervised" before eIDAS applied (1 July 2016), which TS 119 612
 * §5.5.4 keeps in histories: a certificate issued then under such a status counts as under `granted`.
 */
const GRANTED_BEFORE_EIDAS = ['undersupervision', 'supervisionincessation', 'accredited', 'setbynationallaw'].map((s) => STATUS + s);

export const QUALIFIER_PREFIX = 'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/';

export interface TrustList {
  /** sha-256 over the documents: the same lists, the same id (the verify workers cache by it). */
  readonly id: string;
  readonly lists: readonly TrustListInfo[];
  readonly services: readonly TrustService[];
  /** Certificates of CA/QC and TSA/QTST services granted now or in their history. */
  readonly anchors: readonly X509Certificate[];
  /** Services left out because they carry something we cannot evaluate (TS 119 612 §5.5.9 critical extensions). */
  readonly warnings: readonly string[];
}

/** Whether `status` meant granted (the eIDAS status, or one of its predecessors). */
export function isGrantedStatus(status: string): boolean {
  return status === SERVICE_STATUS.granted || GRANTED_BEFORE_EIDAS.includes(status);
}

/** The status period of `service` that holds at `at`, or null before its first. */
export function serviceStatusAt(service: TrustService, at: Date): ServiceStatusPeriod | null {
  return service.periods.find((p) => p.from.getTime() <= at.getTime() && (p.until === null || at.getTime() < p.until.getTime())) ?? null;
}

/** The last segment of a TS 119 612 URI (`…/Svcstatus/granted` → `granted`), for reports. */
export function shortUri(uri: string): string {
  return uri.replace(/\/+$/, '').split('/').pop() ?? uri;
}

/** One TS 119 612 document. */
export function parseTrustList(xml: string): TrustList {
  return parseTrustLists([xml]);
}

/** Several documents (e.g. a few national lists) as one list; an error names the document by its position. */
export function parseTrustLists(documents: readonly string[]): TrustList {
  return combine(documents, (index) => (documents.length > 1 ? `trusted list ${index + 1}` : null));
}

/** Reads the files (TRUST_LIST_FILES, `verify --trust-list`); a file that cannot be read or parsed throws, naming it. */
export function loadTrustLists(files: readonly string[]): TrustList {
  const documents = files.map((file) => {
    try {
      if (statSync(file).size > TRUST_LIST_LIMITS.fileBytes) throw new Error(`larger than ${TRUST_LIST_LIMITS.fileBytes} bytes`);
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new TrustListError(`trusted list ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return combine(documents, (index) => `trusted list ${files[index]}`);
}

function combine(documents: readonly string[], label: (index: number) => string | null): TrustList {
  const lists: TrustListInfo[] = [];
  const services: TrustService[] = [];
  const warnings: string[] = [];
  documents.forEach((xml, index) => {
    try {
      const read = readDocument(xml, warnings);
      lists.push(read.info);
      services.push(...read.services);
      if (services.length > TRUST_LIST_LIMITS.services) throw new TrustListError(`more than ${TRUST_LIST_LIMITS.services} trust services`);
    } catch (error) {
      const name = label(index);
      if (name && (error instanceof XmlReadError || error instanceof TrustListError)) {
        throw new TrustListError(`${name} is not a usable ETSI TS 119 612 list: ${error.message}`);
      }
      if (error instanceof XmlReadError) throw new TrustListError(error.message);
      throw error;
    }
  });
  const id = createHash('sha256').update(documents.join('\u0000')).digest('hex');
  return Object.freeze({ id, lists, services, anchors: anchorsOf(services), warnings });
}

/**
 * A list as plain data for a worker thread (structured clone keeps the Dates; certificates go as DER),
 * so the worker rebuilds it without parsing XML again under its smaller heap.
 */
export interface TrustListTransfer {
  id: string;
  lists: TrustListInfo[];
  services: Array<Omit<TrustService, 'certificates'> & { certificates: Uint8Array[] }>;
  warnings: string[];
}

export function trustListTransfer(list: TrustList): TrustListTransfer {
  const services = list.services.map((service) => ({ ...service, certificates: service.certificates.map((c) => new Uint8Array(c.raw)) }));
  return { id: list.id, lists: [...list.lists], services, warnings: [...list.warnings] };
}

export function trustListFromTransfer(data: TrustListTransfer): TrustList {
  const services = data.services.map((service) => ({ ...service, certificates: service.certificates.map((der) => new X509Certificate(der)) }));
  return Object.freeze({ id: data.id, lists: data.lists, services, anchors: anchorsOf(services), warnings: data.warnings });
}

function anchorsOf(services: readonly TrustService[]): X509Certificate[] {
  const seen = new Set<string>();
  const anchors: X509Certificate[] = [];
  for (const service of services) {
    if (service.type !== SERVICE_TYPE.caQc && service.type !== SERVICE_TYPE.qtst) continue;
    if (!service.periods.some((p) => isGrantedStatus(p.status))) continue;
    for (const cert of service.certificates) {
      if (seen.has(cert.fingerprint256)) continue;
      seen.add(cert.fingerprint256);
      anchors.push(cert);
    }
  }
  return anchors;
}
