/**
 * Pack entries as @pulumi/policy policies (without constructing a PolicyPack, so tests can call
 * them with the engine's argument shapes). In the engine, stack rules learn the agents from the
 * task definitions Airlock writes (`TASK_ENV.agent` and `TASK_ENV.approvalTiers` of
 * `@airlock/core/contracts`): each non-`auto`
 * action type counts as an outward tool, which is the conservative reading. A resource rule that
 * reads the stack (`readsStack`: an opt-out recorded on another resource) runs as a stack policy.
 * Enforcement levels and settings come from Pulumi's policy config (`--policy-pack-config`): each
 * policy's default level is the pack severity's (`mandatory` for errors, `advisory` otherwise), a
 * rule with settings declares them as the policy's `configSchema`, and the settings reach the rule
 * with the schema's defaults applied.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ResourceValidationPolicy,
  Severity as PulumiSeverity,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Tier } from "@airlock/core";
import { decodeApprovalTiers, TASK_ENV } from "@airlock/core/contracts";
import { policyName, type PackEntry, type Severity } from "./pack.ts";
import { ruleConfig } from "./config.ts";
import type { AgentView, StackResource } from "./rule.ts";
import { containerDefinitions, isRecord } from "./support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "./types.ts";

const SEVERITY: Record<Severity, PulumiSeverity> = { error: "high", warning: "medium", info: "low" };
const ENFORCEMENT: Record<Severity, EnforcementLevel> = { error: "mandatory", warning: "advisory", info: "advisory" };

export { policyName };

/** Agents as the task definitions describe them (for stacks evaluated by the Pulumi engine). */
export function agentsFromTaskDefinitions(resources: readonly StackResource[]): AgentView[] {
  const agents = new Map<string, AgentView>();
  for (const r of resources.filter((x) => x.type === TASK_DEFINITION)) {
    for (const c of containerDefinitions(r.props) ?? []) {
      const env = new Map((Array.isArray(c.environment) ? c.environment.filter(isRecord) : []).map((e) => [String(e.name), e.value]));
      const agent = env.get(TASK_ENV.agent);
      const tiers = decodeApprovalTiers(env.get(TASK_ENV.approvalTiers));
      if (typeof agent !== "string" || tiers === undefined) continue;
      const tools = Object.entries(tiers)
        .filter((e): e is [string, Tier] => e[1] === "approve" || e[1] === "always-approve")
        .map(([actionType, tier]) => ({ name: actionType, actionType, tier, outward: true }));
      agents.set(agent, { name: agent, tools });
    }
  }
  return [...agents.values()];
}

/** The engine's default enforcement level of a pack entry (what a policy config changes). */
export function defaultEnforcement(entry: PackEntry): EnforcementLevel {
  return ENFORCEMENT[entry.severity];
}

export function policyFor(entry: PackEntry): ResourceValidationPolicy | StackValidationPolicy {
  const base = {
    name: policyName(entry),
    description: `${entry.id}: ${entry.explanation}`,
    enforcementLevel: ENFORCEMENT[entry.severity],
    severity: SEVERITY[entry.severity],
    ...(entry.rule.configSchema !== undefined ? { configSchema: entry.rule.configSchema as PolicyConfigSchema } : {}),
  };
  const settings = (getConfig: () => unknown) => ruleConfig(entry, getConfig() as Readonly<Record<string, unknown>> | undefined);
  const engineResources = (rs: readonly { urn: string; type: string; name: string; props: Record<string, unknown>; dependencies: readonly { urn: string }[] }[]): StackResource[] =>
    rs.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.props, dependencies: r.dependencies.map((d) => d.urn) }));
  const { rule } = entry;
  if (rule.kind === "resource" && !rule.readsStack) {
    return {
      ...base,
      validateResource: async (args, reportViolation) => {
        if (!rule.resourceTypes.includes(args.type)) return;
        const result = await rule.check(args.type, args.props, { config: settings(() => args.getConfig()) });
        if (result.status === "non-compliant") for (const m of result.messages) reportViolation(`${entry.id}: ${m}`, args.urn);
      },
    };
  }
  if (rule.kind === "resource") {
    return {
      ...base,
      validateStack: async (args, reportViolation) => {
        const resources = engineResources(args.resources);
        const stack = { resources, agents: agentsFromTaskDefinitions(resources) };
        const config = settings(() => args.getConfig());
        for (const r of resources) {
          if (!rule.resourceTypes.includes(r.type)) continue;
          const result = await rule.check(r.type, r.props, { self: r, stack, config });
          if (result.status === "non-compliant") for (const m of result.messages) reportViolation(`${entry.id}: ${m}`, r.urn);
        }
      },
    };
  }
  return {
    ...base,
    validateStack: (args, reportViolation) => {
      const resources = engineResources(args.resources);
      for (const v of rule.check({ resources, agents: agentsFromTaskDefinitions(resources), config: settings(() => args.getConfig()) })) {
        reportViolation(`${entry.id}: ${v.message}`, v.subject.startsWith("urn:") ? v.subject : undefined);
      }
    },
  };
}
