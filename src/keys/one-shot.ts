import { generateKeyPairSync, X509Certificate, type KeyPairKeyObjectResult } from 'node:crypto';
import { OID } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import { buildParsedCertificate, subjectPublicKeyInfo, type DistinguishedName } from './certificate-builder.ts';
import { createKeySigner } from './signing-key.ts';
import type { OneShotKey, SignerIdentity, SigningKey } from './types.ts';

/** Validity starts a minute early so a verifier whose clock runs slightly behind still accepts it. */
const CLOCK_SKEW_MS = 60_000;
/**
 * Ten years, capped at the issuing CA's notAfter (DESIGN §5). poppler's `pdfsig` (Okular, Evince) judges every
 * certificate at the current time, not at the signature timestamp: the former ten-minute lifetime made every
 * signature "Certificate has Expired" ten minutes after signing. The risk of a certificate is its key, and a
 * one-shot key signs once and is dropped from memory, so a long lifetime lends it nothing; the RFC 3161 signature
 * timestamp, not the lifetime, proves when the signature was made, and revocation (CRL, OCSP, `cert revoke`)
 * withdraws a certificate obtained by fraud. Ten years keeps `faketime '+400 days' pdfsig` (and a reader ten years
 * on) at "Certificate is Trusted"; beyond that, the B-LTA archive timestamps carry the proof.
 */
const VALIDITY_YEARS = 10;

export interface OneShotOptions {
  /** The issuing CA: its certificates are [issuing CA, root]. */
  issuingCa: SigningKey;
  /** Its certificate's notAfter, when the caller has it parsed already; else read from the certificate. */
  issuingCaNotAfter?: Date;
  organisationName: string;
  identity: SignerIdentity;
  now?: () => Date;
  /**
   * AIA caIssuers and CRLDP of the issuing CA (RFC 5280 §4.2.2.1, §4.2.1.13). `ocspUrl` is left out by default:
   * pdfsig 22.12 (NSS) queries an AIA OCSP URL and reports "Unknown issue with Certificate" whenever the responder
   * is unreachable, answers an HTTP error, or answers for a time other than the reader's clock (measured, issue 9),
   * which would make the signature's display depend on this service being online forever.
   */
  pointers?: { caIssuersUrl?: string; crlUrls?: readonly string[]; ocspUrl?: string };
}

/**
 * Issues a certificate for a fresh ECDSA P-256 key pair that signs once and is then dropped
 * (DESIGN §5). P-256 generation takes microseconds, where RSA-2048 takes about a hundred
 * milliseconds and would dominate every signature.
 */
export async function issueOneShotCertificate(options: OneShotOptions): Promise<OneShotKey> {
  const { issuingCa, organisationName, identity } = options;
  const name = identity.name.trim();
  if (!name) throw new AppError('invalid_request', 400, 'A signer needs a name.');
  const email = identity.email?.trim() || undefined;
  if (email && !/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(email)) {
    // rfc822Name and emailAddress are IA5String: an internationalised address cannot go in as is.
    throw new AppError('invalid_request', 400, 'The signer e-mail address must be plain ASCII.');
  }
  const now = (options.now ?? (() => new Date()))();
  const { publicKey, privateKey } = keysMadeAhead.pop() ?? freshKeyPair();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const caNotAfter = options.issuingCaNotAfter ?? new Date(new X509Certificate(issuingCa.certificates[0]).validTo);
  const certificate = await buildParsedCertificate(
    {
      subject: subjectName(organisationName, name, identity.title?.trim() || undefined, email),
      subjectPublicKey: publicKey,
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter: caNotAfter < notAfter ? caNotAfter : notAfter,
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
      emails: email ? [email] : undefined,
      ...options.pointers,
    },
    { key: issuingCa, certificate: issuingCa.certificates[0] },
  );
  // Not createSigningKey: its check that key and certificate belong together holds by construction here (the
  // certificate was built a moment ago around this key's public half), and costs more than the signature.
  return { ...createKeySigner(privateKey), certificates: Object.freeze([certificate.raw, ...issuingCa.certificates]), certificate };
}

/** A P-256 key pair, its public half exported (SubjectPublicKeyInfo) as the certificate will need it. */
function freshKeyPair(): KeyPairKeyObjectResult {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  subjectPublicKeyInfo(pair.publicKey);
  return pair;
}

/** Key pairs made ahead, each taken by one issue only; at most MAX_KEYS_AHEAD wait. */
const keysMadeAhead: KeyPairKeyObjectResult[] = [];
const MAX_KEYS_AHEAD = 2;

/**
 * Makes the key pair of the next one-shot certificate issued in this process ahead of it. The sign request calls this
 * while its first read is with the database, so the pair's generation and export (~0.2 ms, twice that inside a
 * request) are off its path (issue 11). A pair made ahead is as fresh as one made at issue: never written anywhere,
 * taken by a single certificate and dropped with its signature; at most two wait for one, whatever calls this.
 */
export function prepareOneShotKey(): void {
  if (keysMadeAhead.length < MAX_KEYS_AHEAD) keysMadeAhead.push(freshKeyPair());
}

/** How many key pairs made ahead wait (tests). */
export function oneShotKeysAhead(): number {
  return keysMadeAhead.length;
}

function subjectName(organisation: string, name: string, title?: string, email?: string): DistinguishedName {
  return [
    { type: 'countryName', value: 'BE' },
    { type: 'organizationName', value: organisation },
    ...(title ? [{ type: 'title' as const, value: title }] : []),
    { type: 'commonName', value: name },
    // Also in subjectAltName; the attribute is what older PDF readers show as the signer's e-mail.
    ...(email ? [{ type: 'emailAddress' as const, value: email }] : []),
  ];
}
