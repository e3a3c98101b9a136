/**
 * CIDR blocks as sets of addresses: how much of the address space a list of ranges covers together,
 * whether two ranges overlap, and what one list holds that another does not. Ranges are compared
 * as the addresses they hold, not as strings: `0.0.0.0/1` plus `128.0.0.0/1` is all of IPv4, and a
 * /25 inside a /24 is a narrowing.
 */
import { parseCidr } from "./net.ts";

/** An inclusive interval of addresses of one family, as integers. */
export interface AddressInterval {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

function v6ToBigInt(address: string): bigint {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const h = head === "" ? [] : head!.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The addresses of a CIDR block (host bits ignored, as AWS masks them), or undefined for bad input. */
export function cidrInterval(cidr: string): AddressInterval | undefined {
  const c = parseCidr(cidr);
  if (c === undefined) return undefined;
  const bits = BITS[c.family];
  const value = c.family === 4 ? BigInt(c.address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0)) : v6ToBigInt(c.address);
  const size = 1n << BigInt(bits - c.prefix);
  const first = value - (value % size);
  return { family: c.family, first, last: first + size - 1n };
}

/** The union of `cidrs` per family, as sorted, disjoint, non-adjacent intervals (bad entries skipped). */
export function unionOf(cidrs: Iterable<string>): AddressInterval[] {
  const all = [...cidrs].map(cidrInterval).filter((x): x is AddressInterval => x !== undefined);
  const out: AddressInterval[] = [];
  for (const family of [4, 6] as const) {
    const sorted = all.filter((i) => i.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let cur: { first: bigint; last: bigint } | undefined;
    for (const i of sorted) {
      if (cur !== undefined && i.first <= cur.last + 1n) {
        if (i.last > cur.last) cur.last = i.last;
      } else {
        if (cur !== undefined) out.push({ family, ...cur });
        cur = { first: i.first, last: i.last };
      }
    }
    if (cur !== undefined) out.push({ family, ...cur });
  }
  return out;
}

/** How many addresses of `family` the ranges cover together. */
export function coverage(cidrs: Iterable<string>, family: 4 | 6): bigint {
  return unionOf(cidrs)
    .filter((i) => i.family === family)
    .reduce((n, i) => n + (i.last - i.first + 1n), 0n);
}

/** The share of `family`'s whole address space `count` addresses are: `all`, `1/8`, or a percentage such as `0.0015%`. */
export function shareOfSpace(count: bigint, family: 4 | 6): string {
  const total = 1n << BigInt(BITS[family]);
  if (count === total) return "all";
  for (let k = 1n; k <= 64n; k++) if (count * (1n << k) === total) return `1/${(1n << k).toString()}`;
  const ppm = Number((count * 100_000_000n) / total) / 1_000_000;
  return `${ppm}%`;
}

/** Whether two CIDR blocks share any address (false across families or for bad input). */
export function rangesOverlap(a: string, b: string): boolean {
  const x = cidrInterval(a);
  const y = cidrInterval(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.first <= y.last && y.first <= x.last;
}

/** Whether every address of `inner` is in one of `outer` (as sets: `10.0.0.0/25` is in `[10.0.0.0/24]`). */
export function coveredBy(inner: string, outer: Iterable<string>): boolean {
  const i = cidrInterval(inner);
  if (i === undefined) return false;
  return unionOf(outer).some((o) => o.family === i.family && o.first <= i.first && i.last <= o.last);
}
