/**
 * A Belgian-eID-shaped PKI made with the openssl CLI, for the qualification tests: "Test Belgium Root
 * CA4" → "Test Citizen CA" → signature certificates with and without QCStatements (ETSI EN 319 412-5).
 * The QCStatements values are DER written out by hand here, so the tests check our reader and encoder
 * against them rather than against themselves. Keys are node keys (use openssl-pki's localKey), unlike
 * the SoftHSM2 card of eid-card.ts.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_CONFIG, CA_EXTENSIONS, openssl, type Issued } from './openssl-pki.ts';
import type { TrustListServiceInput } from './trust-list-xml.ts';

const COMPLIANCE = '3008060604008e460101';
const SSCD = '3008060604008e460104';
/** QcType statement with one type: `01` esign, `02` eseal, `03` web (0.4.0.1862.1.6.x). */
const qcType = (type: '01' | '02' | '03'): string => `3013060604008e4601063009060704008e46010601`.slice(0, -2) + type;
const statements = (...parts: string[]): string => {
  const body = parts.join('');
  return `30${(body.length / 2).toString(16).padStart(2, '0')}${body}`;
};

/** QcCompliance, QcSSCD, QcType esign: what a Belgian eID signature certificate declares. */
export const QC_ESIGN_QSCD_DER = Buffer.from(statements(COMPLIANCE, SSCD, qcType('01')), 'hex');
/** The Belgian eID signature certificate policy (FedICT, citizen signature). */
export const BE_SIGNATURE_POLICY = '2.16.56.12.1.1.2.1';

export interface QualifiedPki {
  dir: string;
  root: Issued;
  citizenCa: Issued;
  /** QcCompliance + QcSSCD + QcType esign, nonRepudiation only, P-384: a qualified signature certificate. */
  qualified: Issued;
  /** The same profile without QCStatements. */
  plain: Issued;
  /** QcCompliance + QcType esign but no QcSSCD (a QC whose key is not on a QSCD). */
  noSscd: Issued;
  /** QcCompliance + QcSSCD + QcType eseal. */
  seal: Issued;
  /** Issued on 2015-01-01, before eIDAS applied: QcCompliance + QcSSCD and no QcType, as eID certificates were then. */
  preEidas: Issued;
}


const leafSection = (name: string, qc: string | null): string => `
[ ${name} ]
basicConstraints = CA:FALSE
keyUsage = critical, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = ${BE_SIGNATURE_POLICY}
${qc ? `1.3.6.1.5.5.7.1.3 = DER:${qc}` : ''}
`;

const CURVES = { p256: 'P-256', p384: 'P-384' } as const;

function issue(dir: string, name: string, subject: string, curve: keyof typeof CURVES, issuer: string | null, section: string, start?: string): Issued {
  const key = ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${CURVES[curve]}`, '-nodes', '-utf8', '-keyout', `${name}.key`];
  if (start) {
    openssl(['req', '-new', ...key, '-out', `${name}.csr`, '-subj', subject, '-config', 'req.cnf'], { cwd: dir });
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`, '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext',
      '-preserveDN', '-startdate', start, '-enddate', '20350101000000Z', '-extfile', 'ext.cnf', '-extensions', section], { cwd: dir });
  } else if (!issuer) {
    openssl(['req', '-x509', ...key, '-out', `${name}.pem`, '-subj', subject, '-days', '3650', '-config', 'req.cnf', '-extensions', section], { cwd: dir });
  } else {
    openssl(['req', '-new', ...key, '-out', `${name}.csr`, '-subj', subject, '-config', 'req.cnf'], { cwd: dir });
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '365', '-sha384',
      '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.pem`], { cwd: dir });
  }
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  const pem = readFileSync(certPath, 'utf8');
  return { cert: new X509Certificate(pem), pem, certPath, keyPath, key: createPrivateKey(readFileSync(keyPath)) };
}

let cached: QualifiedPki | null = null;

export function qualifiedPki(): QualifiedPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'paraaf-qualified-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const sections = CA_EXTENSIONS +
    leafSection('qualified', QC_ESIGN_QSCD_DER.toString('hex')) +
    leafSection('plain', null) +
    leafSection('no_sscd', statements(COMPLIANCE, qcType('01'))) +
    leafSection('seal', statements(COMPLIANCE, SSCD, qcType('02'))) +
    leafSection('pre_eidas', statements(COMPLIANCE, SSCD));
  writeFileSync(join(dir, 'ext.cnf'), sections);
  writeFileSync(join(dir, 'req.cnf'), `[ req ]\ndistinguished_name = dn\n[ dn ]\n${sections}`);
  // `openssl ca`, as OpenSSL 3.0 x509 has no -not_before: a certificate of the Citizen CA valid from `start`.
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG(dir, 'sha384'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const root = issue(dir, 'root', '/C=BE/CN=Test Belgium Root CA4', 'p256', null, 'ca');
  const citizenCa = issue(dir, 'citizen-ca', '/C=BE/O=Test Certipost/serialNumber=202401/CN=Test Citizen CA', 'p384', 'root', 'ca');
  const person = (given: string, surname: string, serial: string): string => `/C=BE/SN=${surname}/GN=${given}/serialNumber=${serial}/CN=${given} ${surname} (Signature)`;
  cached = {
    dir,
    root,
    citizenCa,
    qualified: issue(dir, 'qualified', person('Jan', 'Peeters', '85010112345'), 'p384', 'citizen-ca', 'qualified'),
    plain: issue(dir, 'plain', person('Els', 'Janssens', '90020254321'), 'p384', 'citizen-ca', 'plain'),
    noSscd: issue(dir, 'no-sscd', person('Piet', 'Maes', '77030398765'), 'p384', 'citizen-ca', 'no_sscd'),
    preEidas: issue(dir, 'pre-eidas', person('Marie', 'Claes', '65040411111'), 'p384', 'citizen-ca', 'pre_eidas', '20150101000000Z'),
    seal: issue(dir, 'seal', '/C=BE/O=Gemeente Teststad/organizationIdentifier=VATBE-0207000000/CN=Gemeente Teststad', 'p384', 'citizen-ca', 'seal'),
  };
  return cached;
}

/** The Citizen CA as a CA/QC service granted since eIDAS applied, for trustListXml; `extra` changes any of it. */
export function citizenCaService(extra: Partial<TrustListServiceInput> = {}): TrustListServiceInput {
  return { name: 'Test Citizen CA', type: 'CA/QC', status: 'granted', certificates: [qualifiedPki().citizenCa.cert.raw], statusStartingTime: new Date('2016-07-01T00:00:00Z'), ...extra };
}
