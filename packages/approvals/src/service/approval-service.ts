/**
 * The approval service. `requestApproval` stores the request (with its audit row, in one
 * transaction) before anything else, then posts it to Slack; if Slack is down the row stays
 * `unposted` and the outbox retries. `decide` records a decision exactly once: the decision
 * table's primary key turns every later insert for the same request into a no-op, so double
 * clicks, Slack retries, replays and two approvers at once leave one decision, across any number
 * of service instances. The Slack message is then updated with the outcome (again through the
 * outbox when Slack fails). A service sees only its own agent's requests: several agents may
 * share one store (one gateway per platform), and another agent's request is "not found" here.
 *
 * This file holds the policy (which tool needs whom, who may decide, what an edit may carry);
 * the rows are in store.ts, the Slack deliveries in outbox.ts, the clicks in interactions.ts.
 */
import { randomUUID } from "node:crypto";
import type { Tier } from "@airlock/core";
// Subpath imports keep the gateway's Lambda bundle free of the manifest compiler (zod, yaml, IAM data).
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { appendAudit, jsonSafe } from "../audit/log.ts";
import { anchorNow, type AnchorLocation } from "../audit/anchor.ts";
import type { Database, Queryable } from "../audit/db.ts";
import { ApprovalError } from "../errors.ts";
import { containsRedaction, redactArguments } from "../redact.ts";
import { SLACK_USER_ID } from "../slack/slack-ids.ts";
import type {
  ApprovalAction,
  ApprovalModel,
  ApprovalRequestRecord,
  DecideInput,
  DecideResult,
  DecisionKind,
  DecisionRecord,
  DecisionVia,
  RequestApprovalResult,
} from "../types.ts";
import { handleInteraction, type InteractionContext, type InteractionResponse } from "./interactions.ts";
import { SlackOutbox, type OutboxResult, type SlackApi } from "./outbox.ts";
import { RequestStore, isRequestId } from "./store.ts";
import { auditThisRefusal } from "./refusals.ts";
import { argumentsProblem } from "./arguments.ts";
import { DEFAULT_EXECUTION_WINDOW_MS, consumeApproval, type ConsumeInput } from "./execution.ts";
import type { GatewayConsumeReply } from "@airlock/core/contracts";

export interface ApprovalServiceOptions {
  readonly db: Database;
  /** The agent's compiled model: tools, action types and tiers come from it. */
  readonly model: ApprovalModel;
  /** Release shown to approvers and recorded with each request (a release id or image digest). */
  readonly release: string;
  readonly slack: {
    readonly client: SlackApi;
    /** Channel id requests are posted to. */
    readonly channel: string;
    /** Slack user ids allowed to decide; anyone else is refused (and the attempt audited). */
    readonly approvers: readonly string[];
  };
  /**
   * Link from a trace id to the trace viewer.
   * @default - the trace id is shown without a link
   */
  readonly traceUrl?: (traceId: string) => string;
  /** @default - the system clock */
  readonly now?: () => Date;
  /**
   * Delay before the outbox retries a failed Slack call: `baseMs * 2^(attempts-1)`, at most `maxMs`.
   * @default { baseMs: 5000, maxMs: 300000 }
   */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  /**
   * Where delivery failures are reported.
   * @default - `console.warn`
   */
  readonly onWarning?: (message: string) => void;
  /**
   * How long after its decision an approved request may still be executed (`consume`).
   * @default - `APPROVAL_RECEIPT.ttlSeconds` of `@airlock/core/contracts` (15 minutes), the runtime's receipt lifetime
   */
  readonly executionWindowMs?: number;
  /**
   * Where to anchor the audit head right after each decision commits (the gateway passes its own).
   * @default - no anchor of its own: only the schedule's
   */
  readonly anchor?: AnchorLocation;
}

export class ApprovalService {
  readonly #db: Database;
  readonly #model: ApprovalModel;
  readonly #release: string;
  readonly #approvers: ReadonlySet<string>;
  readonly #now: () => Date;
  readonly #warn: (message: string) => void;
  readonly #store: RequestStore;
  readonly #outbox: SlackOutbox;
  readonly #interactions: InteractionContext;
  readonly #executionWindowMs: number;
  readonly #anchor: AnchorLocation | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ApprovalServiceOptions) {
    const problems: string[] = [];
    if (options.release.trim() === "") problems.push("`release`: give the release id or image digest approvers should see");
    if (options.slack.channel.trim() === "") problems.push("`slack.channel`: give the id of the channel requests are posted to (e.g. C0123ABCD)");
    if (options.slack.approvers.length === 0) problems.push("`slack.approvers`: list at least one Slack user id (e.g. U0123ABCD) allowed to decide");
    options.slack.approvers.forEach((a, i) => {
      if (!SLACK_USER_ID.test(a)) problems.push(`\`slack.approvers[${i}]\`: "${a}" is not a Slack user id; use the U… id from the user's profile, not a name`);
    });
    if (options.executionWindowMs !== undefined && !(Number.isFinite(options.executionWindowMs) && options.executionWindowMs > 0)) {
      problems.push(`\`executionWindowMs\`: ${options.executionWindowMs} is not a positive number of milliseconds`);
    }
    if (problems.length > 0) throw new ApprovalError(`invalid approval service configuration:\n  ${problems.join("\n  ")}`);
    this.#db = options.db;
    this.#model = options.model;
    this.#release = options.release;
    this.#approvers = new Set(options.slack.approvers);
    this.#now = options.now ?? (() => new Date());
    this.#warn = options.onWarning ?? ((m) => console.warn(m));
    this.#executionWindowMs = options.executionWindowMs ?? DEFAULT_EXECUTION_WINDOW_MS;
    this.#anchor = options.anchor;
    this.#store = new RequestStore({ db: options.db, agent: options.model.name, traceUrl: options.traceUrl });
    this.#outbox = new SlackOutbox({
      store: this.#store,
      slack: options.slack.client,
      channel: options.slack.channel,
      now: this.#now,
      retry: { baseMs: options.retry?.baseMs ?? 5_000, maxMs: options.retry?.maxMs ?? 300_000 },
      warn: this.#warn,
    });
    this.#interactions = {
      slack: options.slack.client,
      warn: this.#warn,
      decide: (input) => this.decide(input),
      getRequest: (id) => this.getRequest(id),
      getDecision: (id) => this.getDecision(id),
      refusal: (req, user, attempted, via) => this.#refusal(req, user, attempted, via),
    };
  }

  get agent(): string {
    return this.#model.name;
  }

  /**
   * Asks a human before an outward action. Returns `auto` when the tool's tier is `auto` (outward
   * auto actions are still audited), else stores the request, posts it to Slack and returns
   * `pending`; wait with `waitForDecision`. Throws `ApprovalError` for a tool the model lacks.
   */
  async requestApproval(action: ApprovalAction): Promise<RequestApprovalResult> {
    const tool = this.#model.tools.find((t) => t.name === action?.tool);
    if (tool === undefined) {
      const known = this.#model.tools.map((t) => t.name).join(", ");
      throw new ApprovalError(`\`action.tool\`: "${String(action?.tool)}" is not a tool of agent ${this.#model.name}; use one of: ${known}`);
    }
    if (action.arguments === null || typeof action.arguments !== "object" || Array.isArray(action.arguments)) {
      throw new ApprovalError("`action.arguments`: must be an object of the tool call's named arguments");
    }
    // Too deep to walk, or text the store would alter (arguments.ts): refused on every path, not only the gateway's.
    const problem = argumentsProblem(action.arguments);
    if (problem !== undefined) throw new ApprovalError(problem);
    if (action.id !== undefined && !isRequestId(action.id)) {
      throw new ApprovalError(`\`action.id\`: "${action.id}" is not a UUID; omit it or pass crypto.randomUUID()`);
    }
    const redacted = jsonSafe(redactArguments(action.arguments)) as Record<string, unknown>;
    const argumentsHash = sha256(canonicalJson(action.arguments));
    const tier: Tier = tool.tier;
    if (tier === "auto" || tool.actionType === undefined) {
      if (tool.outward) {
        await this.#db.transaction((tx) =>
          appendAudit(
            tx,
            {
              kind: "action.auto",
              agent: this.#model.name,
              ...(tool.actionType === undefined ? {} : { actionType: tool.actionType }),
              actor: `agent:${this.#model.name}`,
              payload: { tool: tool.name, release: this.#release, arguments: redacted, argumentsHash, traceId: action.traceId ?? null },
            },
          ),
        );
      }
      return { status: "auto", ...(tool.actionType === undefined ? {} : { actionType: tool.actionType }) };
    }
    const actionType = tool.actionType;
    const riskClass = this.#model.riskLines.find((a) => a.actionType === actionType)?.riskClass;
    const id = (action.id ?? randomUUID()).toLowerCase();
    const now = this.#now();
    const created = await this.#db.transaction(async (tx): Promise<boolean> => {
      const inserted = await this.#store.insertRequest(tx, {
        id,
        release: this.#release,
        tool: tool.name,
        actionType,
        tier,
        riskClass,
        arguments: redacted,
        argumentsHash,
        traceId: action.traceId,
        createdAt: now,
      });
      if (!inserted) {
        const row = await this.#store.requestIdentity(tx, id);
        // Another agent's request under the same id is "a different action" too (and is not revealed).
        if (row !== undefined && (row.agent !== this.#model.name || row.tool !== tool.name || row.argumentsHash !== argumentsHash)) {
          throw new ApprovalError(`\`action.id\`: request ${id} already exists for a different action; use a new id for a new action`);
        }
        return false;
      }
      await appendAudit(
        tx,
        {
          kind: "approval.requested",
          agent: this.#model.name,
          actionType,
          requestId: id,
          actor: `agent:${this.#model.name}`,
          payload: { tool: tool.name, tier, riskClass: riskClass ?? null, release: this.#release, arguments: redacted, argumentsHash, traceId: action.traceId ?? null },
        },
      );
      return true;
    });
    const req = await this.getRequest(id);
    let posted = req?.slack.state !== "unposted";
    // Asked again with the id of a stored, unposted request: an earlier post may have reached Slack.
    if (req !== undefined && !posted) posted = await this.#outbox.post(req, { retry: !created });
    return { status: "pending", id, actionType, tier, posted };
  }

  /** Records a decision once; every later call for the same request answers `already-decided`. */
  async decide(input: DecideInput): Promise<DecideResult> {
    if (!isRequestId(input.requestId)) return { outcome: "not-found", reason: `"${input.requestId}" is not a request id` };
    const req = await this.getRequest(input.requestId);
    if (req === undefined) return { outcome: "not-found", reason: `no approval request ${input.requestId}` };
    const refused = await this.#refusal(req, input.actor, input.decision, input.via);
    if (refused !== undefined) return refused;
    if (input.decision === "edited") {
      const edited = input.editedArguments;
      if (edited === undefined || edited === null || typeof edited !== "object" || Array.isArray(edited)) {
        throw new ApprovalError("`editedArguments`: an edit needs the new arguments as an object");
      }
      const problem = argumentsProblem(edited, "editedArguments");
      if (problem !== undefined) throw new ApprovalError(problem);
      if (containsRedaction(edited)) {
        throw new ApprovalError("`editedArguments`: still contain a [REDACTED:…] value; replace it with the real value or reject the request");
      }
    } else if (input.editedArguments !== undefined) {
      throw new ApprovalError(`\`editedArguments\`: only an \`edited\` decision carries arguments, not \`${input.decision}\``);
    }
    const attemptId = randomUUID();
    const decidedAt = this.#now();
    const edited = input.decision === "edited" ? (jsonSafe(input.editedArguments) as Record<string, unknown>) : undefined;
    const outcome = await this.#db.transaction(async (tx): Promise<{ mine: boolean; after?: ApprovalRequestRecord; existing?: DecisionRecord }> => {
      // The one path that records a decision: airlock.record_decision stores it and moves the
      // request's status with it (the service role may do neither directly; migration 0003).
      const stored = await this.#store.recordDecision(tx, { requestId: req.id, decision: input.decision, decidedBy: input.actor, editedArguments: edited, via: input.via, attemptId, decidedAt });
      if (!stored.inserted) return { mine: stored.mine, ...(stored.existing === undefined ? {} : { existing: stored.existing }) };
      const after = await this.#store.getRequest(req.id, tx);
      await appendAudit(
        tx,
        {
          kind: "approval.decided",
          agent: req.agent,
          actionType: req.actionType,
          requestId: req.id,
          actor: input.actor,
          payload: {
            decision: input.decision,
            via: input.via,
            release: req.release,
            ...(edited === undefined ? {} : { editedArguments: redactArguments(edited), editedArgumentsHash: sha256(canonicalJson(edited)) }),
          },
        },
      );
      // The stored decision, dated by the database (migration 0004), is what the caller gets.
      return { mine: true, ...(after === undefined ? {} : { after }), ...(stored.existing === undefined ? {} : { existing: stored.existing }) };
    });
    if (!outcome.mine) {
      if (outcome.existing === undefined) throw new Error(`decision for request ${req.id} conflicted but cannot be read`);
      return { outcome: "already-decided", decision: outcome.existing };
    }
    const decision: DecisionRecord =
      outcome.existing !== undefined
        ? outcome.existing
        : { requestId: req.id, decision: input.decision, decidedBy: input.actor, ...(edited === undefined ? {} : { editedArguments: edited }), via: input.via, decidedAt };
    // Signed at once, so a superuser cannot rewrite the decision in the schedule's window.
    await anchorNow(this.#db, this.#anchor, this.#warn);
    const after = outcome.after ?? (await this.getRequest(req.id));
    if (after !== undefined) await this.#outbox.deliverOutcome(after, decision);
    return { outcome: "recorded", decision };
  }

  /**
   * Who may decide: a configured approver, for this agent's requests. Anyone else is refused and
   * the attempt audited; undefined when `actor` may decide `req`.
   */
  async #refusal(req: ApprovalRequestRecord, actor: string, attempted: DecisionKind, via: DecisionVia): Promise<DecideResult | undefined> {
    if (this.#approvers.has(actor)) return undefined;
    // Refused every time, audited once per person, request, decision, path and minute (refusals.ts).
    await this.#db.transaction(async (tx) => {
      if (!(await auditThisRefusal(tx, { requestId: req.id, actor, attempted, via }))) return;
      await appendAudit(
        tx,
        { kind: "approval.refused", agent: req.agent, actionType: req.actionType, requestId: req.id, actor, payload: { attempted, via, reason: "not an approver" } },
      );
    });
    return { outcome: "refused", reason: `<@${actor}> is not an approver for ${this.#model.name}` };
  }

  /** Reports an incident for an action type: it resets that type's autonomy evidence. */
  async recordIncident(input: { readonly actionType: string; readonly description: string; readonly reportedBy: string }): Promise<void> {
    if (!this.#model.riskLines.some((a) => a.actionType === input.actionType)) {
      const known = this.#model.riskLines.map((a) => a.actionType).join(", ");
      throw new ApprovalError(`\`actionType\`: "${input.actionType}" is not an action type of agent ${this.#model.name}; use one of: ${known}`);
    }
    if (input.description.trim().length < 10) throw new ApprovalError("`description`: say what went wrong in at least 10 characters");
    await this.#db.transaction((tx) =>
      appendAudit(
        tx,
        { kind: "incident", agent: this.#model.name, actionType: input.actionType, actor: input.reportedBy, payload: { description: input.description } },
      ),
    );
  }

  /**
   * One of this agent's requests. Another agent's request (several agents share one store behind
   * one gateway) is undefined, as if it did not exist: `decide` and the Edit button go through
   * here, so a service wired to the wrong request can never decide it with its approver list.
   */
  async getRequest(id: string, db: Queryable = this.#db): Promise<ApprovalRequestRecord | undefined> {
    return this.#store.getRequest(id, db);
  }

  /** The decision on one of this agent's requests; undefined while pending and for another agent's request. */
  async getDecision(requestId: string): Promise<DecisionRecord | undefined> {
    return this.#store.getDecision(requestId);
  }

  /**
   * Records, once, that the agent is executing an approved request with the arguments whose
   * canonical hash is `argumentsHash` (the request's own when approved, the approver's when
   * edited). Any later call for the same request, from any process, is refused, and so are other
   * arguments, a pending or rejected request and an approval older than `executionWindowMs`;
   * each refusal is audited. The agent runs the action only after an `executed` answer.
   */
  async consume(input: ConsumeInput): Promise<GatewayConsumeReply> {
    return consumeApproval({ db: this.#db, store: this.#store, agent: this.#model.name, now: this.#now, windowMs: this.#executionWindowMs }, input);
  }

  /** Polls until the request is decided (works across instances); undefined on timeout. */
  async waitForDecision(requestId: string, options: { readonly timeoutMs?: number; readonly pollMs?: number } = {}): Promise<DecisionRecord | undefined> {
    const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
    for (;;) {
      const d = await this.getDecision(requestId);
      if (d !== undefined) return d;
      if (Date.now() >= deadline) return undefined;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1_000));
    }
  }

  /** Pending requests and the age of the oldest, for the "approvals waiting too long" alarm. */
  async pendingSummary(): Promise<{ readonly count: number; readonly oldestAgeSeconds: number }> {
    const { count, oldest } = await this.#store.pending();
    return {
      count,
      oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, Math.floor((this.#now().getTime() - oldest.getTime()) / 1000)),
    };
  }

  /**
   * Retries Slack deliveries that are due: requests never posted and outcomes never shown.
   * Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so instances do not collide.
   */
  flushOutbox(limit = 50): Promise<OutboxResult> {
    return this.#outbox.flush(limit);
  }

  /** Runs the outbox every `intervalMs` until `stop()`. */
  start(intervalMs = 10_000): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.flushOutbox().catch((e: unknown) => this.#warn(`airlock approvals: outbox run failed: ${(e as Error).message}`));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#outbox.idle();
  }

  /**
   * The decision path shared by the HTTP endpoint and Socket Mode: a Slack interaction payload
   * (already authenticated) in, the answer out. Approve and Reject decide; Edit opens a modal
   * whose submission decides `edited`.
   */
  async handleInteraction(payload: unknown, via: Exclude<DecisionVia, "api">): Promise<InteractionResponse> {
    return handleInteraction(this.#interactions, payload, via);
  }
}
