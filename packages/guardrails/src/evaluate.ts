/**
 * The offline evaluator: runs the pack over a plan (`airlock plan --json`) exactly as the Pulumi
 * policy engine would run it over a preview, and returns core `Finding`s. Resource rules see each
 * resource's type and inputs; stack rules see all resources plus the plan's agent models.
 */
import type { Finding, PlanDocument } from "@airlock/core";
import { PACK, type PackEntry } from "./pack.ts";
import type { StackResource } from "./rule.ts";

export interface EvaluateOptions {
  /** Only these rule ids. @default - the whole pack */
  readonly only?: readonly string[];
}

/** Runs every rule of the pack over the plan; findings sorted by rule, then subject, then message. */
export async function evaluatePlan(plan: PlanDocument, options: EvaluateOptions = {}): Promise<Finding[]> {
  const entries = options.only ? PACK.filter((e) => options.only!.includes(e.id)) : PACK;
  const resources: StackResource[] = plan.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs, dependencies: r.dependsOn ?? [] }));
  const findings: Finding[] = [];
  for (const entry of entries) findings.push(...(await runEntry(entry, resources, plan)));
  return findings.sort((a, b) => a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject) || a.message.localeCompare(b.message));
}

async function runEntry(entry: PackEntry, resources: readonly StackResource[], plan: PlanDocument): Promise<Finding[]> {
  const { rule } = entry;
  const out: Finding[] = [];
  if (rule.kind === "stack") {
    for (const v of rule.check({ resources, agents: plan.agents })) {
      out.push({ rule: entry.id, severity: entry.severity, subject: v.subject, message: v.message });
    }
    return out;
  }
  for (const r of resources) {
    if (!rule.resourceTypes.includes(r.type)) continue;
    const result = await rule.check(r.type, r.props);
    if (result.status !== "non-compliant") continue;
    for (const message of result.messages) out.push({ rule: entry.id, severity: entry.severity, subject: r.urn, message });
  }
  return out;
}
