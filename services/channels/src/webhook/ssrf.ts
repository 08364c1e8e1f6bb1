import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The receiver's address is one deskgraph refuses to call (request-forgery protection). */
export class ForbiddenAddressError extends Error {
  readonly code = 'FORBIDDEN_ADDRESS';
  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super(`refused to call ${address}: ${range} addresses are not allowed (see WEBHOOK_ALLOWED_NETWORKS)`);
    this.name = 'ForbiddenAddressError';
  }
}

export type AllowedNetworks = [ipaddr.IPv4 | ipaddr.IPv6, number][];

/** Parses CIDRs such as 10.1.0.0/16 or fd00::/8; throws on a bad one. */
export function parseAllowedNetworks(cidrs: string[]): AllowedNetworks {
  return cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
}

/**
 * Only public unicast addresses pass, plus any in an allowed network:
 * private, loopback, link-local (cloud metadata at 169.254.169.254),
 * unique-local, carrier-grade NAT, multicast, reserved and unspecified are
 * refused. IPv4-mapped IPv6 addresses are judged as the IPv4 they carry.
 */
export function checkAddress(address: string, allowed: AllowedNetworks): void {
  const parsed = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  const range = parsed.range();
  if (range === 'unicast') return;
  for (const [network, bits] of allowed) {
    if (network.kind() === parsed.kind() && parsed.match(network, bits)) return;
  }
  throw new ForbiddenAddressError(address, range);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that checks every address a name resolves to.
 * The connection uses the address checked here, so a DNS answer that
 * changes between a check and the connect (rebinding) cannot slip through.
 */
export function guardedLookup(allowed: AllowedNetworks, resolve: typeof dnsLookup = dnsLookup) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      try {
        if (list.length === 0) throw new Error(`${hostname} has no address`);
        for (const entry of list) checkAddress(entry.address, allowed);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, []);
      }
      if (options.all) callback(null, list);
      else callback(null, list[0].address, list[0].family);
    });
  };
}

/** Node connects to IP literals without a lookup, so those are checked up front. */
export function checkLiteralHost(hostname: string, allowed: AllowedNetworks): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare)) checkAddress(bare, allowed);
}
