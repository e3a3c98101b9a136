/**
 * A VPC whose Route 53 Resolver DNS firewall ends in a BLOCK of `*` (fail closed) still resolves
 * every name a Fargate task needs to start: the ECR registry and API, the ECR layer bucket through
 * S3 with the CNAME chain S3 answers with (`VPC_ENDPOINT_FACTS.fargateImagePull`), and the service
 * name of each of the VPC's endpoints (`knownChains` in `@airlock/core`; a rule inspects every name
 * of a CNAME chain unless it trusts redirection, `DNS_FIREWALL_FACTS.redirection`). Each chain is
 * evaluated with `resolveChain` against the VPC's rules: the rule groups associated with it in
 * association priority order (`DNS_FIREWALL_ASSOCIATION_FACTS.priority`), each group's
 * rules in rule priority order, a rule's domains read from its `firewallDomainListId`'s domain
 * list. A BLOCK rule whose list is not in the stack (an AWS managed threat list) is taken to block
 * none of AWS's own names; an ALLOW or ALERT rule whose list is not in the stack makes the VPC
 * unreadable, and it is skipped. The registry is named by the account of the ECR images in the
 * stack (or, failing that, the account most ARNs in the stack name; with neither, the registry
 * name is not checked).
 */
import { DNS_FIREWALL_FACTS, knownChains, resolveChain, type FirewallAction, type FirewallRuleSpec, type RedirectionAction } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { allStrings, knownString, ofType, referent, stringList } from "../../support.ts";
import { vpcKey } from "./NatGatewayAfterInternetGateway.ts";
import { EC2_VPC as VPC, EC2_VPC_ENDPOINT as VPC_ENDPOINT, ROUTE53_RESOLVER_FIREWALL_DOMAIN_LIST as DOMAIN_LIST, ROUTE53_RESOLVER_FIREWALL_RULE as RULE, ROUTE53_RESOLVER_FIREWALL_RULE_GROUP as RULE_GROUP, ROUTE53_RESOLVER_FIREWALL_RULE_GROUP_ASSOCIATION as ASSOCIATION } from "../../types.ts";

/** `com.amazonaws.us-east-1.ecr.dkr` → region and suffix (also `cn.com.amazonaws.cn-north-1.s3`). */
export function endpointService(serviceName: unknown): { readonly region: string; readonly suffix: string } | undefined {
  const m = /(?:^|\.)com\.amazonaws\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(.+)$/.exec(knownString(serviceName) ?? "");
  return m === null ? undefined : { region: m[1]!, suffix: m[2]! };
}

interface EvaluatedRule extends FirewallRuleSpec {
  readonly resource: StackResource;
  readonly list: string;
}

/** The VPC's firewall rules in the order DNS Firewall applies them, or undefined when an allowing rule's domains are unknown. */
function rulesOf(associations: readonly StackResource[], resources: readonly StackResource[]): EvaluatedRule[] | undefined {
  const groups = ofType(resources, RULE_GROUP);
  const rules = ofType(resources, RULE);
  const lists = ofType(resources, DOMAIN_LIST);
  const ordered = [...associations].sort((a, b) => Number(a.props.priority ?? 0) - Number(b.props.priority ?? 0));
  const out: EvaluatedRule[] = [];
  for (const association of ordered) {
    const groupRef = knownString(association.props.firewallRuleGroupId);
    const group = referent(association.props.firewallRuleGroupId, groups, association);
    const inGroup = rules
      .filter((r) => (groupRef !== undefined && r.props.firewallRuleGroupId === groupRef) || (group !== undefined && referent(r.props.firewallRuleGroupId, [group], r) !== undefined))
      .sort((a, b) => Number(a.props.priority ?? 0) - Number(b.props.priority ?? 0));
    for (const rule of inGroup) {
      const action = rule.props.action as FirewallAction;
      const list = referent(rule.props.firewallDomainListId, lists, rule);
      const domains = list !== undefined ? stringList(list.props.domains) : undefined;
      if (domains === undefined && action !== "BLOCK") return undefined;
      const redirection = knownString(rule.props.firewallDomainRedirectionAction) as RedirectionAction | undefined;
      out.push({
        name: knownString(rule.props.name) ?? rule.name,
        priority: out.length,
        action,
        domains: domains ?? [],
        ...(redirection !== undefined ? { redirection } : {}),
        resource: rule,
        list: list !== undefined ? (knownString(list.props.name) ?? list.name) : String(rule.props.firewallDomainListId ?? "?"),
      });
    }
  }
  return out;
}

/** Accounts whose ECR registry in `region` the stack pulls from; else the account most of its ARNs name (the firewall's own domain lists are not evidence). */
function registryAccounts(resources: readonly StackResource[], region: string): string[] {
  const strings = resources.filter((r) => !r.type.startsWith("aws:route53/")).flatMap((r) => allStrings(r.props));
  const registry = new RegExp(`(\\d{12})\\.dkr\\.ecr\\.${region.replace(/-/g, "\\-")}\\.amazonaws\\.com`, "g");
  const accounts = new Set(strings.flatMap((s) => [...s.matchAll(registry)].map((m) => m[1]!)));
  if (accounts.size > 0) return [...accounts].sort();
  const counts = new Map<string, number>();
  for (const s of strings) for (const m of s.matchAll(/arn:[^:\s"]+:[^:\s"]+:[^:\s"]*:(\d{12}):/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  return top !== undefined ? [top[0]] : [];
}

export const DnsFirewallResolvesAwsNames: StackRule = {
  kind: "stack",
  name: "DnsFirewallResolvesAwsNames",
  check({ resources }: StackInput): StackViolation[] {
    const vpcs = ofType(resources, VPC);
    const associations = ofType(resources, ASSOCIATION);
    const endpoints = ofType(resources, VPC_ENDPOINT);
    const out: StackViolation[] = [];
    const byVpc = new Map<string, StackResource[]>();
    for (const a of associations) {
      const key = vpcKey(a.props.vpcId, a, vpcs);
      if (key !== undefined) byVpc.set(key, [...(byVpc.get(key) ?? []), a]);
    }
    for (const [vpc, assocs] of byVpc) {
      const rules = rulesOf(assocs, resources);
      if (rules === undefined || !rules.some((r) => r.action === "BLOCK" && r.domains.includes("*"))) continue;
      const vpcLabel = vpcs.find((v) => v.urn === vpc)?.name ?? vpc;
      const services = endpoints.filter((e) => vpcKey(e.props.vpcId, e, vpcs) === vpc).map((e) => endpointService(e.props.serviceName)).filter((s) => s !== undefined);
      for (const region of [...new Set(services.map((s) => s.region))].sort()) {
        const suffixes = [...new Set(services.filter((s) => s.region === region).map((s) => s.suffix))].sort();
        const accounts = registryAccounts(resources, region);
        const chains = [
          ...accounts.flatMap((account) => knownChains(region, account, suffixes).filter((c) => c.chain[0]!.endsWith(`.dkr.ecr.${region}.amazonaws.com`))),
          ...knownChains(region, accounts[0] ?? "000000000000", suffixes).filter((c) => !c.chain[0]!.endsWith(`.dkr.ecr.${region}.amazonaws.com`)),
        ];
        for (const { purpose, chain } of chains) {
          const result = resolveChain(rules, chain);
          if (result.resolved) continue;
          const last = result.decisions[result.decisions.length - 1]!;
          const blocking = rules.find((r) => r.name === last.rule)!;
          const at = `DNS firewall rule \`${blocking.name}\` (BLOCK, domain list \`${blocking.list}\`) of VPC \`${vpcLabel}\``;
          const index = result.decisions.length - 1;
          if (index === 0) {
            out.push({
              subject: assocs[0]!.urn,
              message: `${at} blocks \`${chain[0]}\` (${purpose}), so tasks in the VPC cannot resolve it and cannot start; add \`${chain[0]}\` to the domain list of an ALLOW rule that comes before \`${blocking.name}\` (${DNS_FIREWALL_FACTS.domainSpecification.source.url})`,
            });
            continue;
          }
          const allow = rules.find((r) => r.name === result.decisions[0]!.rule);
          const allowText = allow !== undefined ? `rule \`${allow.name}\` allows \`${chain[0]}\` but inspects every name of its redirection chain (INSPECT_REDIRECTION_DOMAIN, the default)` : `\`${chain[0]}\` passes`;
          out.push({
            subject: assocs[0]!.urn,
            message: `${at} blocks \`${last.name}\`, the CNAME target \`${chain[0]}\` resolves through (${purpose}): ${allowText}, so tasks in the VPC cannot resolve it and cannot start; set \`firewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN\` on ${allow !== undefined ? `\`${allow.name}\`` : "the ALLOW rule"}, or list the chain (${chain.slice(1).map((n) => `\`${n}\``).join(", ")}) in its domain list (${DNS_FIREWALL_FACTS.redirection.source.url})`,
          });
        }
      }
    }
    return out;
  },
};
