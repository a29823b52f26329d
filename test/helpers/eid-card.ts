/**
 * A test double of a Belgian eID card: a chain shaped like the real one (Belgium Root CA → Citizen CA →
 * "(Signature)" certificate with nonRepudiation and QcStatements) whose signature key is generated inside a
 * SoftHSM2 token, sensitive and not extractable, with its certificate stored beside it under the same CKA_ID, as
 * on a card. `signHash` returns what a card returns to Web eID: raw r || s for ECDSA (PKCS#11 v2.40 §2.3.1), a
 * PKCS#1 v1.5 signature over DigestInfo(hash) for RSA.
 *
 * SoftHSM2 reads its token directory at C_Initialize, once per process (see softhsm.ts): a token initialised after
 * the first token was opened is invisible. So with several cards, or a card beside another token (a CSC server's),
 * initialise every token first (`softHsm.initToken`) and pass each card its own as `token`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { oid, sequence, type Der } from '../../src/asn1/der.ts';
import { buildCertificate, extension, type DistinguishedName } from '../../src/keys/certificate-builder.ts';
import { toPem } from '../../src/keys/dev-pki.ts';
import { digestInfo } from '../../src/keys/pkcs11-mechanism.ts';
import { generateTokenKeyPair, storeTokenCertificate } from '../../src/keys/pkcs11-objects.ts';
import { Pkcs11Token, type Pkcs11TokenOptions } from '../../src/keys/pkcs11.ts';
import { createKeySigner } from '../../src/keys/signing-key.ts';
import type { HashAlgorithm } from '../../src/keys/types.ts';
import type { SoftHsm } from './softhsm.ts';

export type EidVariant = 'ecdsa-p384' | 'rsa-2048';

/** ETSI EN 319 412-5 §4: QcCompliance, QcSSCD, QcType and its esign value; id-pe-qcStatements (RFC 3739 §3.2.6). */
export const QC_OID = Object.freeze({
  qcStatements: '1.3.6.1.5.5.7.1.3',
  qcCompliance: '0.4.0.1862.1.1',
  qcSscd: '0.4.0.1862.1.4',
  qcType: '0.4.0.1862.1.6',
  qcTypeEsign: '0.4.0.1862.1.6.1',
  qcTypeEseal: '0.4.0.1862.1.6.2',
});

/** Policies of a Belgian signature certificate: the citizen signature CP and QCP-n-qscd (ETSI EN 319 411-2 §5.3). */
export const EID_SIGNATURE_POLICIES = Object.freeze(['2.16.56.12.1.1.2.1', '0.4.0.194112.1.2']);

export interface QcStatementsSpec {
  compliance?: boolean;
  sscd?: boolean;
  type?: 'esign' | 'eseal' | null;
}

/** The QCStatements extension (ETSI EN 319 412-5 §4, RFC 3739 §3.2.6), non-critical. Default: all three, esign. */
export function qcStatementsExtension(spec: QcStatementsSpec = {}): Der {
  const { compliance = true, sscd = true, type = 'esign' } = spec;
  const statements: Der[] = [];
  if (compliance) statements.push(sequence(oid(QC_OID.qcCompliance)));
  if (sscd) statements.push(sequence(oid(QC_OID.qcSscd)));
  // QcType ::= SEQUENCE OF OBJECT IDENTIFIER (EN 319 412-5 §4.2.3)
  if (type) statements.push(sequence(oid(QC_OID.qcType), sequence(oid(type === 'esign' ? QC_OID.qcTypeEsign : QC_OID.qcTypeEseal))));
  return extension(QC_OID.qcStatements, false, sequence(...statements));
}

/** A valid Belgian national register number: YYMMDD, a 3-digit counter, 97 - (first nine mod 97). */
export function nationalNumber(birth = '850315', counter = 1 + Math.floor(Math.random() * 997)): string {
  const nine = `${birth}${String(counter).padStart(3, '0')}`;
  return `${nine}${String(97 - (Number(nine) % 97)).padStart(2, '0')}`;
}

export interface EidChainOptions {
  /** The signature key's public half (from the token, or a node key in tests that need no token). */
  subjectPublicKey: KeyObject;
  name: { given: string; surname: string };
  nationalNumber?: string;
  /** AIA id-ad-ocsp and caIssuers, CRLDP of the signature certificate: the citizen CA's responder. */
  ocspUrl?: string;
  caIssuersUrl?: string;
  crlUrl?: string;
  /** CRLDP of the citizen CA certificate: the root's CRL. */
  caCrlUrl?: string;
  qcStatements?: QcStatementsSpec;
}

export interface EidChain {
  rootDer: Buffer;
  rootPem: string;
  rootKey: KeyObject;
  citizenCaDer: Buffer;
  citizenCaKey: KeyObject;
  signatureCertDer: Buffer;
  /** leaf, citizen CA, root. */
  chain: Buffer[];
  nationalNumber: string;
}

const DAY = 86_400_000;

/** Root and citizen CA with node keys (RSA-2048, as the real hierarchy signs with RSA), and the signature certificate. */
export async function buildEidChain(options: EidChainOptions): Promise<EidChain> {
  const now = Date.now();
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const root = rsa();
  const rootDer = await buildCertificate(
    {
      subject: [{ type: 'countryName', value: 'BE' }, { type: 'commonName', value: 'Test Belgium Root CA4' }],
      subjectPublicKey: root.publicKey,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 10 * 365 * DAY),
      ca: {},
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    { key: createKeySigner(root.privateKey) },
  );
  const ca = rsa();
  const citizenCaDer = await buildCertificate(
    {
      subject: [
        { type: 'countryName', value: 'BE' },
        { type: 'organizationName', value: 'Test Belgian Federal Government' },
        { type: 'serialNumber', value: '202401' },
        { type: 'commonName', value: 'Test Citizen CA' },
      ],
      subjectPublicKey: ca.publicKey,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 5 * 365 * DAY),
      ca: { pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      ...(options.caCrlUrl ? { crlUrls: [options.caCrlUrl] } : {}),
    },
    { key: createKeySigner(root.privateKey), certificate: rootDer },
  );
  const number = options.nationalNumber ?? nationalNumber();
  const { given, surname } = options.name;
  const subject: DistinguishedName = [
    { type: 'countryName', value: 'BE' },
    { type: 'commonName', value: `${given} ${surname} (Signature)` },
    { type: 'surname', value: surname },
    { type: 'givenName', value: given },
    { type: 'serialNumber', value: number },
  ];
  const signatureCertDer = await buildCertificate(
    {
      subject,
      subjectPublicKey: options.subjectPublicKey,
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + 2 * 365 * DAY),
      keyUsage: ['nonRepudiation'],
      policies: EID_SIGNATURE_POLICIES,
      ocspUrl: options.ocspUrl,
      caIssuersUrl: options.caIssuersUrl,
      ...(options.crlUrl ? { crlUrls: [options.crlUrl] } : {}),
      extraExtensions: [qcStatementsExtension(options.qcStatements)],
    },
    { key: createKeySigner(ca.privateKey), certificate: citizenCaDer },
  );
  return {
    rootDer,
    rootPem: toPem(rootDer),
    rootKey: root.privateKey,
    citizenCaDer,
    citizenCaKey: ca.privateKey,
    signatureCertDer,
    chain: [signatureCertDer, citizenCaDer, rootDer],
    nationalNumber: number,
  };
}

export type EidTokenOptions = Required<Pick<Pkcs11TokenOptions, 'module' | 'pin' | 'tokenLabel'>> & { slot?: number };

export interface EidCardOptions extends Omit<EidChainOptions, 'subjectPublicKey'> {
  softHsm: SoftHsm;
  variant: EidVariant;
  /** A token initialised beforehand (softHsm.initToken, or csc-server.ts's initSoftHsmToken once a token is open). */
  token?: EidTokenOptions;
  /** Otherwise the label of the token to initialise now; default "BELPIC". Each card needs its own token. */
  label?: string;
  pin?: string;
}

export interface EidCard extends EidChain {
  variant: EidVariant;
  /** The hash a card's key signs with in Web eID's answer (SHA-384 for P-384, SHA-256 for RSA-2048). */
  hashAlgorithm: HashAlgorithm;
  /** To open the card's token yourself (pkcs11-tool, Pkcs11Token). */
  tokenOptions: EidTokenOptions;
  /** CKA_LABEL of the signature key and certificate ("Signature", as on a real card) and their shared CKA_ID. */
  keyLabel: string;
  keyId: Buffer;
  /** Signs a digest the way a card does for Web eID `sign`: ECDSA → raw r || s; RSA → PKCS#1 v1.5 over DigestInfo. */
  signHash(hash: Buffer, hashAlgorithm: HashAlgorithm): Promise<Buffer>;
  close(): Promise<void>;
}

const DIGEST_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };
const KEY_LABEL = 'Signature';

export async function createEidCard(options: EidCardOptions): Promise<EidCard> {
  const initialised = options.token ?? options.softHsm.initToken(options.label ?? 'BELPIC', options.pin);
  const tokenOptions: EidTokenOptions = { module: initialised.module, pin: initialised.pin, tokenLabel: initialised.tokenLabel, slot: initialised.slot };
  let token: Pkcs11Token;
  try {
    token = Pkcs11Token.open({ module: tokenOptions.module, pin: tokenOptions.pin, tokenLabel: tokenOptions.tokenLabel });
  } catch (error) {
    if (options.token) throw error;
    throw new Error(
      'The eID card token was made after SoftHSM2 was initialised in this process, so it cannot be seen: make it first, ' +
        "or pass `token` from csc-server.ts's initSoftHsmToken.",
      { cause: error },
    );
  }
  try {
    const spec = options.variant === 'ecdsa-p384' ? ({ type: 'ec', curve: 'P-384' } as const) : ({ type: 'rsa', bits: 2048 } as const);
    const key = await generateTokenKeyPair(token, KEY_LABEL, spec);
    const chain = await buildEidChain({ ...options, subjectPublicKey: key.publicKey });
    // A card holds its certificates too: the signature certificate under the key's id, and the CA and root.
    await storeTokenCertificate(token, KEY_LABEL, key.id, chain.signatureCertDer);
    await storeTokenCertificate(token, 'CA', Buffer.from('CA'), chain.citizenCaDer);
    await storeTokenCertificate(token, 'Root', Buffer.from('Root'), chain.rootDer);
    return {
      ...chain,
      variant: options.variant,
      hashAlgorithm: options.variant === 'ecdsa-p384' ? 'sha384' : 'sha256',
      tokenOptions,
      keyLabel: KEY_LABEL,
      keyId: key.id,
      async signHash(hash, hashAlgorithm) {
        if (hash.length !== DIGEST_LENGTH[hashAlgorithm]) throw new Error(`A ${hashAlgorithm} digest has ${DIGEST_LENGTH[hashAlgorithm]} bytes, not ${hash.length}`);
        const { p11 } = token;
        const request =
          options.variant === 'ecdsa-p384'
            ? { mechanism: { mechanism: p11.CKM_ECDSA }, input: hash }
            : { mechanism: { mechanism: p11.CKM_RSA_PKCS }, input: digestInfo(hashAlgorithm, hash) };
        return token.signRaw(KEY_LABEL, request);
      },
      close: () => token.close(),
    };
  } catch (error) {
    await token.close();
    throw error;
  }
}
