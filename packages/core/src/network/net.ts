/** CIDR parsing and the few address facts the egress model needs. Pure. */

/** A parsed CIDR block. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Parses an IPv4 or IPv6 CIDR (`10.0.0.0/16`).
 *
 * @returns the block, or undefined when `text` is not a CIDR
 */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, extra] = text.split("/");
  if (address === undefined || prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (V4.test(address)) return prefix <= 32 ? { family: 4, address, prefix } : undefined;
  if (isIpv6(address)) return prefix <= 128 ? { family: 6, address: address.toLowerCase(), prefix } : undefined;
  return undefined;
}

function isIpv6(a: string): boolean {
  if (!/^[0-9a-fA-F:]+$/.test(a)) return false;
  const doubles = a.split("::").length - 1;
  if (doubles > 1) return false;
  const groups = a.split(":").filter((g) => g !== "");
  if (groups.some((g) => g.length > 4)) return false;
  return doubles === 1 ? groups.length < 8 : groups.length === 8;
}

function ipv4ToInt(a: string): number {
  return a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** The Amazon-provided DNS server of a VPC: the network address plus two. */
export function vpcResolverAddress(vpcCidr: string): string {
  const c = parseCidr(vpcCidr);
  if (c === undefined || c.family !== 4) throw new Error(`\`vpcCidr\`: "${vpcCidr}" is not an IPv4 CIDR block such as 10.40.0.0/16`);
  const base = ipv4ToInt(c.address) - (ipv4ToInt(c.address) % 2 ** (32 - c.prefix));
  return intToIpv4(base + 2);
}

/** Splits an IPv4 block into `count` equal subnets of `newPrefix` bits, in order. */
export function subdivide(vpcCidr: string, newPrefix: number, count: number): string[] {
  const c = parseCidr(vpcCidr);
  if (c === undefined || c.family !== 4) throw new Error(`\`vpcCidr\`: "${vpcCidr}" is not an IPv4 CIDR block such as 10.40.0.0/16`);
  if (newPrefix < c.prefix || newPrefix > 28) throw new Error(`\`vpcCidr\`: ${vpcCidr} is too small to hold ${count} /${newPrefix} subnets; use a /16 to /22`);
  const size = 2 ** (32 - newPrefix);
  if (count * size > 2 ** (32 - c.prefix)) throw new Error(`\`vpcCidr\`: ${vpcCidr} is too small to hold ${count} /${newPrefix} subnets; use a larger block`);
  const base = ipv4ToInt(c.address) - (ipv4ToInt(c.address) % 2 ** (32 - c.prefix));
  return Array.from({ length: count }, (_, i) => `${intToIpv4(base + i * size)}/${newPrefix}`);
}

/**
 * Address ranges that vendors publish for their API hosts. Only ranges a vendor documents as
 * stable belong here; anything else goes in the manifest's `egress.ranges`.
 */
export const PUBLISHED_RANGES: Readonly<Record<string, readonly string[]>> = {
  // Anthropic API ingress ranges, from Anthropic's "IP addresses" documentation.
  "api.anthropic.com": ["160.79.104.0/23", "2607:6bc0::/48"],
};

/** The IPv4 block of a CIDR as [first, last] addresses (integers); undefined for IPv6 or bad input. */
function v4Block(cidr: string): [number, number] | undefined {
  const c = parseCidr(cidr);
  if (c === undefined || c.family !== 4) return undefined;
  const size = 2 ** (32 - c.prefix);
  const first = ipv4ToInt(c.address) - (ipv4ToInt(c.address) % size);
  return [first, first + size - 1];
}

/** Whether IPv4 block `inner` lies wholly inside IPv4 block `outer`. */
export function rangeContains(outer: string, inner: string): boolean {
  const o = v4Block(outer);
  const i = v4Block(inner);
  return o !== undefined && i !== undefined && o[0] <= i[0] && i[1] <= o[1];
}

/**
 * IPv4 address space that is not routed on the internet, so a security-group rule to it only works
 * over a route inside AWS (the VPC, a transit gateway, peering): RFC 1918 private ranges and the
 * RFC 6598 shared space (100.64.0.0/10) that AWS also allows for VPCs.
 */
export const PRIVATE_IPV4_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

/** Whether an IPv4 CIDR overlaps private address space (see PRIVATE_IPV4_RANGES). */
export function isPrivateRange(cidr: string): boolean {
  const b = v4Block(cidr);
  if (b === undefined) return false;
  return PRIVATE_IPV4_RANGES.some((p) => {
    const r = v4Block(p)!;
    return b[0] <= r[1] && r[0] <= b[1];
  });
}

/** The private IPv4 egress ranges of some agents (sorted, unique): what needs a route outside the VPC. */
export function privateEgressRanges(agents: readonly { readonly egress: { readonly rangesByHost: Readonly<Record<string, readonly string[]>> } }[]): string[] {
  const out = new Set<string>();
  for (const a of agents) for (const ranges of Object.values(a.egress.rangesByHost)) for (const r of ranges) if (!r.includes(":") && isPrivateRange(r)) out.add(r);
  return [...out].sort();
}
