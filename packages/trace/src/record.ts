import type { CallCost, TokenUsage } from "./prices.ts";
import type { CallOutcome } from "@airlock/core/contracts";
import type { ErrorInfo } from "./redact.ts";

/** What the tracer knows about one finished tool or model call. Inputs and outputs are already redacted. */
export interface CallRecord {
  readonly kind: "tool" | "model";
  /** Tool name, or the model call's span name (the model id unless given). */
  readonly name: string;
  readonly agent: string;
  readonly release: string;
  /** The stack the agent runs in (EMF dimension `Stack`); undefined only when EMF is off and none was given. */
  readonly stack?: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The enclosing span, or the trace id for a top-level call. */
  readonly parentId: string;
  readonly sessionId?: string;
  readonly distinctId?: string;
  /** Epoch milliseconds when the call started. */
  readonly startedAt: number;
  readonly latencyMs: number;
  /** Redacted tool arguments or model input messages (undefined when content capture is off). */
  readonly input: unknown;
  /** Redacted tool result or model output (undefined when content capture is off or the call failed). */
  readonly output: unknown;
  readonly model?: string;
  readonly provider?: string;
  readonly usage: TokenUsage;
  /** Undefined for a model with no price in the table; zero for tools. */
  readonly cost: CallCost | undefined;
  /**
   * `error` when the call threw (counted in `Errors`); `refused` when what it threw carries
   * `OUTCOME_PROPERTY` = `refused`, an expected outcome (counted in `Refusals`); else `ok`.
   * A refused call keeps its `error` fields (class and message).
   */
  readonly outcome: CallOutcome;
  readonly error?: ErrorInfo;
  readonly httpStatus?: number;
  readonly stopReason?: string;
}

/** One agent run (a trace), recorded when `run.end()` is called. */
export interface RunRecord {
  readonly name: string;
  readonly agent: string;
  readonly release: string;
  readonly stack?: string;
  readonly traceId: string;
  readonly sessionId?: string;
  readonly distinctId?: string;
  readonly startedAt: number;
  readonly latencyMs: number;
  readonly input: unknown;
  readonly output: unknown;
  readonly outcome: "ok" | "error";
  readonly error?: ErrorInfo;
}
