/**
 * The agent's egress: every host it may reach on 443 (the model provider's, the tools' `hosts`,
 * `api.github.com` for GitHub tools, `egress.hosts`), the address ranges the security group opens
 * for them, the AWS services it reaches through VPC endpoints, and the warnings that go with them
 * (AIR-W002 any IP on 443, AIR-W004 unused ranges, AIR-W005 no known endpoint).
 */
import type { ProblemList } from "../errors.ts";
import { domainToUnicode } from "node:url";
import { getDomain, getPublicSuffix } from "tldts";
import { coverage, shareOfSpace } from "../network/address-set.ts";
import { endpointsFor } from "../network/endpoints.ts";
import { PUBLISHED_RANGES, parseCidr } from "../network/net.ts";
import type { Manifest } from "../manifest/schema.ts";
import { uniqSorted } from "./lists.ts";
import type { EgressModel, Finding } from "./model.ts";

/** The host a tool with `github` grants calls. */
export const GITHUB_API_HOST = "api.github.com";
const ANTHROPIC_API_HOST = "api.anthropic.com";

/** The egress model of manifest `m`, whose tools reach `awsServices`; unknown ranges are problems. */
export function compileEgress(m: Manifest, awsServices: string[], problems: ProblemList, findings: Finding[]): EgressModel {
  const sources = new Map<string, string>();
  if (m.agent.model.provider === "anthropic") sources.set(ANTHROPIC_API_HOST, "agent.model.provider");
  m.tools.forEach((t, i) => {
    t.hosts.forEach((h, j) => sources.has(h) || sources.set(h, `tools[${i}].hosts[${j}]`));
    if (t.github.length > 0 && !sources.has(GITHUB_API_HOST)) sources.set(GITHUB_API_HOST, `tools[${i}].github`);
  });
  m.egress.hosts.forEach((h, j) => sources.has(h) || sources.set(h, `egress.hosts[${j}]`));
  // Every place a host is declared is checked, with that tool's reason (egress.hosts have none).
  const declared: [host: string, path: string, reason: string | undefined][] = [
    ...m.tools.flatMap((t, i) => t.hosts.map((h, j) => [h, `tools[${i}].hosts[${j}]`, t.allowWildcard?.reason] as [string, string, string | undefined])),
    ...m.egress.hosts.map((h, j) => [h, `egress.hosts[${j}]`, undefined] as [string, string, string | undefined]),
  ];
  for (const [host, path, reason] of declared) {
    const problem = hostProblem(host, reason);
    if (problem !== undefined) problems.add(path, problem);
    else if (wildcardSpan(host) === "registrable-domain") {
      findings.push({ rule: "AIR-W009", severity: "warning", subject: path, message: `"${host}" lets the tool reach every name under ${host.slice(2)}: ${reason}` });
    }
  }
  checkRangeCoverage(m, problems);

  const rangesByHost: Record<string, string[]> = {};
  for (const [host, path] of [...sources.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ranges = m.egress.ranges[host] ?? PUBLISHED_RANGES[host];
    if (ranges !== undefined) {
      rangesByHost[host] = uniqSorted(ranges);
    } else if (m.egress.anyIpOn443 === undefined) {
      problems.add(
        path,
        `host "${host}" has no address range Airlock knows, so the security group cannot allow it; list its published CIDRs under \`egress.ranges["${host}"]\`, or set \`egress.anyIpOn443.reason\` to rely on the DNS firewall alone`,
      );
    }
  }
  for (const host of Object.keys(m.egress.ranges)) {
    if (!sources.has(host)) {
      findings.push({ rule: "AIR-W004", severity: "warning", subject: `egress.ranges["${host}"]`, message: `ranges for "${host}", which no tool calls; they are not opened` });
    }
  }
  if (m.egress.anyIpOn443 !== undefined) {
    findings.push({
      rule: "AIR-W002",
      severity: "warning",
      subject: "egress.anyIpOn443",
      message: `egress on 443 to any address, limited only by the DNS firewall: ${m.egress.anyIpOn443.reason}`,
    });
  }
  for (const s of awsServices) {
    if (endpointsFor(s) === undefined) {
      findings.push({
        rule: "AIR-W005",
        severity: "warning",
        subject: `aws:${s}`,
        message: `Airlock knows no VPC endpoint for \`${s}\`; calls to it cannot leave the private subnets`,
      });
    }
  }
  const all = Object.entries(rangesByHost).flatMap(([, c]) => c);
  const cidrsV4 = uniqSorted(all.filter((c) => parseCidr(c)?.family === 4));
  const cidrsV6 = uniqSorted(all.filter((c) => parseCidr(c)?.family === 6));
  return {
    hosts: [...sources.keys()].sort(),
    cidrsV4,
    cidrsV6,
    rangesByHost: Object.fromEntries(Object.entries(rangesByHost).filter(([h]) => sources.has(h))),
    ...(m.egress.anyIpOn443 ? { anyIpOn443: { reason: m.egress.anyIpOn443.reason } } : {}),
    awsServices: uniqSorted(awsServices),
  };
}

/**
 * The most address space a manifest's ranges may cover, per family, before they count as "any
 * address" (which is `egress.anyIpOn443`, with a reason): a /8 of IPv4, a /16 of IPv6. A vendor's
 * published ranges are far smaller (GitHub's API: /20s and a /29).
 */
export const MAX_EGRESS_COVERAGE = { 4: { prefix: 8, addresses: 1n << 24n }, 6: { prefix: 16, addresses: 1n << 112n } } as const;

/** Ranges too broad on their own, or together as an address set (`0.0.0.0/1` + `128.0.0.0/1`, or 256 /8s over two hosts). */
function checkRangeCoverage(m: Manifest, problems: ProblemList): void {
  const all: string[] = [];
  let single = false;
  for (const [host, cidrs] of Object.entries(m.egress.ranges)) {
    cidrs.forEach((c, j) => {
      const family = parseCidr(c)?.family;
      if (family === undefined || parseCidr(c)!.prefix === 0) return; // refused already by the manifest check
      all.push(c);
      const size = coverage([c], family);
      const max = MAX_EGRESS_COVERAGE[family];
      if (size > max.addresses) {
        single = true;
        problems.add(
          `egress.ranges[${JSON.stringify(host)}][${j}]`,
          `"${c}" covers ${shareOfSpace(size, family)} of the IPv${family} address space, more than a /${max.prefix} (Airlock's limit for one host's published ranges); list the host's published ranges, or use \`egress.anyIpOn443\` with a reason if you mean any address`,
        );
      }
    });
  }
  if (single) return;
  for (const family of [4, 6] as const) {
    const total = coverage(all, family);
    const max = MAX_EGRESS_COVERAGE[family];
    if (total > max.addresses) {
      problems.add(
        "egress.ranges",
        `the IPv${family} ranges together cover ${shareOfSpace(total, family)} of the IPv${family} address space (as an address set: split ranges add up), more than a /${max.prefix}'s worth; list the hosts' published ranges, or use \`egress.anyIpOn443\` with a reason if you mean any address`,
      );
    }
  }
}

/**
 * Why a host may not be allowed.
 * - A punycode label (`xn--`) is an internationalised name that can pass for another (Airlock
 *   allows ASCII hosts only).
 * - A wildcard over a public suffix (`*.co.uk`, `*.github.io`, `*.s3.amazonaws.com`: names anyone
 *   can register or create under) is never allowed.
 * - A wildcard over a whole registrable domain (`*.acme.com`, `*.acme.co.uk`) is allowed only with
 *   the tool's `allowWildcard.reason` (`wildcardReason`), and then warned about (AIR-W009).
 * Public suffixes and registrable domains are read from the Public Suffix List (ICANN and private
 * sections) through `tldts`; a name under a suffix the list does not know counts its last label
 * as the suffix (the list's `*` rule).
 */
export function hostProblem(host: string, wildcardReason?: string): string | undefined {
  if (host.split(".").some((label) => label.startsWith("xn--"))) {
    const shown = domainToUnicode(host.replace(/^\*\./, ""));
    const reads = host.startsWith("*.") ? `*.${shown}` : shown;
    const scripts = scriptsOf(shown);
    const mixed = scripts.length > 1 ? `, mixing ${scripts.join(" and ")} letters: a lookalike of an ASCII name` : "; Airlock allows only ASCII hosts, which cannot pass for another name";
    return `"${host}" is an internationalised (punycode) name that reads "${reads || "(not valid punycode)"}"${mixed}; write the ASCII host the vendor documents`;
  }
  const span = wildcardSpan(host);
  if (span === "public-suffix") {
    const base = host.slice(2);
    return `"${host}" is a wildcard over the public suffix ${base} (every name anyone registers or creates under it, per the Public Suffix List); list the hosts the tool calls, e.g. \`api.example.${base}\``;
  }
  if (span === "registrable-domain" && wildcardReason === undefined) {
    const base = host.slice(2);
    return `"${host}" is a wildcard over the whole domain ${base} (every name under it); list the hosts the tool calls, e.g. \`api.${base}\`, use a wildcard under a subdomain kept for them (\`*.api.${base}\`), or set the tool's \`allowWildcard.reason\` if the tool truly calls names across the domain`;
  }
  return undefined;
}

/** What a wildcard host (`*.name`) spans: a public suffix, a whole registrable domain, or less. */
export function wildcardSpan(host: string): "public-suffix" | "registrable-domain" | "subdomain" | undefined {
  if (!host.startsWith("*.")) return undefined;
  const base = host.slice(2).toLowerCase().replace(/\.$/, "");
  const options = { allowPrivateDomains: true, extractHostname: false } as const;
  const domain = getDomain(base, options);
  if (domain === null || getPublicSuffix(base, options) === base) return "public-suffix";
  return domain === base ? "registrable-domain" : "subdomain";
}

const SCRIPTS: readonly [string, RegExp][] = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Armenian", /\p{Script=Armenian}/u],
  ["Han", /\p{Script=Han}/u],
  ["Hiragana", /\p{Script=Hiragana}/u],
  ["Katakana", /\p{Script=Katakana}/u],
  ["Arabic", /\p{Script=Arabic}/u],
  ["Hebrew", /\p{Script=Hebrew}/u],
];

/** The scripts of the letters in each label of `name`, in order of first use; a label mixing scripts counts. */
function scriptsOf(name: string): string[] {
  const mixedInLabel = new Set<string>();
  for (const label of name.split(".")) {
    const found = SCRIPTS.filter(([, re]) => [...label].some((ch) => re.test(ch))).map(([n]) => n);
    // Han with kana is how Japanese is written: one script for this purpose.
    const japanese = found.every((s) => s === "Han" || s === "Hiragana" || s === "Katakana");
    if (found.length > 1 && !japanese) found.forEach((s) => mixedInLabel.add(s));
  }
  return [...mixedInLabel];
}
