/**
 * The argument policy's hook and how its verdict combines with the tool's tier.
 *
 * A risk line may carry conditions on a tool's arguments (refunds up to an amount need approval,
 * above it are forbidden; replies to an internal domain run automatically). Compiled, they are
 * a function of the tool and its arguments returning verdicts: the guard evaluates the model's
 * compiled Cedar policies through this hook (`cedar.ts`), beside any policy of the user's own. The combination, {@link combineVerdicts}:
 * 1. the policy throwing, or returning anything but verdicts, denies (`forbid`): an evaluation
 *    error never lets a call through;
 * 2. any `forbid` wins (deny wins), whatever else matched;
 * 3. no verdict (undefined or an empty list): the tool's tier decides;
 * 4. otherwise the strictest verdict (`always-approve` > `approve` > `allow`) decides, which may be
 *    looser than the tier (that is what a condition such as "internal replies run automatically"
 *    says), but never below two floors: a tool whose tier is `always-approve` always asks, and one
 *    whose risk line is `money` or `mass-communication` asks at least for approval.
 */
import type { CompiledRiskLine } from "@airlock/core";
import type { GuardedTool } from "./model.ts";

/** What a policy may answer for one call. */
export type PolicyDecision = "allow" | "approve" | "always-approve" | "forbid";

/** One policy's answer and why (shown to the model when it forbids, recorded in the trace). */
export interface PolicyVerdict {
  readonly decision: PolicyDecision;
  readonly reason: string;
}

/**
 * The argument policy: the verdicts of the policies that apply to this call, or undefined (or
 * `[]`) when none does. Called for every declared tool whose arguments match its schema.
 */
export type ArgumentPolicy = (tool: GuardedTool, args: Readonly<Record<string, unknown>>) => PolicyVerdict | readonly PolicyVerdict[] | undefined;

/** The combined decision for one call and the reasons behind it. */
export interface CombinedDecision {
  readonly decision: PolicyDecision;
  /** Why: the forbidding verdicts' reasons, else the deciding ones' (empty when the tier decided). */
  readonly reasons: readonly string[];
  /** Whether the tier alone decided (no policy, or no verdict). */
  readonly byTier: boolean;
}

const RANK: Readonly<Record<Exclude<PolicyDecision, "forbid">, number>> = { allow: 0, approve: 1, "always-approve": 2 };
const DECISIONS: ReadonlySet<string> = new Set(["allow", "approve", "always-approve", "forbid"]);

/**
 * What the tool's tier alone asks: a person for an outward tool whose risk line is not `auto`
 * (the rule of `toolsNeedingApproval` in `@airlock/core`, which routes the approvals), else nothing.
 */
export function tierDecision(tool: Pick<GuardedTool, "outward" | "tier">): Exclude<PolicyDecision, "forbid"> {
  return tool.outward && tool.tier !== "auto" ? tool.tier : "allow";
}

function isVerdict(v: unknown): v is PolicyVerdict {
  return typeof v === "object" && v !== null && DECISIONS.has((v as PolicyVerdict).decision) && typeof (v as PolicyVerdict).reason === "string";
}

/** Combines the tool's tier with the policy's verdicts (see the module's rules); pure, never throws. */
export function combineVerdicts(
  tool: Pick<GuardedTool, "outward" | "tier" | "actionType">,
  riskLines: readonly Pick<CompiledRiskLine, "actionType" | "riskClass">[],
  evaluate: (() => unknown) | undefined,
): CombinedDecision {
  const base = tierDecision(tool);
  if (evaluate === undefined) return { decision: base, reasons: [], byTier: true };
  let answer: unknown;
  try {
    answer = evaluate();
  } catch (e) {
    return { decision: "forbid", reasons: [`the argument policy could not be evaluated (${e instanceof Error ? e.message : String(e)}), which denies the call`], byTier: false };
  }
  if (answer === undefined) return { decision: base, reasons: [], byTier: true };
  const verdicts: readonly unknown[] = Array.isArray(answer) ? answer : [answer];
  if (!verdicts.every(isVerdict)) {
    return { decision: "forbid", reasons: ["the argument policy answered something that is not a verdict ({ decision, reason }), which denies the call"], byTier: false };
  }
  if (verdicts.length === 0) return { decision: base, reasons: [], byTier: true };
  const forbids = verdicts.filter((v) => v.decision === "forbid");
  if (forbids.length > 0) return { decision: "forbid", reasons: forbids.map((v) => v.reason), byTier: false };
  const others = verdicts as readonly (PolicyVerdict & { decision: Exclude<PolicyDecision, "forbid"> })[];
  let decision = others.reduce<Exclude<PolicyDecision, "forbid">>((d, v) => (RANK[v.decision] > RANK[d] ? v.decision : d), "allow");
  const riskClass = riskLines.find((l) => l.actionType === tool.actionType)?.riskClass;
  const floor = base === "always-approve" ? "always-approve" : base !== "allow" && riskClass !== undefined ? "approve" : "allow";
  if (RANK[floor] > RANK[decision]) decision = floor;
  return { decision, reasons: others.filter((v) => v.decision === decision).map((v) => v.reason), byTier: false };
}
