/**
 * The offline evaluator: runs the pack over a plan (`airlock plan --json`) exactly as the Pulumi
 * policy engine would run it over a preview, and returns core `Finding`s. Resource rules see each
 * resource's type and inputs (and, with `readsStack`, the stack around it); stack rules see all
 * resources plus the plan's agent models. A policy config (`config.ts`) changes severities and
 * settings as Pulumi's `--policy-pack-config` changes enforcement levels.
 */
import type { Finding, PlanDocument } from "@airlock/core";
import { PACK, type PackEntry, type Severity } from "./pack.ts";
import { configuredSeverity, ruleConfig, settingsFor, validatePolicyConfig, type PolicyConfig } from "./config.ts";
import type { StackInput, StackResource } from "./rule.ts";

export interface EvaluateOptions {
  /** Only these rule ids. @default - the whole pack */
  readonly only?: readonly string[];
  /**
   * Enforcement levels and settings in Pulumi's policy config format (`loadPolicyConfig` reads a
   * file): `disabled` drops a rule, `advisory` turns its errors into warnings, `mandatory` makes
   * every finding of it an error. @default - the pack's severities and the rules' default settings
   */
  readonly config?: PolicyConfig;
}

/** Runs every rule of the pack over the plan; findings sorted by rule, then subject, then message. */
export async function evaluatePlan(plan: PlanDocument, options: EvaluateOptions = {}): Promise<Finding[]> {
  const config = options.config === undefined ? undefined : validatePolicyConfig(options.config, "config");
  const entries = options.only ? PACK.filter((e) => options.only!.includes(e.id)) : PACK;
  const resources: StackResource[] = plan.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs, dependencies: r.dependsOn ?? [] }));
  const findings: Finding[] = [];
  for (const entry of entries) {
    const severity = configuredSeverity(entry, config);
    if (severity === undefined) continue;
    findings.push(...(await runEntry(entry, severity, { resources, agents: plan.agents, config: ruleConfig(entry, settingsFor(entry, config)) })));
  }
  return findings.sort((a, b) => a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject) || a.message.localeCompare(b.message));
}

async function runEntry(entry: PackEntry, severity: Severity, stack: StackInput): Promise<Finding[]> {
  const { rule } = entry;
  const out: Finding[] = [];
  if (rule.kind === "stack") {
    for (const v of rule.check(stack)) out.push({ rule: entry.id, severity, subject: v.subject, message: v.message });
    return out;
  }
  for (const r of stack.resources) {
    if (!rule.resourceTypes.includes(r.type)) continue;
    const result = await rule.check(r.type, r.props, { self: r, ...(rule.readsStack ? { stack } : {}), ...(stack.config !== undefined ? { config: stack.config } : {}) });
    if (result.status !== "non-compliant") continue;
    for (const message of result.messages) out.push({ rule: entry.id, severity, subject: r.urn, message });
  }
  return out;
}
