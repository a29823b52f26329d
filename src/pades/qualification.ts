/**
 * Is a signer's certificate a qualified certificate for electronic signatures on a QSCD — what a
 * qualified electronic signature (eIDAS art. 3(12)) rests on? Following ETSI TS 119 615 §4 roughly:
 * find the CA/QC service of the trusted list that issued it, take the service's status when the
 * certificate was issued (its notBefore) and at the time the signature is judged at, and combine what
 * the certificate says of itself (QCStatements, EN 319 412-5) with the Qualifications the list adds or
 * overrides for the certificates its criteria select (TS 119 612 §5.5.9.2).
 */
import type { X509Certificate } from 'node:crypto';
import type { CertificateQualification } from './report.ts';
import {
  certificatePolicyIds,
  extendedKeyUsageIds,
  keyUsageOf,
  readQcStatements,
  subjectAttributeTypes,
  type QcType,
} from './qc-statements.ts';
import {
  isGrantedStatus,
  QUALIFIER_PREFIX,
  SERVICE_TYPE,
  serviceStatusAt,
  shortUri,
  type ServiceStatusPeriod,
  type TrustList,
  type TrustListCriteria,
  type TrustService,
} from './trust-list.ts';

export type { CertificateQualification };

/** eIDAS applies from this day: before it, Directive 1999/93/EC knew qualified certificates for signatures only. */
const EIDAS_START = Date.parse('2016-07-01T00:00:00Z');

const q = (name: string): string => QUALIFIER_PREFIX + name;

/**
 * `chain`: leaf first, then its issuers as built (buildPath); `at`: the time the signature is judged at.
 */
export function classifyCertificate(chain: readonly X509Certificate[], at: Date, trustList?: TrustList): CertificateQualification {
  const leaf = chain[0];
  if (!leaf) return { kind: 'unknown', qcCompliance: false, qcSscd: false, qcType: null, service: null, reason: 'no signer certificate' };
  const statements = readQcStatements(leaf);
  const own = { qcCompliance: statements.compliance, qcSscd: statements.sscd, qcType: statements.types.length === 1 ? statements.types[0] : null };
  const unconfirmed = (reason: string): CertificateQualification => ({
    kind: statements.compliance ? 'unknown' : 'non_qualified',
    ...own,
    service: null,
    reason: statements.compliance ? `the certificate says it is qualified, but ${reason}` : `the certificate is not qualified: it has no QcCompliance statement (ETSI EN 319 412-5) and ${reason}`,
  });
  if (statements.problem) return { kind: 'non_qualified', ...own, service: null, reason: statements.problem };
  if (!trustList) return unconfirmed('no trusted list is loaded to confirm its issuer');
  const service = issuingService(chain, trustList);
  if (!service) return unconfirmed('its issuer is not a qualified CA (CA/QC) on the loaded trusted lists');

  const issued = new Date(leaf.validFrom);
  const atIssuance = serviceStatusAt(service, issued);
  const atTime = serviceStatusAt(service, at);
  const described = { tsp: service.tsp, name: service.name, status: atTime ? shortUri(atTime.status) : 'unknown' };
  const notGranted = (when: string, period: ServiceStatusPeriod | null): CertificateQualification => ({
    kind: 'non_qualified',
    ...own,
    service: described,
    reason: `the trust service "${service.name}" was not granted ${when} (${period ? shortUri(period.status) : 'not yet listed'})`,
  });
  if (!atIssuance || !isGrantedStatus(atIssuance.status)) return notGranted(`when the certificate was issued, ${issued.toISOString()}`, atIssuance);
  if (!atTime || !isGrantedStatus(atTime.status)) return notGranted(`at ${at.toISOString()}, the time the signature is judged at`, atTime);

  const result = { ...own, qcType: ownType(statements.types, issued, atIssuance) };
  // The list's qualifiers as they stood at issuance, then as they stand at `at`: later ones take precedence.
  for (const period of [atIssuance, atTime]) applyQualifiers(result, qualifiersFor(leaf, period), statements);
  const reason = !result.qcCompliance
    ? 'not a qualified certificate: neither the certificate (QcCompliance) nor the trusted list (QCStatement) says it is'
    : result.qcType !== 'esign'
      ? `a qualified certificate ${result.qcType === null ? 'of unknown type' : `for ${result.qcType === 'eseal' ? 'electronic seals' : 'website authentication'}`}, not for electronic signatures`
      : !result.qcSscd
        ? 'a qualified certificate whose key is not on a qualified signature creation device (QSCD): not a qualified signature'
        : null;
  return { kind: reason === null ? 'qualified' : 'non_qualified', ...result, service: described, reason };
}

/** QcType from the certificate; else what the service says it issues; before eIDAS, signatures. */
function ownType(types: readonly QcType[], issued: Date, period: ServiceStatusPeriod): QcType | null {
  if (types.length === 1) return types[0];
  if (types.length > 1) return null; // several: only a list qualifier can say which (TS 119 615 §4.3).
  const uses = period.additionalInformation.map(shortUri);
  const purposes = [uses.includes('ForeSignatures') && 'esign', uses.includes('ForeSeals') && 'eseal', uses.includes('ForWebSiteAuthentication') && 'web'].filter(Boolean) as QcType[];
  if (purposes.length === 1) return purposes[0];
  return issued.getTime() < EIDAS_START ? 'esign' : null;
}

function applyQualifiers(result: { qcCompliance: boolean; qcSscd: boolean; qcType: QcType | null }, qualifiers: readonly string[], statements: { sscd: boolean }): void {
  for (const qualifier of qualifiers) {
    if (qualifier === q('QCStatement')) result.qcCompliance = true;
    else if (qualifier === q('NotQualified') || qualifier === q('QCForLegalPerson')) result.qcCompliance = false;
    else if (qualifier === q('QCForESig')) result.qcType = 'esign';
    else if (qualifier === q('QCForESeal')) result.qcType = 'eseal';
    else if (qualifier === q('QCForWSA')) result.qcType = 'web';
    else if ([q('QCWithQSCD'), q('QCWithSSCD'), q('QCQSCDManagedOnBehalf')].includes(qualifier)) result.qcSscd = true;
    else if (qualifier === q('QCNoQSCD') || qualifier === q('QCNoSSCD')) result.qcSscd = false;
    else if (qualifier === q('QCQSCDStatusAsInCert') || qualifier === q('QCSSCDStatusAsInCert')) result.qcSscd = statements.sscd;
  }
}

/** Qualifiers of every QualificationElement of `period` whose criteria select `cert`. */
function qualifiersFor(cert: X509Certificate, period: ServiceStatusPeriod): string[] {
  const facts = certificateFacts(cert);
  return period.qualifications.filter((rule) => criteriaMatch(rule.criteria, facts)).flatMap((rule) => rule.qualifiers);
}

interface CertificateFacts {
  keyUsage: ReadonlySet<string> | null;
  policies: readonly string[];
  extendedKeyUsage: readonly string[];
  subjectAttributes: readonly string[];
}

function certificateFacts(cert: X509Certificate): CertificateFacts {
  return { keyUsage: keyUsageOf(cert), policies: certificatePolicyIds(cert), extendedKeyUsage: extendedKeyUsageIds(cert), subjectAttributes: subjectAttributeTypes(cert) };
}

/** TS 119 612 §5.5.9.2.2: `all`, `atLeastOne` or `none` of the criteria hold. */
function criteriaMatch(criteria: TrustListCriteria, facts: CertificateFacts): boolean {
  const results = [
    ...criteria.keyUsage.map((bits) => Object.entries(bits).every(([bit, value]) => (facts.keyUsage?.has(bit) ?? false) === value)),
    ...criteria.policySets.map((set) => set.every((id) => facts.policies.includes(id))),
    ...criteria.extendedKeyUsage.map((set) => set.every((id) => facts.extendedKeyUsage.includes(id))),
    ...criteria.subjectAttributes.map((set) => set.every((id) => facts.subjectAttributes.includes(id))),
    ...criteria.lists.map((list) => criteriaMatch(list, facts)),
  ];
  if (criteria.assert === 'all') return results.every(Boolean);
  if (criteria.assert === 'atLeastOne') return results.some(Boolean);
  return !results.some(Boolean);
}

const sameKey = (a: X509Certificate, b: X509Certificate): boolean =>
  a.raw.equals(b.raw) || (a.subject === b.subject && a.publicKey.export({ type: 'spki', format: 'der' }).equals(b.publicKey.export({ type: 'spki', format: 'der' })));

/**
 * The CA/QC service whose digital identity is one of the leaf's issuers (the same certificate, or the
 * same subject and key: a renewed CA certificate, TS 119 612 §5.5.3), nearest the leaf first; for a
 * lone leaf, the service whose certificate signed it.
 */
function issuingService(chain: readonly X509Certificate[], trustList: TrustList): TrustService | null {
  const services = trustList.services.filter((s) => s.type === SERVICE_TYPE.caQc);
  for (const issuer of chain.slice(1)) {
    const found = services.find((s) => s.certificates.some((c) => sameKey(c, issuer)));
    if (found) return found;
  }
  const leaf = chain[0];
  return services.find((s) => s.certificates.some((c) => leaf.issuer === c.subject && leaf.checkIssued(c) && leaf.verify(c.publicKey))) ?? null;
}
