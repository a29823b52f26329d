/**
 * What may stand in the `ip` column of the audit trail: an IP address and nothing else. A value
 * taken from a forwarding header is whatever the client wrote (`=1+1`, a script, a kilobyte of
 * text); it becomes null rather than evidence.
 */
import net from 'node:net';

/** The longest textual IPv6 address (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`). */
const MAX_IP_LENGTH = 45;

/**
 * `value` when it is an IPv4 or IPv6 address (an IPv6 zone such as `%eth0` dropped: it names an
 * interface of this host, not the client), otherwise null.
 */
export function ipAddress(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const address = value.split('%', 1)[0]!;
  return address.length <= MAX_IP_LENGTH && net.isIP(address) !== 0 ? address : null;
}
