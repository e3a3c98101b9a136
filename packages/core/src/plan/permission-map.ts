/** The human-readable permission map: tool → system → actions → resources. */
import type { AgentModel } from "../compile/model.ts";

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
  }
  lines.push("  egress (443):");
  for (const h of model.egress.hosts) {
    const ranges = model.egress.rangesByHost[h];
    lines.push(`    ${h}  ${ranges ? ranges.join(" ") : "(DNS firewall only)"}`);
  }
  if (model.egress.anyIpOn443) lines.push(`    ANY ADDRESS on 443: ${model.egress.anyIpOn443.reason}`);
  lines.push(`  AWS through VPC endpoints: ${model.egress.awsServices.join(", ")}`);
  return lines.join("\n");
}
