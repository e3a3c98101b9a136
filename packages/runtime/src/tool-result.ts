/**
 * What the model is told when a call does not run: a tool result (an error result), never an
 * exception. Each says what happened and what the model may do next, so the agent's loop goes on.
 */

import { CALL_OUTCOMES, OUTCOME_PROPERTY, type CallOutcome } from "@airlock/core/contracts";
import type { SandboxFailure } from "./sandbox-runner.ts";

/** Why a call did not run. */
export type RefusalReason =
  /** The model asked for a tool the manifest does not declare. */
  | "undeclared-tool"
  /** The arguments do not match the tool's declared input schema. */
  | "invalid-arguments"
  /** The argument policy forbids the call (or could not be evaluated, which denies). */
  | "forbidden"
  /** A person rejected the call. */
  | "rejected"
  /** No one decided before the deadline. */
  | "timeout"
  /** The call needs a person and the approval gateway could not be asked (not configured, failing). */
  | "approval-unavailable"
  /** The approval could not be used: already executed, expired, or other arguments than approved. */
  | "receipt-refused"
  /** A code-executing tool did not give a result in the sandbox (input too large, not started, failed, stopped, output lost or over the cap). */
  | "sandbox-failed";

/** A call that did not run, as a tool result for the model (`is_error: true` in the Claude API). */
export interface ToolRefusal {
  readonly ok: false;
  readonly reason: RefusalReason;
  /** The text to give the model as the tool result's content. */
  readonly content: string;
  readonly isError: true;
  /** The tool the model asked for. */
  readonly tool: string;
  /** The approval request, when a person was asked. */
  readonly requestId?: string;
}

export function refusal(tool: string, reason: RefusalReason, content: string, requestId?: string): ToolRefusal {
  return { ok: false, reason, content, isError: true, tool, ...(requestId === undefined ? {} : { requestId }) };
}

/**
 * The reasons that are expected outcomes, traced `refused` (metric `Refusals`), not `error`: the
 * guard's refusals (the model asked for something the manifest or the policy does not allow), a
 * person's denial or the approval's deadline passing, a receipt the gateway will not spend.
 * `approval-unavailable` (the gateway failing) and `sandbox-failed` (decided per failure by the
 * sandbox: only the model's own code failing is refused) are errors.
 */
const REFUSED_REASONS: ReadonlySet<RefusalReason> = new Set<RefusalReason>(["undeclared-tool", "invalid-arguments", "forbidden", "rejected", "timeout", "receipt-refused"]);

/** How a refusal is traced: `refused` for an expected outcome, `error` for a failure (see {@link ToolRefusedError}). */
export function refusalOutcome(r: Pick<ToolRefusal, "reason">): CallOutcome {
  return REFUSED_REASONS.has(r.reason) ? CALL_OUTCOMES.refused : CALL_OUTCOMES.error;
}

/**
 * The failures that are the model's own doing, traced `refused` (metric `Refusals`), not `error`:
 * its code threw, or its input or output is over a cap. The rest (the task did not start or
 * stopped, the run timed out, the output is lost or unreadable, the image refused the input) may
 * be the release's or the infrastructure's fault and stay errors, which the deployment alarms see.
 */
const MODEL_FAILURES: ReadonlySet<SandboxFailure> = new Set<SandboxFailure>(["code-failed", "input-too-large", "output-too-large"]);

/** How a sandbox run that gave no result is traced: `refused` for the model's own failure, else `error`. */
export function sandboxFailureOutcome(failure: SandboxFailure): CallOutcome {
  return MODEL_FAILURES.has(failure) ? CALL_OUTCOMES.refused : CALL_OUTCOMES.error;
}

/**
 * The error a refused call is traced with (its class and message are the trace's error fields).
 * Its `OUTCOME_PROPERTY` tells the tracer the outcome: `refused` (not counted in `Errors`, so no
 * deployment alarm rolls a release back for it) or `error`; by default {@link refusalOutcome}.
 */
export class ToolRefusedError extends Error {
  override readonly name = "ToolRefusedError";
  readonly [OUTCOME_PROPERTY]: CallOutcome;
  constructor(
    readonly refusal: ToolRefusal,
    outcome: CallOutcome = refusalOutcome(refusal),
  ) {
    super(`${refusal.reason}: ${refusal.content}`);
    this[OUTCOME_PROPERTY] = outcome;
  }
}
