/**
 * Putting keys and certificates in a PKCS#11 token: key pairs generated inside it (private key
 * CKA_SENSITIVE, not CKA_EXTRACTABLE: it never leaves the token, PKCS#11 v2.40 §4.9), certificates
 * stored beside them with the same CKA_LABEL and CKA_ID (§4.6.3), and the public key read back.
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { oid } from '../asn1/der.ts';
import { octets, oidString, readBer } from '../asn1/ber.ts';
import { certificateFields, subjectPublicKeyBits } from '../asn1/certificate-fields.ts';
import { CURVES, type CurveName } from './pkcs11-mechanism.ts';
import { hsmError, type Pkcs11Token } from './pkcs11.ts';
import type { KeySigner, SigningKeyOptions } from './signing-key.ts';

export type TokenKeySpec = { type: 'rsa'; bits: 2048 | 3072 | 4096 } | { type: 'ec'; curve: CurveName };

export interface GeneratedTokenKey {
  /** CKA_ID of both halves: the SHA-1 of the public key, as pkcs11-tool and most CAs' tooling do (RFC 5280 §4.2.1.2 (1)). */
  id: Buffer;
  publicKey: KeyObject;
  signer: KeySigner;
}

/** Generates a key pair in the token under `label`; refuses when a private key with that label exists. */
export async function generateTokenKeyPair(
  token: Pkcs11Token,
  label: string,
  spec: TokenKeySpec,
  options: SigningKeyOptions = {},
): Promise<GeneratedTokenKey> {
  if (await token.privateKeyHandle(label)) throw hsmError(`Token "${token.label}" already holds a key labelled "${label}".`);
  const { p11 } = token;
  const common = [
    { type: p11.CKA_TOKEN, value: true },
    { type: p11.CKA_LABEL, value: label },
  ];
  const mechanism =
    spec.type === 'rsa' ? { mechanism: p11.CKM_RSA_PKCS_KEY_PAIR_GEN } : { mechanism: p11.CKM_EC_KEY_PAIR_GEN };
  const publicTemplate = [
    ...common,
    { type: p11.CKA_VERIFY, value: true },
    { type: p11.CKA_ENCRYPT, value: false },
    { type: p11.CKA_WRAP, value: false },
    ...(spec.type === 'rsa'
      ? [
          { type: p11.CKA_MODULUS_BITS, value: spec.bits },
          { type: p11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ]
      : [{ type: p11.CKA_EC_PARAMS, value: oid(CURVES[spec.curve].oid) }]),
  ];
  const privateTemplate = [
    ...common,
    { type: p11.CKA_PRIVATE, value: true },
    { type: p11.CKA_SENSITIVE, value: true },
    { type: p11.CKA_EXTRACTABLE, value: false },
    { type: p11.CKA_SIGN, value: true },
    // A signing key only signs (key separation, NIST SP 800-57 Part 1 §5.2); SoftHSM2 would default these to true.
    { type: p11.CKA_DECRYPT, value: false },
    { type: p11.CKA_UNWRAP, value: false },
  ];
  const keys = await token.withSession(
    (session) => token.lib.C_GenerateKeyPairAsync(session, mechanism, publicTemplate, privateTemplate),
    true,
  );
  const publicKey = await token.withSession((session) => readPublicKey(token, session, keys.publicKey));
  const id = createHash('sha1').update(subjectPublicKeyBits(publicKey.export({ type: 'spki', format: 'der' }))).digest();
  await token.withSession((session) => {
    for (const handle of [keys.publicKey, keys.privateKey]) {
      token.lib.C_SetAttributeValue(session, handle, [{ type: p11.CKA_ID, value: id }]);
    }
  }, true);
  return { id, publicKey, signer: token.keySigner(keys.privateKey, publicKey, options) };
}

/** Stores `der` as a CKO_CERTIFICATE with the label and id of its key (PKCS#11 v2.40 §4.6.3). */
export async function storeTokenCertificate(token: Pkcs11Token, label: string, id: Buffer, der: Buffer): Promise<void> {
  const fields = certificateFields(der);
  const { p11 } = token;
  await token.withSession((session) => {
    token.lib.C_CreateObject(session, [
      { type: p11.CKA_CLASS, value: p11.CKO_CERTIFICATE },
      { type: p11.CKA_CERTIFICATE_TYPE, value: p11.CKC_X_509 },
      { type: p11.CKA_TOKEN, value: true },
      { type: p11.CKA_PRIVATE, value: false },
      { type: p11.CKA_LABEL, value: label },
      { type: p11.CKA_ID, value: id },
      { type: p11.CKA_SUBJECT, value: fields.subject.raw },
      { type: p11.CKA_ISSUER, value: fields.issuer.raw },
      { type: p11.CKA_SERIAL_NUMBER, value: fields.serial.raw },
      { type: p11.CKA_VALUE, value: der },
    ]);
  }, true);
}

/** The public half of a token key pair as a KeyObject, from CKA_MODULUS/CKA_PUBLIC_EXPONENT or CKA_EC_PARAMS/CKA_EC_POINT. */
function readPublicKey(token: Pkcs11Token, session: Buffer, handle: Buffer): KeyObject {
  const { p11 } = token;
  const [keyType] = token.attributes(session, handle, [p11.CKA_KEY_TYPE]);
  const type = keyType.length >= 8 ? Number(keyType.readBigUInt64LE(0)) : keyType.readUInt32LE(0);
  const b64 = (bytes: Buffer) => bytes.toString('base64url');
  if (type === p11.CKK_RSA) {
    const [n, e] = token.attributes(session, handle, [p11.CKA_MODULUS, p11.CKA_PUBLIC_EXPONENT]);
    return createPublicKey({ key: { kty: 'RSA', n: b64(stripZeros(n)), e: b64(stripZeros(e)) }, format: 'jwk' });
  }
  if (type === p11.CKK_EC) {
    const [params, point] = token.attributes(session, handle, [p11.CKA_EC_PARAMS, p11.CKA_EC_POINT]);
    const curveOid = oidString(readBer(params));
    const curve = (Object.keys(CURVES) as CurveName[]).find((name) => CURVES[name].oid === curveOid);
    if (!curve) throw hsmError(`Unsupported elliptic curve ${curveOid} on token "${token.label}".`);
    // CKA_EC_POINT is the DER OCTET STRING of the uncompressed point 04 || X || Y (PKCS#11 v2.40 §2.3.3).
    const raw = point[0] === 0x04 && point.length !== 1 + 2 * CURVES[curve].size ? octets(readBer(point)) : point;
    const size = CURVES[curve].size;
    if (raw[0] !== 0x04 || raw.length !== 1 + 2 * size) throw hsmError(`Token "${token.label}" returned a malformed EC point.`);
    return createPublicKey({
      key: { kty: 'EC', crv: curve, x: b64(raw.subarray(1, 1 + size)), y: b64(raw.subarray(1 + size)) },
      format: 'jwk',
    });
  }
  throw hsmError(`Unsupported key type ${type} on token "${token.label}".`);
}

function stripZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** Labels and kinds of the objects on the token, for `hsm list`. */
export async function listTokenObjects(token: Pkcs11Token): Promise<Array<{ kind: string; label: string; id: string; subject?: string }>> {
  const { p11 } = token;
  const kinds = new Map([
    [p11.CKO_PRIVATE_KEY, 'private key'],
    [p11.CKO_PUBLIC_KEY, 'public key'],
    [p11.CKO_CERTIFICATE, 'certificate'],
  ]);
  return token.withSession((session) =>
    [...kinds].flatMap(([objectClass, kind]) =>
      token.find(session, [{ type: p11.CKA_CLASS, value: objectClass }]).map((handle) => {
        const [label, id] = token.attributes(session, handle, [p11.CKA_LABEL, p11.CKA_ID]);
        const entry = { kind, label: label.toString('utf8'), id: id.toString('hex') };
        if (objectClass !== p11.CKO_CERTIFICATE) return entry;
        const [value] = token.attributes(session, handle, [p11.CKA_VALUE]);
        return { ...entry, subject: new X509Certificate(value).subject.replace(/\n/g, ', ') };
      }),
    ),
  );
}
