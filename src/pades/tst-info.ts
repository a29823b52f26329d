/**
 * TSTInfo of an RFC 3161 timestamp token (RFC 3161 §2.4.2): the message imprint it vouches for
 * and the time it was issued. Used for document timestamps (ETSI.RFC3161, PAdES B-LTA).
 */
import { child, octets, oidString, readBer } from '../asn1/ber.ts';
import { OID } from '../asn1/der.ts';
import { parseGeneralizedTime } from './asn1-time.ts';

export const ID_CT_TSTINFO = '1.2.840.113549.1.9.16.1.4';

export interface TstInfo {
  hashAlgorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512' | null;
  hashedMessage: Buffer;
  genTime: Date | null;
}

const HASHES: Record<string, TstInfo['hashAlgorithm']> = {
  '1.3.14.3.2.26': 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, … } */
export function readTstInfo(der: Buffer): TstInfo {
  const info = readBer(der);
  const imprint = child(info, 2, 0x30);
  const genTime = child(info, 4, 0x18);
  return {
    hashAlgorithm: HASHES[oidString(child(child(imprint, 0, 0x30), 0))] ?? null,
    hashedMessage: octets(child(imprint, 1, 0x04)),
    genTime: parseGeneralizedTime(octets(genTime).toString('latin1')),
  };
}
