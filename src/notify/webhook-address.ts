/**
 * Where a webhook may be delivered (DESIGN §7, Webhooks): only to public addresses. A webhook
 * URL is chosen by an API client, so without this check the worker would POST into our own
 * network (a database on 127.0.0.1:5432, the cloud metadata service on 169.254.169.254, an
 * admin page on 10.0.0.1) on the client's behalf.
 *
 * The check is made at delivery time, after DNS resolution: a host is refused when ANY of its
 * addresses is internal, and the request then connects to the checked address only (the
 * connection's `lookup` is pinned to it), so a second DNS answer cannot switch it to another
 * one (DNS rebinding). At registration a literal internal address is refused at once.
 *
 * `WEBHOOK_ALLOW_PRIVATE` (tests and development only; config refuses it in production) lists
 * internal addresses that may be reached all the same, e.g. `127.0.0.1` for a local receiver.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address of a host name (A and AAAA), as node:dns `lookup({ all: true })` returns them. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

/** The four bytes of a dotted IPv4 address. */
function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The sixteen bytes of an IPv6 address (`::` shorthand and a dotted IPv4 tail included). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = words.flatMap((word) => [word >> 8, word & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function ipv4Class(b: number[]): string | null {
  const [a, second] = b as [number, number];
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && second >= 16 && second <= 31) || (a === 192 && second === 168)) return 'private';
  if (a === 127) return 'loopback';
  if (a === 169 && second === 254) return 'link-local';
  if (a === 100 && second >= 64 && second <= 127) return 'shared (CGNAT)';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  return null;
}

function ipv6Class(b: number[]): string | null {
  const zeroUntil = (n: number) => b.slice(0, n).every((byte) => byte === 0);
  if (zeroUntil(16)) return 'unspecified';
  if (zeroUntil(15) && b[15] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 address decides.
  const mapped = zeroUntil(10) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((byte) => byte === 0);
  if (mapped || nat64 || zeroUntil(12)) return ipv4Class(b.slice(12));
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local';
  if ((b[0]! & 0xfe) === 0xfc) return 'unique-local';
  if (b[0] === 0xff) return 'multicast';
  // Deprecated site-local (fec0::/10), still routed inside some networks.
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'site-local';
  return null;
}

/**
 * Why an IP address is internal (`private`, `loopback`, `link-local`, …), or null for a public
 * one. Not an IP address at all: `invalid`.
 */
export function internalAddressClass(address: string): string | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare.split('%')[0]!);
  if (version === 4) return ipv4Class(ipv4Bytes(bare));
  if (version === 6) return ipv6Class(ipv6Bytes(bare));
  return 'invalid';
}

/** The canonical text of an address, so `::1`, `0:0::1` and `[::1]` compare equal. */
export function canonicalAddress(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(bare) !== 6) return bare;
  const bytes = ipv6Bytes(bare);
  const words = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return words.join(':');
}

export interface WebhookAddressPolicy {
  /** Internal addresses that may be reached all the same (`WEBHOOK_ALLOW_PRIVATE`; never in production). */
  allowPrivate: readonly string[];
}

/** Why `address` may not be reached under `policy`, or null when it may. */
export function refusalOf(address: string, policy: WebhookAddressPolicy): string | null {
  const why = internalAddressClass(address);
  if (why === null) return null;
  const canonical = canonicalAddress(address);
  if (policy.allowPrivate.some((allowed) => canonicalAddress(allowed) === canonical)) return null;
  return why;
}

/** The IP address a URL's host is written as (`[::1]` → `::1`), or null for a host name. */
export function literalAddressOf(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

export type AddressCheck = { ok: true; address: ResolvedAddress } | { ok: false; reason: string; permanent: boolean };

/**
 * Resolves `hostname` and checks every address it has; the address to connect to when all are
 * allowed. The reason names the host and the refused address, never anything the host sent.
 */
export async function checkWebhookHost(hostname: string, policy: WebhookAddressPolicy, resolve: HostResolver): Promise<AddressCheck> {
  const literal = literalAddressOf(hostname);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: literal, family: isIP(literal) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // A name that does not resolve may resolve later (a DNS outage, a record not yet published): retried.
      return { ok: false, reason: `could not resolve ${hostname}${typeof code === 'string' ? ` (${code})` : ''}`, permanent: false };
    }
    if (addresses.length === 0) return { ok: false, reason: `could not resolve ${hostname}`, permanent: false };
  }
  for (const { address } of addresses) {
    const why = refusalOf(address, policy);
    if (why) {
      const via = literal ? '' : ` (${hostname} resolves to it)`;
      return { ok: false, reason: `refused: ${address} is a ${why} address${via}; webhooks are delivered to public addresses only`, permanent: true };
    }
  }
  return { ok: true, address: addresses[0]! };
}
