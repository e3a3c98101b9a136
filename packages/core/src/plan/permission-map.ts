/** The human-readable permission map: tool → system → actions → resources. */
import type { AgentModel } from "../compile/model.ts";
import type { ToolInput } from "../manifest/arguments.ts";

/** The permission map of an agent as text: each tool with what it may do, for people reviewing a plan. */
export function renderPermissionMap(model: AgentModel): string {
  const lines: string[] = [`Permission map for agent ${model.name} (owner: ${model.owner})`];
  for (const tool of model.tools) {
    const flags = [
      tool.access,
      tool.outward ? "outward" : undefined,
      tool.actionType ? `${tool.actionType} → ${tool.tier}` : undefined,
      tool.sandbox ? "sandboxed" : undefined,
    ].filter(Boolean);
    lines.push(`  ${tool.name} [${flags.join(", ")}]`);
    for (const p of model.permissions.filter((e) => e.tool === tool.name)) {
      const escalation = p.escalation ? ` ESCALATION (${p.escalation.actions.join(", ")}): ${p.escalation.reason}` : "";
      lines.push(`    ${p.system} (${p.access})${p.wildcardReason ? ` WILDCARD: ${p.wildcardReason}` : ""}${escalation}`);
      lines.push(`      actions:   ${p.actions.join(", ")}`);
      for (const r of p.resources) lines.push(`      resource:  ${r}`);
    }
    if (!model.permissions.some((e) => e.tool === tool.name)) lines.push("    (no access to any system)");
    if (tool.input !== undefined) lines.push(`    input: ${describeInput(tool.input)}`);
    const when = model.riskLines.find((l) => l.actionType !== undefined && l.actionType === tool.actionType)?.when ?? [];
    for (const c of when) lines.push(`    when ${c.summary} → ${c.then.toUpperCase()}  (${c.id})`);
  }
  lines.push("  egress (443):");
  for (const h of model.egress.hosts) {
    const ranges = model.egress.rangesByHost[h];
    lines.push(`    ${h}  ${ranges ? ranges.join(" ") : "(DNS firewall only)"}`);
  }
  if (model.egress.anyIpOn443) lines.push(`    ANY ADDRESS on 443: ${model.egress.anyIpOn443.reason}`);
  lines.push(`  AWS through VPC endpoints: ${model.egress.awsServices.join(", ")}`);
  if (model.argumentPolicies !== undefined) {
    lines.push("  argument policies (Cedar, evaluated on every call of these tools; deny wins, an error denies):");
    for (const l of model.argumentPolicies.trimEnd().split("\n")) lines.push(l === "" ? "" : `    ${l}`);
  }
  return lines.join("\n");
}

/** `ticket_id (string, required), amount_cents (integer ≥ 1, required)`: a tool's arguments in one line. */
function describeInput(input: ToolInput): string {
  const names = Object.keys(input.properties);
  if (names.length === 0) return "(no arguments)";
  return names
    .map((n) => {
      const a = input.properties[n]!;
      const facts: string[] = [a.type];
      if ("minimum" in a && a.minimum !== undefined) facts.push(`≥ ${a.minimum}`);
      if ("maximum" in a && a.maximum !== undefined) facts.push(`≤ ${a.maximum}`);
      if ("pattern" in a && a.pattern !== undefined) facts.push(`pattern ${a.pattern}`);
      if ("enum" in a && a.enum !== undefined) facts.push(`one of ${a.enum.map((v) => JSON.stringify(v)).join(", ")}`);
      if (input.required.includes(n)) facts.push("required");
      return `${n} (${facts.join(", ")})`;
    })
    .join(", ");
}
