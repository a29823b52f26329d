/**
 * Test doubles for B-T/B-LT made with the openssl CLI only (independent of src/keys and src/pades):
 * a TimeStamper answering with `openssl ts -reply` from a TSA certificate (critical EKU timeStamping)
 * issued by the test PKI's intermediate, and a RevocationSource answering with `openssl ocsp` responses
 * signed by the issuing CA itself (root for the intermediate, intermediate for leaves and the TSA).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashAlgorithm, RevocationData, RevocationSource, TimeStamper } from '../../src/keys/types.ts';
import { openssl, pki, type Issued } from './openssl-pki.ts';

export interface OpensslTsa extends TimeStamper {
  cert: X509Certificate;
  /** The TSA certificate's PEM followed by the intermediate's, for `openssl ts -verify -untrusted`. */
  chainPem: string;
  /** How many tokens were issued. */
  count: number;
}

let tsaDir: string | undefined;
function scratch(): string {
  if (!tsaDir) {
    const made = mkdtempSync(join(tmpdir(), 'paraaf-ltv-doubles-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    tsaDir = made;
  }
  return tsaDir;
}

const TSA_EXTENSIONS = `[ tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

let tsa: OpensslTsa | undefined;

export function opensslTsa(): OpensslTsa {
  if (tsa) return tsa;
  const p = pki();
  const dir = scratch();
  writeFileSync(join(dir, 'tsa-ext.cnf'), TSA_EXTENSIONS);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/C=BE/O=Paraaf Test/CN=Paraaf Test TSA'], { cwd: dir });
  openssl(['x509', '-req', '-in', 'tsa.csr', '-CA', p.intermediate.certPath, '-CAkey', p.intermediate.keyPath, '-CAcreateserial', '-days', '30',
    '-sha256', '-extfile', 'tsa-ext.cnf', '-extensions', 'tsa', '-out', 'tsa.pem'], { cwd: dir });
  const tsaPem = readFileSync(join(dir, 'tsa.pem'), 'utf8');
  const chainPem = tsaPem.trim() + '\n' + p.intermediate.pem.trim() + '\n';
  writeFileSync(join(dir, 'tsa-chain.pem'), chainPem);
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  writeFileSync(join(dir, 'ts.cnf'), `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = ${dir}
serial = ${dir}/tsaserial
crypto_device = builtin
signer_cert = ${dir}/tsa.pem
certs = ${dir}/tsa-chain.pem
signer_key = ${dir}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`);
  let n = 0;
  tsa = {
    cert: new X509Certificate(tsaPem),
    chainPem,
    count: 0,
    async timestamp(digest: Buffer, hash: HashAlgorithm): Promise<Buffer> {
      const id = `ts-${process.pid}-${++n}`;
      openssl(['ts', '-query', '-digest', digest.toString('hex'), `-${hash}`, '-cert', '-out', `${id}.tsq`], { cwd: dir });
      openssl(['ts', '-reply', '-config', 'ts.cnf', '-queryfile', `${id}.tsq`, '-token_out', '-out', `${id}.der`], { cwd: dir });
      this.count++;
      return readFileSync(join(dir, `${id}.der`));
    },
  };
  return tsa;
}

export interface OpensslOcsp extends RevocationSource {
  /** Certificates asked about, by subject. */
  asked: string[];
  /** Serial numbers (hex, as X509Certificate gives them) answered "revoked". */
  revoked: Set<string>;
}

/** OCSP responses signed by the issuer itself, for certificates issued by the test root or intermediate. */
export function opensslOcsp(): OpensslOcsp {
  const p = pki();
  const issuers: Issued[] = [p.root, p.intermediate];
  const dir = scratch();
  let n = 0;
  const source: OpensslOcsp = {
    asked: [],
    revoked: new Set(),
    async revocationData(cert: X509Certificate, issuer: X509Certificate): Promise<RevocationData | null> {
      const ca = issuers.find((i) => i.cert.fingerprint256 === issuer.fingerprint256);
      if (!ca) return null;
      source.asked.push(cert.subject);
      const id = `ocsp-${process.pid}-${++n}`;
      writeFileSync(join(dir, `${id}.pem`), cert.toString());
      const status = source.revoked.has(cert.serialNumber) ? 'R' : 'V';
      const revokedAt = status === 'R' ? '200101000000Z' : '';
      writeFileSync(join(dir, `${id}.idx`), `${status}\t491231235959Z\t${revokedAt}\t${cert.serialNumber.toUpperCase()}\tunknown\t/CN=x\n`);
      openssl(['ocsp', '-issuer', ca.certPath, '-cert', `${id}.pem`, '-no_nonce', '-reqout', `${id}.req`], { cwd: dir });
      openssl(['ocsp', '-index', `${id}.idx`, '-rsigner', ca.certPath, '-rkey', ca.keyPath, '-CA', ca.certPath, '-reqin', `${id}.req`,
        '-respout', `${id}.resp`, '-ndays', '7'], { cwd: dir });
      return { ocsps: [readFileSync(join(dir, `${id}.resp`))], crls: [] };
    },
  };
  return source;
}
