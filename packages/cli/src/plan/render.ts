/** Text rendering of a plan: the resource tree, the permission map and alarms of each agent, the findings. */
import { EVAL_PLAN_RULES, plannedAlarms, renderPermissionMap, renderPlannedAlarms, type PlanDocument, type PlannedResource } from "@airlock/core";
import { TAGS } from "@airlock/core/contracts";
import { SECRET_READER_TOOL } from "./plan.ts";

const EVAL_GATE_RULES = new Set<string>(Object.values(EVAL_PLAN_RULES));

/**
 * The agent's eval gate under its permission map: the service's `airlock:eval-gate` tag and the
 * gate's findings (each quarantined case with its reason, a grown quarantine, an underpowered test).
 */
function evalGateLines(plan: PlanDocument, agent: string): string[] {
  const service = plan.resources.find((r) => r.type === "aws:ecs/service:Service" && ((r.inputs.tags ?? {}) as Record<string, string>)[TAGS.agent] === agent);
  const gate = ((service?.inputs.tags ?? {}) as Record<string, string>)[TAGS.evalGate];
  const prefix = `${agent}: `;
  const findings = plan.findings.filter((f) => EVAL_GATE_RULES.has(f.rule) && f.subject.startsWith(prefix));
  if (gate === undefined && findings.length === 0) return [];
  const out = [`  eval gate: ${gate ?? "(no service in the plan)"}`];
  for (const f of findings) out.push(`    ${f.severity === "warning" ? "WARNING " : ""}${f.message}`);
  return out;
}

/**
 * Text rendering of a plan: the resource tree, the permission map, the findings.
 *
 * @param plan - the plan document (`planTarget`)
 * @returns the text `airlock plan` prints
 */
export function renderPlan(plan: PlanDocument): string {
  const lines: string[] = [];
  const custom = plan.resources.filter((r) => r.custom).length;
  lines.push(`Plan for ${plan.project} (stack ${plan.stack}): ${custom} resources in ${plan.resources.length - custom} components`);
  lines.push("");
  lines.push("Resources:");
  const children = new Map<string | null, PlannedResource[]>();
  const urns = new Set(plan.resources.map((r) => r.urn));
  for (const r of plan.resources) {
    const parent = r.parent !== null && urns.has(r.parent) ? r.parent : null;
    const list = children.get(parent) ?? [];
    list.push(r);
    children.set(parent, list);
  }
  const walk = (parent: string | null, depth: number) => {
    for (const r of (children.get(parent) ?? []).sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name))) {
      lines.push(`${"  ".repeat(depth + 1)}${r.custom ? "+" : "□"} ${r.type}  ${r.name}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);
  const alarms = plan.alarms ?? plannedAlarms(plan.resources);
  for (const agent of plan.agents) {
    lines.push("");
    lines.push(renderPermissionMap(agent));
    lines.push(...evalGateLines(plan, agent.name));
    const own = renderPlannedAlarms(agent.name, alarms);
    if (own.length > 0) lines.push("", ...own);
  }
  const readers = plan.permissions
    .filter((p) => p.tool.startsWith(SECRET_READER_TOOL))
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.system.localeCompare(b.system) || a.tool.localeCompare(b.tool));
  if (readers.length > 0) {
    lines.push("");
    lines.push("Who may read each secret's value (the secrets' resource policies):");
    for (const r of readers) lines.push(`  ${r.agent} ${r.system}  ${r.tool.slice(SECRET_READER_TOOL.length + 1)}`);
  }
  lines.push("");
  if (plan.findings.length === 0) {
    lines.push("Findings: none");
  } else {
    lines.push(`Findings (${plan.findings.length}):`);
    for (const f of plan.findings) lines.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.rule}  ${f.subject}: ${f.message}`);
  }
  return lines.join("\n");
}
