/**
 * The agent's egress: every host it may reach on 443 (the model provider's, the tools' `hosts`,
 * `api.github.com` for GitHub tools, `egress.hosts`), the address ranges the security group opens
 * for them, the AWS services it reaches through VPC endpoints, and the warnings that go with them
 * (AIR-W002 any IP on 443, AIR-W004 unused ranges, AIR-W005 no known endpoint).
 */
import type { ProblemList } from "../errors.ts";
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
