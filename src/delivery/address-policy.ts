import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AfterwordError } from '../errors.js';

/**
 * Where webhooks may go (SSRF protection). Addresses on private, loopback, link-local, CGNAT,
 * multicast or reserved networks are refused unless `webhooks.allowPrivateNetworks` lists them.
 * The check runs when an endpoint is created or changed AND at every delivery: the host is
 * resolved, every address checked, and the connection made to the address that was checked (a
 * DNS answer that changes between the check and the connect cannot redirect it: DNS rebinding).
 */
const privateRanges: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

/** Resolve a host name to every address it has (`dns.lookup` with `all: true` by default; tests inject one). */
export type HostLookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: HostLookup = (host) => lookup(host, { all: true, verbatim: true });

export interface ResolvedTarget {
  url: URL;
  /** The address to connect to: checked, and the only one used. */
  address: string;
  family: 4 | 6;
}

/** `::ffff:127.0.0.1` is 127.0.0.1: an IPv4-mapped address is judged as the IPv4 address it carries. */
function unmapped(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1] as string, type: 'ipv4' };
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export class AddressPolicy {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  /** `allow`: addresses or CIDR ranges (validated by the config schema). */
  constructor(
    allow: readonly string[],
    private readonly lookupHost: HostLookup = systemLookup,
  ) {
    for (const [network, prefix, type] of privateRanges) this.blocked.addSubnet(network, prefix, type);
    for (const entry of allow) {
      const [address = '', prefix] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.allowed.addAddress(address, type);
      else this.allowed.addSubnet(address, Number(prefix), type);
    }
  }

  /** Whether a delivery may connect to `address`. */
  permits(rawAddress: string): boolean {
    const { address, type } = unmapped(rawAddress);
    if (this.allowed.check(address, type)) return true;
    return !this.blocked.check(address, type);
  }

  /** Parse and check an endpoint URL's form (no DNS): http(s), a host, no credentials. */
  parse(raw: string, field = 'url'): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refused(field, 'must be an absolute http or https URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(field, 'must use http or https');
    if (url.username || url.password) throw refused(field, 'must not carry credentials');
    if (!url.hostname) throw refused(field, 'must name a host');
    return url;
  }

  /**
   * Resolve the URL's host and check every address it has; the first one is the one to connect
   * to. Throws `webhook_address_refused` (naming `field`) when any address is not permitted or
   * the host does not resolve.
   */
  async resolve(raw: string, field = 'url'): Promise<ResolvedTarget> {
    const url = this.parse(raw, field);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.lookupHost(host);
      } catch (error) {
        throw refused(field, `host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    const denied = addresses.filter((a) => !this.permits(a.address));
    if (addresses.length === 0 || denied.length > 0) {
      throw refused(
        field,
        `resolves to ${denied.map((a) => a.address).join(', ') || 'nothing'}: private, loopback and link-local addresses are refused unless webhooks.allowPrivateNetworks lists them`,
      );
    }
    const first = addresses[0] as { address: string; family: number };
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}

function refused(field: string, reason: string): AfterwordError {
  return new AfterwordError('webhook_address_refused', `${field}: ${reason}`, { issues: [{ field, reason }], retryable: false });
}
