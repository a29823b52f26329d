/** UTCTime and GeneralizedTime values (X.690 §11.7, §11.8; RFC 5280 §4.1.2.5) as read from CRLs, OCSP and TSTInfo. */
import { octets, type BerNode } from '../asn1/ber.ts';

/** YYMMDDhhmm[ss]Z (UTCTime, years 50–99 are 19xx) or YYYYMMDDhhmmss[.fff]Z; null for anything else. */
export function readAsn1Time(node: BerNode): Date | null {
  const text = octets(node).toString('latin1');
  if (node.tag === 0x17) {
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
    if (!m) return null;
    const year = +m[1] < 50 ? 2000 + +m[1] : 1900 + +m[1];
    return new Date(Date.UTC(year, +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)));
  }
  if (node.tag === 0x18) return parseGeneralizedTime(text);
  return null;
}

/** YYYYMMDDhhmmss[.fff]Z (RFC 3161 §2.4.2 and RFC 5280 require UTC). */
export function parseGeneralizedTime(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(text);
  if (!m) return null;
  const ms = m[7] ? Math.round(Number('0.' + m[7].slice(0, 3).padEnd(3, '0')) * 1000) : 0;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms));
}
