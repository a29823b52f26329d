/**
 * A small, tolerant BER/DER reader (ITU-T X.690 §8) for the structures we only need to read:
 * CMS SignedData from other tools (which may use indefinite lengths, X.690 §8.1.3.6) and
 * certificate fields. Every node keeps the exact bytes it was read from, so a caller can hash or
 * verify over the encoding as received. Never trusts a length: anything that runs past the
 * buffer, nests too deep or is malformed throws BerError, which callers turn into problems.
 */

export class BerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BerError';
  }
}

export interface BerNode {
  /** The identifier octet (class, constructed bit, tag number, or 0x1f for high tag numbers). */
  readonly tag: number;
  readonly constructed: boolean;
  /** The whole element as received: identifier, length, content (and end-of-contents octets). */
  readonly raw: Buffer;
  /** The content octets; for an indefinite length, the encodings of the children. */
  readonly content: Buffer;
  readonly indefinite: boolean;
  /** Children of a constructed element; empty for a primitive one. */
  readonly children: BerNode[];
}

const MAX_DEPTH = 64;

interface Header {
  tag: number;
  constructed: boolean;
  contentStart: number;
  /** -1 for the indefinite form. */
  length: number;
}

function readHeader(buf: Buffer, offset: number): Header {
  if (offset + 2 > buf.length) throw new BerError('truncated element header');
  const tag = buf[offset];
  let pos = offset + 1;
  if ((tag & 0x1f) === 0x1f) {
    // High tag number form (X.690 §8.1.2.4): base-128 digits, last one without the top bit.
    while (pos < buf.length && buf[pos] & 0x80) pos++;
    pos++;
    if (pos >= buf.length) throw new BerError('truncated tag');
  }
  const first = buf[pos++];
  if (first === 0x80) return { tag, constructed: (tag & 0x20) !== 0, contentStart: pos, length: -1 };
  if (first < 0x80) return { tag, constructed: (tag & 0x20) !== 0, contentStart: pos, length: first };
  const count = first & 0x7f;
  if (count > 4 || pos + count > buf.length) throw new BerError('unsupported or truncated length');
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
  return { tag, constructed: (tag & 0x20) !== 0, contentStart: pos, length };
}

/**
 * A node read: offsets into the buffer, its `raw` and `content` views made when asked for. A CMS is read whole
 * for a few of its nodes (the certificates, a timestamp token), and two views for every node of every
 * certificate in it were most of the reading's time.
 */
class ReadNode implements BerNode {
  constructor(
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly contentStart: number,
    private readonly contentEnd: number,
    /** Just past the element (its end-of-contents octets included). */
    readonly end: number,
    readonly tag: number,
    readonly constructed: boolean,
    readonly indefinite: boolean,
    readonly children: ReadNode[],
  ) {}

  get raw(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  get content(): Buffer {
    return this.buf.subarray(this.contentStart, this.contentEnd);
  }
}

function readNode(buf: Buffer, offset: number, depth: number): ReadNode {
  if (depth > MAX_DEPTH) throw new BerError('nesting too deep');
  const header = readHeader(buf, offset);
  const children: ReadNode[] = [];
  if (header.length >= 0) {
    const end = header.contentStart + header.length;
    if (end > buf.length) throw new BerError('element runs past the end of the data');
    if (header.constructed) {
      for (let pos = header.contentStart; pos < end; ) {
        const child = readNode(buf, pos, depth + 1);
        pos = child.end;
        if (pos > end) throw new BerError('child runs past its parent');
        children.push(child);
      }
    }
    return new ReadNode(buf, offset, header.contentStart, end, end, header.tag, header.constructed, false, children);
  }
  if (!header.constructed) throw new BerError('indefinite length on a primitive element');
  let pos = header.contentStart;
  for (;;) {
    if (pos + 2 > buf.length) throw new BerError('missing end-of-contents');
    if (buf[pos] === 0 && buf[pos + 1] === 0) break;
    const child = readNode(buf, pos, depth + 1);
    pos = child.end;
    children.push(child);
  }
  return new ReadNode(buf, offset, header.contentStart, pos, pos + 2, header.tag, true, true, children);
}

/** Reads one element at `offset`; bytes after it (such as /Contents zero padding) are ignored. */
export function readBer(buf: Buffer, offset = 0): BerNode {
  return readNode(buf, offset, 0);
}

/** The value of an OCTET STRING, joining the segments of a constructed one (X.690 §8.7.3). */
export function octets(node: BerNode): Buffer {
  if (!node.constructed) return node.content;
  return Buffer.concat(node.children.map(octets));
}

/** Dotted form of an OBJECT IDENTIFIER node (X.690 §8.19). */
export function oidString(node: BerNode): string {
  if (node.tag !== 0x06) throw new BerError('expected an OBJECT IDENTIFIER');
  const bytes = node.content;
  if (bytes.length === 0) throw new BerError('empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of bytes) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0];
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** The child at `index`, checked to carry `tag` when one is given. */
export function child(node: BerNode, index: number, tag?: number): BerNode {
  const found = node.children[index];
  if (!found) throw new BerError(`missing element ${index}`);
  if (tag !== undefined && found.tag !== tag) {
    throw new BerError(`element ${index}: expected tag 0x${tag.toString(16)}, found 0x${found.tag.toString(16)}`);
  }
  return found;
}

/** An INTEGER's magnitude without leading zero octets, for comparing serial numbers. */
export function integerBytes(node: BerNode): Buffer {
  let start = 0;
  while (start < node.content.length - 1 && node.content[start] === 0) start++;
  return node.content.subarray(start);
}

/** Text of a directory string (RFC 5280 §4.1.2.4) or IA5String; null for other types. */
export function stringValue(node: BerNode): string | null {
  const bytes = node.content;
  switch (node.tag) {
    case 0x0c: // UTF8String
      return bytes.toString('utf8');
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return bytes.toString('latin1');
    case 0x14: // TeletexString: treated as Latin-1, as most software does
      return bytes.toString('latin1');
    case 0x1e: {
      // BMPString: UTF-16BE
      const swapped = Buffer.from(bytes.subarray(0, bytes.length & ~1));
      return swapped.swap16().toString('utf16le');
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      const points: number[] = [];
      for (let i = 0; i + 4 <= bytes.length; i += 4) points.push(bytes.readUInt32BE(i));
      return String.fromCodePoint(...points.filter((p) => p <= 0x10ffff));
    }
    default:
      return null;
  }
}
