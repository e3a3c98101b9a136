/**
 * A receipt's single use: the gateway's `consume` operation. Before an agent runs an approved
 * action it tells the service which arguments it runs (their hash); the service records the
 * execution once, in one transaction with its `approval.executed` audit row, and refuses a second
 * use from any process, arguments other than those approved (or edited), a request that is not
 * approved, and an approval older than the receipt's lifetime. A refusal is audited as
 * `approval.execution-refused` (except for an unknown id, which may be another agent's request).
 */
import { APPROVAL_RECEIPT, type GatewayConsumeRefusal, type GatewayConsumeReply } from "@airlock/core/contracts";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { appendAudit, serverTime } from "../audit/log.ts";
import type { Database } from "../audit/db.ts";
import { ApprovalError } from "../errors.ts";
import { isRequestId, type ExecutionState, type RequestStore } from "./store.ts";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** How long after its decision an approval may be executed, by default: the receipt's lifetime. */
export const DEFAULT_EXECUTION_WINDOW_MS = APPROVAL_RECEIPT.ttlSeconds * 1000;

/** What `consume` needs of its service. */
export interface ExecutionContext {
  readonly db: Database;
  readonly store: RequestStore;
  readonly agent: string;
  readonly now: () => Date;
  readonly windowMs: number;
}

/** The `consume` invocation's input: the request and the hash of the arguments about to run. */
export interface ConsumeInput {
  readonly requestId: string;
  readonly argumentsHash: string;
}

/** The hash the executed arguments must have: the approver's edit, else the request's own. */
export function approvedHash(state: ExecutionState): string {
  const d = state.decision;
  return d?.decision === "edited" && d.editedArguments !== undefined ? sha256(canonicalJson(d.editedArguments)) : state.argumentsHash;
}

type Verdict = { readonly ok: true; readonly state: ExecutionState } | { readonly ok: false; readonly reason: GatewayConsumeRefusal; readonly message: string; readonly state?: ExecutionState };

/** Whether `state` may run with `hash` at `now`; pure. */
export function executionVerdict(state: ExecutionState | undefined, requestId: string, hash: string, now: Date, windowMs: number): Verdict {
  if (state === undefined) return { ok: false, reason: "not-found", message: `no approval request ${requestId} of this agent` };
  if (state.executedAt !== undefined) {
    return { ok: false, state, reason: "already-executed", message: `request ${requestId} was executed at ${state.executedAt.toISOString()}; an approval runs once, ask again for a new call` };
  }
  const d = state.decision;
  if (d === undefined || d.decision === "rejected") {
    return { ok: false, state, reason: "not-approved", message: `request ${requestId} is ${d === undefined ? "still pending" : "rejected"}; only an approved or edited request runs` };
  }
  if (hash !== approvedHash(state)) {
    return {
      ok: false,
      state,
      reason: "arguments-mismatch",
      message: `the arguments to run (hash ${hash.slice(0, 12)}…) are not the ${d.decision === "edited" ? "approver's edited" : "approved"} arguments of request ${requestId}; run exactly what was approved`,
    };
  }
  const expiresAt = d.decidedAt.getTime() + windowMs;
  if (now.getTime() > expiresAt) {
    return { ok: false, state, reason: "expired", message: `the approval of request ${requestId} expired at ${new Date(expiresAt).toISOString()}; ask again` };
  }
  return { ok: true, state };
}

/** Records the execution once, or says why not; never runs anything itself. */
export async function consumeApproval(ctx: ExecutionContext, input: ConsumeInput): Promise<GatewayConsumeReply> {
  const requestId = typeof input?.requestId === "string" ? input.requestId.toLowerCase() : "";
  if (!isRequestId(requestId)) throw new ApprovalError("`requestId`: give the id the `request` operation returned");
  if (typeof input.argumentsHash !== "string" || !SHA256_HEX.test(input.argumentsHash)) {
    throw new ApprovalError("`argumentsHash`: give sha256 of the canonical JSON of the arguments about to run (64 lowercase hex characters)");
  }
  const hash = input.argumentsHash;
  // The database's clock, as the decision's own time is (migration 0004): the window is measured
  // on one clock, which no writer chooses.
  let now = ctx.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<Verdict> => {
    now = await serverTime(tx);
    const verdict = executionVerdict(await ctx.store.lockForExecution(tx, requestId), requestId, hash, now, ctx.windowMs);
    if (!verdict.ok) return verdict;
    // The row is locked; the UPDATE's own guard (executed_at IS NULL) holds even without the lock.
    if (!(await ctx.store.markExecuted(tx, requestId, hash, now))) {
      return { ok: false, state: verdict.state, reason: "already-executed", message: `request ${requestId} was executed by another call just now; an approval runs once` };
    }
    const d = verdict.state.decision!;
    await appendAudit(
      tx,
      {
        kind: "approval.executed",
        agent: ctx.agent,
        actionType: verdict.state.actionType,
        requestId,
        actor: `agent:${ctx.agent}`,
        payload: { argumentsHash: hash, decision: d.decision, decidedBy: d.decidedBy, release: verdict.state.release },
      },
    );
    return verdict;
  });
  if (outcome.ok) return { outcome: "executed", requestId, argumentsHash: hash, executedAt: now.toISOString() };
  if (outcome.state !== undefined) {
    const state = outcome.state;
    await ctx.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          kind: "approval.execution-refused",
          agent: ctx.agent,
          actionType: state.actionType,
          requestId,
          actor: `agent:${ctx.agent}`,
          payload: { reason: outcome.reason, argumentsHash: hash, release: state.release },
        },
      ),
    );
  }
  return { outcome: "refused", requestId, reason: outcome.reason, message: outcome.message };
}
