/**
 * No egress to the whole internet (0.0.0.0/0 or ::/0): agents reach the hosts their manifest
 * declares, and nothing else. The opt-out is explicit and visible: the tag `airlock:egress-opt-out`
 * (on a security group or a `vpc.SecurityGroupEgressRule`) or, on an `ec2.SecurityGroupRule`,
 * which has no tags, a description starting `airlock:egress-opt-out:`; either carries the reason
 * (10+ characters). Even then the rule must name a protocol: all-protocol egress to anywhere is
 * never accepted.
 */
import { TAGS } from "@airlock/core/contracts";
import { isOpenCidr, isRecord, stringList, tagsOf } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { EC2_DEFAULT_SECURITY_GROUP as DEFAULT_SG, EC2_SECURITY_GROUP as SG, EC2_SECURITY_GROUP_RULE as SG_RULE, VPC_SECURITY_GROUP_EGRESS_RULE as EGRESS_RULE } from "../../types.ts";

export const EGRESS_OPT_OUT_TAG = TAGS.egressOptOut;

interface OpenRule {
  readonly where: string;
  readonly rule: Record<string, unknown>;
  readonly cidrs: string[];
  readonly allProtocols: boolean;
}

function openCidrs(rule: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.flatMap((f) => stringList(rule[f])).filter(isOpenCidr);
}

function isAllProtocols(p: unknown): boolean {
  return p === "-1" || p === -1 || p === "all" || p === undefined;
}

const DESCRIPTION_OPT_OUT = /^(?:OPT-OUT\b[^:]*|airlock:egress-opt-out):(.*)$/s;

/** The opt-out reason, or a problem when the opt-out is present but has no real reason. */
function optOut(groupProps: Props, rule: Record<string, unknown>): { reason?: string; problem?: string } {
  const d = typeof rule.description === "string" ? DESCRIPTION_OPT_OUT.exec(rule.description) : null;
  const reason = d !== null ? d[1]!.trim() : tagsOf(groupProps)[EGRESS_OPT_OUT_TAG];
  if (reason === undefined) return {};
  if (reason.trim().length < 10) return { problem: `the \`${EGRESS_OPT_OUT_TAG}\` opt-out gives no reason ("${reason}"); write one a reviewer can judge (10+ characters)` };
  return { reason };
}

/** The rules of a group (or the rule itself) that allow egress to the whole internet, each with its opt-out; undefined when not applicable. */
export function openEgress(type: string, props: Props): (OpenRule & { readonly reason?: string; readonly problem?: string })[] | undefined {
  const open: OpenRule[] = [];
  if (type === SG || type === DEFAULT_SG) {
    if (!Array.isArray(props.egress)) return undefined;
    props.egress.filter(isRecord).forEach((e, i) => {
      const cidrs = openCidrs(e, ["cidrBlocks", "ipv6CidrBlocks"]);
      if (cidrs.length > 0) open.push({ where: `egress[${i}]`, rule: e, cidrs, allProtocols: isAllProtocols(e.protocol) });
    });
  } else if (type === EGRESS_RULE) {
    const cidrs = openCidrs(props, ["cidrIpv4", "cidrIpv6"]);
    if (cidrs.length > 0) open.push({ where: "rule", rule: props, cidrs, allProtocols: isAllProtocols(props.ipProtocol) });
  } else if (type === SG_RULE) {
    if (props.type !== "egress") return undefined;
    const cidrs = openCidrs(props, ["cidrBlocks", "ipv6CidrBlocks"]);
    if (cidrs.length > 0) open.push({ where: "rule", rule: props, cidrs, allProtocols: isAllProtocols(props.protocol) });
  } else {
    return undefined;
  }
  return open.map((o) => ({ ...o, ...optOut(props, o.rule) }));
}

export const SecurityGroupNoOpenEgress: ResourceRule = {
  kind: "resource",
  name: "SecurityGroupNoOpenEgress",
  resourceTypes: [SG, DEFAULT_SG, EGRESS_RULE, SG_RULE],
  check(type: string, props: Props) {
    const open = openEgress(type, props);
    if (open === undefined) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const o of open) {
      const { reason, problem } = o;
      if (problem !== undefined) {
        problems.push(`${o.where}: ${problem}`);
        continue;
      }
      if (reason !== undefined && !o.allProtocols) continue;
      problems.push(
        reason !== undefined
          ? `${o.where} allows every protocol to ${o.cidrs.join(", ")}; even with the egress opt-out, name the protocol and port (e.g. tcp 443)`
          : `${o.where} allows egress to ${o.cidrs.join(", ")}; allow only the hosts' published ranges, or opt out visibly (manifest \`egress.anyIpOn443.reason\`, or the tag \`${EGRESS_OPT_OUT_TAG}\` set to the reason)`,
      );
    }
    return verdict(problems);
  },
};
