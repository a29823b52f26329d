/**
 * TSTInfo of an RFC 3161 timestamp token (RFC 3161 §2.4.2): the message imprint it vouches for
 * and the time it was issued. Used for document timestamps (ETSI.RFC3161, PAdES B-LTA).
 */
import { child, octets, readBer } from '../asn1/ber.ts';
import { parseGeneralizedTime } from './asn1-time.ts';
import { digestName, type DigestName } from './cms-algorithms.ts';

export interface TstInfo {
  hashAlgorithm: DigestName | null;
  hashedMessage: Buffer;
  genTime: Date | null;
}

/** TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, … } */
export function readTstInfo(der: Buffer): TstInfo {
  const info = readBer(der);
  const imprint = child(info, 2, 0x30);
  const genTime = child(info, 4, 0x18);
  return {
    hashAlgorithm: digestName(child(imprint, 0, 0x30)),
    hashedMessage: octets(child(imprint, 1, 0x04)),
    genTime: parseGeneralizedTime(octets(genTime).toString('latin1')),
  };
}
