/**
 * Security group and security group rule descriptions EC2 accepts: at most 255 characters of
 * a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, and no `&` on a rule that names a prefix list or
 * a security group (its description is sent on each target; `EC2_DESCRIPTION_LIMITS` in
 * `@airlock/core`). Checks a group's `description` and each inline `ingress`/`egress` entry's, and
 * the `description` of the standalone rule resources; free text there (an opt-out reason) fails
 * `pulumi up` otherwise.
 */
import { checkEc2Description, type Ec2DescriptionTarget } from "@airlock/core";
import { isRecord } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { EC2_DEFAULT_SECURITY_GROUP as DEFAULT_SG, EC2_SECURITY_GROUP as SG, EC2_SECURITY_GROUP_RULE as SG_RULE, VPC_SECURITY_GROUP_EGRESS_RULE as EGRESS_RULE, VPC_SECURITY_GROUP_INGRESS_RULE as INGRESS_RULE } from "../../types.ts";

/** Whether a rule names this target (a value, a non-empty list, or an unknown output standing for one). */
function names(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== "" && !(Array.isArray(v) && v.length === 0);
}

/** The EC2 targets a rule's description is sent on, from the input naming each (inline block or `ec2.SecurityGroupRule`). */
function ec2RuleTargets(rule: Record<string, unknown>, groupSource: string): Ec2DescriptionTarget[] {
  const out: Ec2DescriptionTarget[] = [];
  if (names(rule.cidrBlocks)) out.push("ipRange");
  if (names(rule.ipv6CidrBlocks)) out.push("ipv6Range");
  if (names(rule.prefixListIds)) out.push("prefixListId");
  if (names(rule[groupSource]) || rule.self === true) out.push("userIdGroupPair");
  return out.length > 0 ? out : ["ipRange"];
}

/** The target of a `vpc.SecurityGroupIngressRule` / `EgressRule` (exactly one of its four sources). */
function vpcRuleTargets(props: Props): Ec2DescriptionTarget[] {
  const out: Ec2DescriptionTarget[] = [];
  if (names(props.cidrIpv4)) out.push("ipRange");
  if (names(props.cidrIpv6)) out.push("ipv6Range");
  if (names(props.prefixListId)) out.push("prefixListId");
  if (names(props.referencedSecurityGroupId)) out.push("userIdGroupPair");
  return out.length > 0 ? out : ["ipRange"];
}

export const SecurityGroupDescriptions: ResourceRule = {
  kind: "resource",
  name: "SecurityGroupDescriptions",
  resourceTypes: [SG, DEFAULT_SG, INGRESS_RULE, EGRESS_RULE, SG_RULE],
  check(type: string, props: Props) {
    if (type === SG || type === DEFAULT_SG) {
      const problems = type === SG ? checkEc2Description(props.description, ["securityGroup"]) : [];
      for (const dir of ["ingress", "egress"] as const) {
        const rules = props[dir];
        if (!Array.isArray(rules)) continue;
        rules.forEach((r, i) => {
          if (isRecord(r)) problems.push(...checkEc2Description(r.description, ec2RuleTargets(r, "securityGroups"), `${dir}[${i}].description`));
        });
      }
      return verdict(problems);
    }
    if (type === INGRESS_RULE || type === EGRESS_RULE) return verdict(checkEc2Description(props.description, vpcRuleTargets(props)));
    if (type === SG_RULE) return verdict(checkEc2Description(props.description, ec2RuleTargets(props, "sourceSecurityGroupId")));
    return NOT_APPLICABLE;
  },
};
