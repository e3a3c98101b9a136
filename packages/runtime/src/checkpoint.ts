/**
 * The human checkpoint client. For a call that needs a person it invokes the agent's own alias of
 * the approval gateway (`TASK_ENV.approvalFunction`, with the task role's IAM credentials): it
 * asks (`request`), waits for the decision (`decision`, polled with bounded exponential backoff
 * until a deadline), and turns an approval into a {@link Receipt}: the exact arguments to run (the
 * approver's when they edited them), their canonical hash, single use, with an expiry.
 *
 * `execute(receipt, fn)` spends the receipt: it hashes the arguments it is about to pass to `fn`,
 * asks the gateway to record the execution (`consume`), and calls `fn` only on `executed`. The
 * service records an execution once per request, in its database, so a second use of a receipt
 * (in this process, another process or another container) is refused, and so is a receipt whose
 * arguments were changed, a rejected or pending request and an approval past its lifetime.
 * Rejections, timeouts, a failing gateway and refused receipts come back as tool results for the
 * model, never as exceptions.
 */
import { randomUUID } from "node:crypto";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { APPROVAL_RECEIPT, TASK_ENV } from "@airlock/core/contracts";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { AirlockRuntimeError } from "./errors.ts";
import { GatewayClient, isAliasArn, type DecisionReply, type LambdaInvoker } from "./gateway-client.ts";
import { refusal, type ToolRefusal } from "./tool-result.ts";

/** What a person approved: run exactly these arguments, once, before `expiresAt`. */
export interface Receipt {
  readonly requestId: string;
  readonly tool: string;
  /** The arguments to run: the agent's own when approved, the approver's when edited. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** sha256 of `canonicalJson(arguments)` (`@airlock/core/hash`): what the service checks. */
  readonly argumentsHash: string;
  readonly decision: "approved" | "edited";
  /** Slack user id of the approver. */
  readonly decidedBy: string;
  readonly decidedAt: string;
  /** The decision time plus the receipt's lifetime; the service refuses the receipt after it. */
  readonly expiresAt: string;
}

/** How a checkpoint ended: a receipt, or a tool result for the model. */
export type CheckpointOutcome = { readonly ok: true; readonly receipt: Receipt } | ToolRefusal;

/** The result of spending a receipt: `fn`'s value, or a tool result when the receipt was refused. */
export type ExecuteOutcome<T> = { readonly ok: true; readonly value: T; readonly receipt: Receipt } | ToolRefusal;

export interface CheckpointOptions {
  /**
   * ARN of the agent's alias of the approval gateway.
   * @default - the task's `AIRLOCK_APPROVAL_FUNCTION` (`TASK_ENV.approvalFunction`), which AgentDeployment sets
   */
  readonly functionArn?: string;
  /**
   * The release the agent runs, recorded with each request.
   * @default - the task's `AIRLOCK_RELEASE` (`TASK_ENV.release`)
   */
  readonly release?: string;
  /**
   * The Lambda client (anything with `send(InvokeCommand)`).
   * @default - `new LambdaClient({})`: the task role's credentials and the task's region
   */
  readonly lambda?: LambdaInvoker;
  /**
   * How long to wait for a decision before the call comes back to the model as timed out.
   * @default 600000 (10 minutes)
   */
  readonly deadlineMs?: number;
  /**
   * Polling: the first wait, its growth per poll and the longest wait.
   * @default { initialMs: 1000, factor: 2, maxMs: 15000 }
   */
  readonly backoff?: { readonly initialMs?: number; readonly factor?: number; readonly maxMs?: number };
  /**
   * How long a receipt may be spent after its decision (the service enforces its own window,
   * `APPROVAL_RECEIPT.ttlSeconds`, whichever is shorter wins).
   * @default - `APPROVAL_RECEIPT.ttlSeconds` of `@airlock/core/contracts` (15 minutes)
   */
  readonly receiptTtlMs?: number;
  /** @default - `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - the system clock */
  readonly now?: () => Date;
  /** @default - `setTimeout` */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Options of one `ask`. */
export interface AskOptions {
  /** Trace id of the agent run, linked from the Slack message. */
  readonly traceId?: string;
  /**
   * Idempotency key of the request (a UUID): asking again with it returns the stored request.
   * @default - a new random UUID
   */
  readonly requestId?: string;
  /** Told each time the checkpoint polls (for a timeline). */
  readonly onPoll?: (attempt: number, waitedMs: number) => void;
}

const positive = (v: number | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new AirlockRuntimeError(`\`${name}\`: ${v} is not a positive number`);
  return v;
};

/** JSON's own copy of `args`: what the person saw, what is hashed and what runs. */
function jsonCopy(args: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

export class HumanCheckpoint {
  readonly functionArn: string;
  readonly release: string;
  readonly #gateway: GatewayClient;
  readonly #deadlineMs: number;
  readonly #backoff: { readonly initialMs: number; readonly factor: number; readonly maxMs: number };
  readonly #ttlMs: number;
  readonly #now: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;

  /** Throws `AirlockRuntimeError` when the gateway's alias or the release is missing or malformed. */
  constructor(options: CheckpointOptions = {}) {
    const env = options.env ?? process.env;
    const arn = options.functionArn ?? env[TASK_ENV.approvalFunction] ?? "";
    const release = options.release ?? env[TASK_ENV.release] ?? "";
    const problems: string[] = [];
    if (arn === "") problems.push(`\`${TASK_ENV.approvalFunction}\`: not set; AgentDeployment sets it when a tool needs approval (or pass \`functionArn\`)`);
    else if (!isAliasArn(arn)) problems.push(`\`functionArn\`: "${arn}" is not a Lambda alias ARN (…:function:<gateway>:<agent>); invoke the gateway through the agent's own alias`);
    if (release.trim() === "") problems.push(`\`${TASK_ENV.release}\`: not set; AgentDeployment sets it (or pass \`release\`)`);
    if (problems.length > 0) throw new AirlockRuntimeError(`the human checkpoint cannot start:\n  ${problems.join("\n  ")}`);
    this.functionArn = arn;
    this.release = release;
    this.#gateway = new GatewayClient(options.lambda ?? new LambdaClient({}), arn);
    this.#deadlineMs = positive(options.deadlineMs, "deadlineMs", 600_000);
    const b = options.backoff ?? {};
    this.#backoff = { initialMs: positive(b.initialMs, "backoff.initialMs", 1_000), factor: positive(b.factor, "backoff.factor", 2), maxMs: positive(b.maxMs, "backoff.maxMs", 15_000) };
    if (this.#backoff.factor < 1) throw new AirlockRuntimeError(`\`backoff.factor\`: ${this.#backoff.factor} must be at least 1`);
    this.#ttlMs = positive(options.receiptTtlMs, "receiptTtlMs", APPROVAL_RECEIPT.ttlSeconds * 1000);
    this.#now = options.now ?? (() => new Date());
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Asks a person about calling `tool` with `args` and waits for the decision until the
   * deadline: a receipt when approved (or edited, with the approver's arguments), else a tool
   * result saying it was rejected, timed out or could not be asked.
   */
  async ask(tool: string, args: Readonly<Record<string, unknown>>, options: AskOptions = {}): Promise<CheckpointOutcome> {
    const start = this.#now().getTime();
    const deadline = new Date(start + this.#deadlineMs);
    const asked = jsonCopy(args);
    let id: string;
    try {
      const r = await this.#gateway.request(this.release, { tool, arguments: asked, id: options.requestId ?? randomUUID(), ...(options.traceId === undefined ? {} : { traceId: options.traceId }) });
      if (r.status === "auto") {
        // The gateway's model holds the tool as automatic while this agent's guard wants a person:
        // the two disagree, and a call that should wait must not run unasked.
        return refusal(
          tool,
          "approval-unavailable",
          `The call to "${tool}" needs a person's approval, but the approval gateway does not hold "${tool}" as needing one (the deployed gateway and this agent's model disagree). It was not run; tell the user it cannot be done now.`,
        );
      }
      id = r.id;
    } catch (e) {
      return refusal(tool, "approval-unavailable", `The call to "${tool}" needs a person's approval, and the approval gateway could not be asked (${(e as Error).message}). It was not run; you may try again later or tell the user.`);
    }
    let delay = this.#backoff.initialMs;
    let lastError: string | undefined;
    for (let attempt = 1; ; attempt++) {
      let d: DecisionReply | undefined;
      try {
        d = await this.#gateway.decision(id);
        lastError = undefined;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (d !== undefined) return this.#receipt(tool, asked, d);
      const left = deadline.getTime() - this.#now().getTime();
      if (left <= 0) break;
      options.onPoll?.(attempt, this.#now().getTime() - start);
      await this.#sleep(Math.min(delay, left));
      delay = Math.min(this.#backoff.maxMs, delay * this.#backoff.factor);
    }
    return refusal(
      tool,
      "timeout",
      `No one decided on the call to "${tool}" (approval request ${id}) before the deadline, ${deadline.toISOString()}; it was not run.${lastError === undefined ? "" : ` The approval gateway was failing: ${lastError}.`} Tell the user the action is waiting for approval; do not retry it now.`,
      id,
    );
  }

  #receipt(tool: string, asked: Record<string, unknown>, d: DecisionReply): CheckpointOutcome {
    if (d.decision === "rejected") {
      return refusal(tool, "rejected", `A person (<@${d.decidedBy}>) rejected the call to "${tool}" (approval request ${d.requestId}); it was not run. Do not retry it; tell the user, or ask what to change.`, d.requestId);
    }
    const args = d.decision === "edited" ? jsonCopy(d.editedArguments ?? {}) : asked;
    const decidedAt = new Date(d.decidedAt);
    const receipt: Receipt = {
      requestId: d.requestId,
      tool,
      arguments: args,
      argumentsHash: sha256(canonicalJson(args)),
      decision: d.decision,
      decidedBy: d.decidedBy,
      decidedAt: decidedAt.toISOString(),
      expiresAt: new Date(decidedAt.getTime() + this.#ttlMs).toISOString(),
    };
    return { ok: true, receipt: deepFreeze(receipt) };
  }

  /**
   * Spends `receipt`: records the execution with the gateway and runs `fn` with the receipt's
   * arguments only when the service answers `executed`. `fn`'s own error is rethrown (the action
   * was recorded as executed: it ran, and failed). A refused or expired receipt, or a gateway
   * that cannot be reached, is a tool result and `fn` does not run.
   */
  async execute<T>(receipt: Receipt, fn: (args: Readonly<Record<string, unknown>>) => T | Promise<T>): Promise<ExecuteOutcome<T>> {
    // What runs is what is hashed: a copy taken now, frozen, whatever happens to the receipt object.
    const args = deepFreeze(jsonCopy(receipt.arguments));
    const hash = sha256(canonicalJson(args));
    const tool = receipt.tool;
    if (this.#now().getTime() > Date.parse(receipt.expiresAt)) {
      return refusal(tool, "receipt-refused", `The approval of "${tool}" (request ${receipt.requestId}) expired at ${receipt.expiresAt}; it was not run. Ask for approval again if it is still needed.`, receipt.requestId);
    }
    let reply;
    try {
      reply = await this.#gateway.consume(receipt.requestId, hash);
    } catch (e) {
      return refusal(tool, "approval-unavailable", `The approved call to "${tool}" (request ${receipt.requestId}) could not be recorded with the approval gateway (${(e as Error).message}), so it was not run. You may try again later.`, receipt.requestId);
    }
    if (reply.outcome !== "executed") {
      return refusal(tool, "receipt-refused", `The approved call to "${tool}" was not run: ${reply.message}.`, receipt.requestId);
    }
    return { ok: true, value: await fn(args), receipt };
  }
}

/** A {@link HumanCheckpoint} for the task's gateway alias; throws `AirlockRuntimeError` when it must not start. */
export function createCheckpoint(options: CheckpointOptions = {}): HumanCheckpoint {
  return new HumanCheckpoint(options);
}
