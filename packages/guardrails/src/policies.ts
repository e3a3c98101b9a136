/**
 * Pack entries as @pulumi/policy policies (without constructing a PolicyPack, so tests can call
 * them with the engine's argument shapes). In the engine, stack rules learn the agents from the
 * task definitions Airlock writes (`AIRLOCK_AGENT`, `AIRLOCK_APPROVAL_TIERS`): each non-`auto`
 * action type counts as an outward tool, which is the conservative reading.
 */
import type {
  EnforcementLevel,
  ResourceValidationPolicy,
  Severity as PulumiSeverity,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Tier } from "@airlock/core";
import type { PackEntry, Severity } from "./pack.ts";
import type { AgentView, StackResource } from "./rule.ts";
import { containerDefinitions, isRecord, parseJsonish } from "./support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "./types.ts";

const SEVERITY: Record<Severity, PulumiSeverity> = { error: "high", warning: "medium", info: "low" };
const ENFORCEMENT: Record<Severity, EnforcementLevel> = { error: "mandatory", warning: "advisory", info: "advisory" };

/** Policy names are the rule id and name, e.g. `air-g001-iam-no-wildcard-actions`. */
export function policyName(entry: PackEntry): string {
  return `${entry.id}-${entry.rule.name}`
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

/** Agents as the task definitions describe them (for stacks evaluated by the Pulumi engine). */
export function agentsFromTaskDefinitions(resources: readonly StackResource[]): AgentView[] {
  const agents = new Map<string, AgentView>();
  for (const r of resources.filter((x) => x.type === TASK_DEFINITION)) {
    for (const c of containerDefinitions(r.props) ?? []) {
      const env = new Map((Array.isArray(c.environment) ? c.environment.filter(isRecord) : []).map((e) => [String(e.name), e.value]));
      const agent = env.get("AIRLOCK_AGENT");
      const tiers = parseJsonish(env.get("AIRLOCK_APPROVAL_TIERS"));
      if (typeof agent !== "string" || !isRecord(tiers)) continue;
      const tools = Object.entries(tiers)
        .filter((e): e is [string, Tier] => e[1] === "approve" || e[1] === "always-approve")
        .map(([actionType, tier]) => ({ name: actionType, actionType, tier, outward: true }));
      agents.set(agent, { name: agent, tools });
    }
  }
  return [...agents.values()];
}

export function policyFor(entry: PackEntry): ResourceValidationPolicy | StackValidationPolicy {
  const base = {
    name: policyName(entry),
    description: `${entry.id}: ${entry.explanation}`,
    enforcementLevel: ENFORCEMENT[entry.severity],
    severity: SEVERITY[entry.severity],
  };
  const { rule } = entry;
  if (rule.kind === "resource") {
    return {
      ...base,
      validateResource: async (args, reportViolation) => {
        if (!rule.resourceTypes.includes(args.type)) return;
        const result = await rule.check(args.type, args.props);
        if (result.status === "non-compliant") for (const m of result.messages) reportViolation(`${entry.id}: ${m}`, args.urn);
      },
    };
  }
  return {
    ...base,
    validateStack: (args, reportViolation) => {
      const resources: StackResource[] = args.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.props, dependencies: r.dependencies.map((d) => d.urn) }));
      for (const v of rule.check({ resources, agents: agentsFromTaskDefinitions(resources) })) {
        reportViolation(`${entry.id}: ${v.message}`, v.subject.startsWith("urn:") ? v.subject : undefined);
      }
    },
  };
}
