/**
 * Risk lines: the one reading of a risk line (`riskLineOf`) and of a tool's tier (`toolTier`),
 * and the model's compiled risk lines per action type, with AIR-I001 for a risk line no tool uses.
 */
import type { Manifest, ToolSpec } from "../manifest/schema.ts";
import type { RiskClass, Tier } from "../manifest/vocabulary.ts";
import type { CompiledRiskLine, Finding } from "./model.ts";

/** Each action type's risk line (its tier, class and tools), sorted by action type. */
export function compileRiskLines(m: Manifest, findings: Finding[]): CompiledRiskLine[] {
  return Object.entries(m.riskLines)
    .map(([actionType]): CompiledRiskLine => {
      const spec = riskLineOf(m, actionType)!;
      const tools = m.tools.filter((t) => t.actionType === actionType);
      if (tools.length === 0) {
        findings.push({ rule: "AIR-I001", severity: "info", subject: `riskLines.${actionType}`, message: `no tool has action type \`${actionType}\`` });
      }
      return {
        actionType,
        tier: spec.tier,
        ...(spec.riskClass !== undefined ? { riskClass: spec.riskClass } : {}),
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        tools: tools.map((t) => t.name).sort(),
        outward: tools.some((t) => t.outward),
      };
    })
    .sort((a, b) => a.actionType.localeCompare(b.actionType));
}

/** A risk line as one shape, whichever way the manifest writes it (`approve`, or `{ tier, class, description }`). */
export function riskLineOf(m: Manifest, actionType: string): { readonly tier: Tier; readonly riskClass?: RiskClass; readonly description?: string } | undefined {
  const line = m.riskLines[actionType];
  if (line === undefined) return undefined;
  if (typeof line === "string") return { tier: line };
  return { tier: line.tier, ...(line.class !== undefined ? { riskClass: line.class } : {}), ...(line.description !== undefined ? { description: line.description } : {}) };
}

/**
 * The one reading of a tool's tier: a tool without an action type runs on its own (`auto`); one
 * whose action type has no risk line waits for a person (`approve`); else its risk line's tier.
 */
export function toolTier(m: Manifest, tool: ToolSpec): Tier {
  if (tool.actionType === undefined) return "auto";
  return riskLineOf(m, tool.actionType)?.tier ?? "approve";
}
