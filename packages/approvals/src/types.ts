import type { CompiledRiskLine, RiskClass, Tier, ToolSummary } from "@airlock/core";
import type { GatewayAction } from "@airlock/core/contracts";

/**
 * What the approval service needs of the compiled model (an `AgentModel` is one): the agent's
 * name, its tools' tiers and its risk lines. Small enough for a Lambda's environment.
 */
export interface ApprovalModel {
  readonly name: string;
  readonly tools: readonly Pick<ToolSummary, "name" | "outward" | "tier" | "actionType">[];
  readonly riskLines: readonly CompiledRiskLine[];
}

/**
 * What the agent asks to do: the `action` of the gateway's `request` invocation
 * (`GatewayAction` of `@airlock/core/contracts`, where the agent runtime reads it too).
 */
export type ApprovalAction = GatewayAction;

export type DecisionKind = "approved" | "rejected" | "edited";
export type DecisionVia = "http" | "socket-mode" | "api";

export interface ApprovalRequestRecord {
  readonly id: string;
  readonly agent: string;
  readonly release: string;
  readonly tool: string;
  readonly actionType: string;
  readonly tier: Exclude<Tier, "auto">;
  readonly riskClass?: RiskClass;
  /** Redacted arguments. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** sha256 of the canonical original arguments. */
  readonly argumentsHash: string;
  readonly traceId?: string;
  readonly traceUrl?: string;
  readonly status: "pending" | DecisionKind;
  readonly createdAt: Date;
  readonly decidedAt?: Date;
  readonly slack: {
    readonly state: "unposted" | "posted" | "update-pending" | "updated";
    readonly channel?: string;
    readonly ts?: string;
    readonly attempts: number;
    readonly lastError?: string;
  };
}

export interface DecisionRecord {
  readonly requestId: string;
  readonly decision: DecisionKind;
  /** Slack user id of the approver. */
  readonly decidedBy: string;
  /** The approver's arguments when the decision is `edited`. */
  readonly editedArguments?: Readonly<Record<string, unknown>>;
  readonly via: DecisionVia;
  readonly decidedAt: Date;
}

export type RequestApprovalResult =
  | {
      /** The action's tier is `auto` (or the tool is not outward): go ahead, nobody is asked. */
      readonly status: "auto";
      readonly actionType?: string;
    }
  | {
      readonly status: "pending";
      readonly id: string;
      readonly actionType: string;
      readonly tier: Exclude<Tier, "auto">;
      /** Whether the Slack message went out now; when false the outbox retries it. */
      readonly posted: boolean;
    };

export interface DecideInput {
  readonly requestId: string;
  readonly decision: DecisionKind;
  /** Slack user id of who decides. */
  readonly actor: string;
  readonly editedArguments?: Readonly<Record<string, unknown>>;
  readonly via: DecisionVia;
}

export type DecideResult =
  /** This call recorded the decision. */
  | { readonly outcome: "recorded"; readonly decision: DecisionRecord }
  /** Someone decided first; nothing changed. */
  | { readonly outcome: "already-decided"; readonly decision: DecisionRecord }
  /** The actor is not a configured approver; nothing changed (the attempt is audited). */
  | { readonly outcome: "refused"; readonly reason: string }
  | { readonly outcome: "not-found"; readonly reason: string };
