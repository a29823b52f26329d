import { generateKeyPairSync } from 'node:crypto';
import { OID } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import { buildCertificate, type DistinguishedName } from './certificate-builder.ts';
import { createSigningKey } from './signing-key.ts';
import type { SignerIdentity, SigningKey } from './types.ts';

/** Validity starts a minute early so a verifier whose clock runs slightly behind still accepts it. */
const CLOCK_SKEW_MS = 60_000;
const VALIDITY_MS = 10 * 60_000;

export interface OneShotOptions {
  /** The issuing CA: its certificates are [issuing CA, root]. */
  issuingCa: SigningKey;
  organisationName: string;
  identity: SignerIdentity;
  now?: () => Date;
}

/**
 * Issues a certificate for a fresh ECDSA P-256 key pair that signs once and is then dropped
 * (DESIGN §5). P-256 generation takes microseconds, where RSA-2048 takes about a hundred
 * milliseconds and would dominate every signature.
 */
export async function issueOneShotCertificate(options: OneShotOptions): Promise<SigningKey> {
  const { issuingCa, organisationName, identity } = options;
  const name = identity.name.trim();
  if (!name) throw new AppError('invalid_request', 400, 'A signer needs a name.');
  const email = identity.email?.trim() || undefined;
  if (email && !/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(email)) {
    // rfc822Name and emailAddress are IA5String: an internationalised address cannot go in as is.
    throw new AppError('invalid_request', 400, 'The signer e-mail address must be plain ASCII.');
  }
  const now = (options.now ?? (() => new Date()))();
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certificate = await buildCertificate(
    {
      subject: subjectName(organisationName, name, identity.title?.trim() || undefined, email),
      subjectPublicKey: publicKey,
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter: new Date(now.getTime() + VALIDITY_MS),
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
      emails: email ? [email] : undefined,
    },
    { key: issuingCa, certificate: issuingCa.certificates[0] },
  );
  return createSigningKey(privateKey, [certificate, ...issuingCa.certificates]);
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
