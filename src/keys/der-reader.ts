/**
 * Just enough DER reading (ITU-T X.690 §8.1) to take fields out of certificates we did not
 * build ourselves: the raw subject Name (RFC 5280 §7.1 compares names byte for byte in practice),
 * the subject key identifier and the subjectPublicKey bits. Definite lengths only, as DER requires.
 */

export interface DerElement {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

export function readElement(der: Buffer, offset = 0): DerElement {
  if (offset + 2 > der.length) throw new Error('DER: truncated element');
  const tag = der[offset];
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not supported');
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: indefinite or oversized length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('DER: element runs past the end');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element. */
export function children(der: Buffer, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export const whole = (der: Buffer, element: DerElement): Buffer => der.subarray(element.start, element.end);
export const content = (der: Buffer, element: DerElement): Buffer => der.subarray(element.contentStart, element.end);

interface TbsFields {
  subject: Buffer;
  subjectPublicKeyInfo: Buffer;
  extensions: Map<string, Buffer>;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1). */
export function readTbsFields(certificate: Buffer): TbsFields {
  const [tbs] = children(certificate, readElement(certificate));
  const fields = children(certificate, tbs);
  // [0] version is present in every v3 certificate; skip it when it is there.
  const base = fields[0].tag === 0xa0 ? 1 : 0;
  const subject = whole(certificate, fields[base + 4]);
  const subjectPublicKeyInfo = whole(certificate, fields[base + 5]);
  const extensions = new Map<string, Buffer>();
  const extsField = fields.find((f) => f.tag === 0xa3);
  if (extsField) {
    const [list] = children(certificate, extsField);
    for (const ext of children(certificate, list)) {
      const parts = children(certificate, ext);
      const id = decodeOid(content(certificate, parts[0]));
      extensions.set(id, content(certificate, parts[parts.length - 1]));
    }
  }
  return { subject, subjectPublicKeyInfo, extensions };
}

export function decodeOid(bytes: Buffer): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of bytes) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** The subjectPublicKey BIT STRING contents without the unused-bits byte (RFC 5280 §4.2.1.2). */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  const [, bits] = children(spki, readElement(spki));
  return content(spki, bits).subarray(1);
}
