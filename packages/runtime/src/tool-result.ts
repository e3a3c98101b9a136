/**
 * What the model is told when a call does not run: a tool result (an error result), never an
 * exception. Each says what happened and what the model may do next, so the agent's loop goes on.
 */

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

/** The error a refused call is traced with (its class and message are the trace's error fields). */
export class ToolRefusedError extends Error {
  override readonly name = "ToolRefusedError";
  constructor(readonly refusal: ToolRefusal) {
    super(`${refusal.reason}: ${refusal.content}`);
  }
}
