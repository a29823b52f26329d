/**
 * What a certificate says of itself that matters for qualification: the QCStatements extension
 * (RFC 3739 §3.2.6, ETSI EN 319 412-5 §4), its keyUsage bits (RFC 5280 §4.2.1.3), certificate
 * policies (§4.2.1.4), extended key usages and subject attribute types — the fields a trusted list's
 * criteria (ETSI TS 119 612 §5.5.9.2.2) select certificates by. Also the encoder of a QCStatements
 * value, for issuing test and demonstration certificates.
 */
import type { X509Certificate } from 'node:crypto';
import { BerError, child, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { certificateFields, nameAttributes, type CertificateFields } from '../asn1/certificate-fields.ts';
import { oid, OID, printableString, sequence, type Der } from '../asn1/der.ts';

/** Object identifiers of ETSI EN 319 412-5 §4 (id-etsi-qcs 0.4.0.1862.1) and RFC 3739. */
export const QC_OID = {
  /** id-pe-qcStatements (RFC 3739 §3.2.6): the extension. */
  statements: '1.3.6.1.5.5.7.1.3',
  /** id-etsi-qcs-QcCompliance: issued as a qualified certificate (EN 319 412-5 §4.2.1). */
  compliance: '0.4.0.1862.1.1',
  /** id-etsi-qcs-QcLimitValue (§4.3.2). */
  limitValue: '0.4.0.1862.1.2',
  /** id-etsi-qcs-QcRetentionPeriod (§4.3.3). */
  retentionPeriod: '0.4.0.1862.1.3',
  /** id-etsi-qcs-QcSSCD: the private key is on a (Q)SCD (§4.2.2). */
  sscd: '0.4.0.1862.1.4',
  /** id-etsi-qcs-QcPDS (§4.3.4). */
  pds: '0.4.0.1862.1.5',
  /** id-etsi-qcs-QcType (§4.2.3), with its three values. */
  type: '0.4.0.1862.1.6',
  typeEsign: '0.4.0.1862.1.6.1',
  typeEseal: '0.4.0.1862.1.6.2',
  typeWeb: '0.4.0.1862.1.6.3',
  /** id-etsi-qcs-QcCClegislation: qualified under the law of these (non-EU) countries (§4.2.4). */
  legislation: '0.4.0.1862.1.7',
} as const;

export type QcType = 'esign' | 'eseal' | 'web';

const QC_TYPES: Record<string, QcType> = { [QC_OID.typeEsign]: 'esign', [QC_OID.typeEseal]: 'eseal', [QC_OID.typeWeb]: 'web' };

export interface QcStatements {
  /** The certificate carries the QCStatements extension at all. */
  present: boolean;
  compliance: boolean;
  sscd: boolean;
  /** QcType values in order; unknown type OIDs are left out. */
  types: QcType[];
  /** ISO 3166 country codes of QcCClegislation. */
  legislation: string[];
  /** Every statementId, for the report's detail. */
  statementIds: string[];
  /** Why the extension could not be read; its statements then count as absent. */
  problem: string | null;
}

const EMPTY: QcStatements = { present: false, compliance: false, sscd: false, types: [], legislation: [], statementIds: [], problem: null };

function fieldsOf(cert: X509Certificate): CertificateFields | null {
  try {
    return certificateFields(cert.raw);
  } catch (error) {
    if (error instanceof BerError) return null;
    throw error;
  }
}

/** QCStatements ::= SEQUENCE OF QCStatement; QCStatement ::= SEQUENCE { statementId OID, statementInfo ANY OPTIONAL }. */
export function readQcStatements(cert: X509Certificate): QcStatements {
  const value = fieldsOf(cert)?.extensions.get(QC_OID.statements);
  if (!value) return EMPTY;
  const result: QcStatements = { ...EMPTY, present: true, types: [], legislation: [], statementIds: [] };
  try {
    for (const statement of readBer(value).children) {
      const id = oidString(child(statement, 0, 0x06));
      const info = statement.children[1];
      result.statementIds.push(id);
      if (id === QC_OID.compliance) result.compliance = true;
      else if (id === QC_OID.sscd) result.sscd = true;
      // QcType-statement ::= SEQUENCE OF OBJECT IDENTIFIER (§4.2.3)
      else if (id === QC_OID.type && info) result.types.push(...info.children.map((t) => QC_TYPES[oidString(t)]).filter((t): t is QcType => t !== undefined));
      // QcCClegislation ::= SEQUENCE OF CountryName (PrintableString SIZE (2)) (§4.2.4)
      else if (id === QC_OID.legislation && info) result.legislation.push(...info.children.map((c) => c.content.toString('latin1')));
    }
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
    return { ...EMPTY, present: true, problem: `the QCStatements extension cannot be read (${error.message})` };
  }
  return result;
}

export interface QcStatementsInput {
  compliance?: boolean;
  sscd?: boolean;
  type?: QcType;
  legislation?: readonly string[];
}

/** The extnValue of a QCStatements extension (EN 319 412-5 §4), to put in a certificate being issued. */
export function encodeQcStatements(input: QcStatementsInput): Der {
  const statements: Der[] = [];
  if (input.compliance) statements.push(sequence(oid(QC_OID.compliance)));
  if (input.sscd) statements.push(sequence(oid(QC_OID.sscd)));
  const typeOid = Object.entries(QC_TYPES).find(([, name]) => name === input.type)?.[0];
  if (typeOid) statements.push(sequence(oid(QC_OID.type), sequence(oid(typeOid))));
  if (input.legislation?.length) statements.push(sequence(oid(QC_OID.legislation), sequence(...input.legislation.map(printableString))));
  return sequence(...statements);
}

/** Names of the keyUsage bits, in bit order (RFC 5280 §4.2.1.3), as TS 119 612 KeyUsageBit names them. */
export const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'crlSign', 'encipherOnly', 'decipherOnly'] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

/** The keyUsage bits set, or null when the certificate has no keyUsage extension. */
export function keyUsageOf(cert: X509Certificate): Set<KeyUsageName> | null {
  const value = fieldsOf(cert)?.extensions.get(OID.keyUsage);
  if (!value) return null;
  try {
    const bits = readBer(value);
    if (bits.tag !== 0x03 || bits.content.length < 1) return new Set();
    const set = new Set<KeyUsageName>();
    KEY_USAGE_BITS.forEach((name, index) => {
      const byte = bits.content[1 + (index >> 3)];
      if (byte !== undefined && byte & (0x80 >> (index & 7))) set.add(name);
    });
    return set;
  } catch (error) {
    if (error instanceof BerError) return new Set();
    throw error;
  }
}

function oidsOf(node: BerNode, pick: (item: BerNode) => BerNode | undefined): string[] {
  return node.children.map(pick).filter((n): n is BerNode => n?.tag === 0x06).map(oidString);
}

/** policyIdentifier of each PolicyInformation in certificatePolicies (RFC 5280 §4.2.1.4). */
export function certificatePolicyIds(cert: X509Certificate): string[] {
  const value = fieldsOf(cert)?.extensions.get(OID.certificatePolicies);
  if (!value) return [];
  try {
    return oidsOf(readBer(value), (info) => info.children[0]);
  } catch (error) {
    if (error instanceof BerError) return [];
    throw error;
  }
}

/** KeyPurposeIds of extKeyUsage (RFC 5280 §4.2.1.12). */
export function extendedKeyUsageIds(cert: X509Certificate): string[] {
  const value = fieldsOf(cert)?.extensions.get(OID.extKeyUsage);
  if (!value) return [];
  try {
    return oidsOf(readBer(value), (id) => id);
  } catch (error) {
    if (error instanceof BerError) return [];
    throw error;
  }
}

/** Attribute types of the subject name, e.g. 2.5.4.97 organizationIdentifier (TS 119 612 CertSubjectDNAttribute). */
export function subjectAttributeTypes(cert: X509Certificate): string[] {
  const fields = fieldsOf(cert);
  return fields ? nameAttributes(fields.subject).map((a) => a.type) : [];
}
