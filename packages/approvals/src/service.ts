/**
 * The approval service. `requestApproval` stores the request (with its audit row, in one
 * transaction) before anything else, then posts it to Slack; if Slack is down the row stays
 * `unposted` and the outbox retries. `decide` records a decision exactly once: the decision
 * table's primary key turns every later insert for the same request into a no-op, so double
 * clicks, Slack retries, replays and two approvers at once leave one decision, across any number
 * of service instances. The Slack message is then updated with the outcome (again through the
 * outbox when Slack fails). A service sees only its own agent's requests: several agents may
 * share one store (one gateway per platform), and another agent's request is "not found" here.
 */
import { randomUUID } from "node:crypto";
import type { RiskClass, Tier } from "@airlock/core";
// Subpath imports keep the gateway's Lambda bundle free of the manifest compiler (zod, yaml, IAM data).
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { redactSecrets } from "@airlock/core/secret-patterns";
import type { WebClient } from "@slack/web-api";
import { appendAudit, jsonSafe } from "./audit.ts";
import type { Database, Queryable } from "./db.ts";
import { decisionButton, editModal, outcomeMessage, requestMessage, ACTION_APPROVE, ACTION_EDIT, EDIT_BLOCK, EDIT_CALLBACK, EDIT_INPUT } from "./blocks.ts";
import { ApprovalError } from "./errors.ts";
import { containsRedaction, redactArguments } from "./redact.ts";
import { SLACK_USER_ID } from "./slack-ids.ts";
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
} from "./types.ts";

/**
 * The Slack calls the service makes (a `WebClient` satisfies it). The bot token needs
 * `chat:write` (post, update, private replies) and `channels:history` (`groups:history` for a
 * private channel): before the outbox posts a request again it reads the channel's recent history
 * for the message its earlier attempt may have posted, so a post Slack accepted but the store never
 * recorded (a crash between the two) is not posted twice. Without a history scope requests are
 * still delivered, with a warning, but such a request may reach approvers twice.
 */
export type SlackApi = Pick<WebClient, "chat" | "views"> & {
  readonly conversations: Pick<WebClient["conversations"], "history">;
  /** Who the bot is, so only its own messages count as earlier posts (another app could copy the metadata). */
  readonly auth: Pick<WebClient["auth"], "test">;
};

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
}

export interface OutboxResult {
  readonly posted: number;
  readonly updated: number;
  readonly failed: number;
}

/** What the Slack endpoint answers: a status and an optional JSON body (modal errors). */
export interface InteractionResponse {
  readonly status: number;
  readonly body?: Readonly<Record<string, unknown>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether `id` has the form of a request id (a UUID). */
export const isRequestId = (id: string): boolean => UUID.test(id);
/** How long a Slack call may hold a row before another instance's outbox may retry it. */
const LEASE_MS = 60_000;
/** Slack message metadata `event_type` of a request's message; its payload names the request and agent. */
export const REQUEST_EVENT_TYPE = "airlock_approval_request";
/** How far before a request's creation its message is looked for (clock skew between this host and Slack). */
const HISTORY_MARGIN_MS = 5 * 60_000;
/** Pages of channel history read before a retried post, newest first (a page is at most 200 messages). */
const HISTORY_PAGES = 5;
const HISTORY_PAGE_SIZE = 200;

interface RequestRow {
  id: string;
  agent: string;
  release: string;
  tool: string;
  action_type: string;
  tier: "approve" | "always-approve";
  risk_class: RiskClass | null;
  arguments: Record<string, unknown>;
  arguments_hash: string;
  trace_id: string | null;
  status: ApprovalRequestRecord["status"];
  created_at: Date | string;
  decided_at: Date | string | null;
  slack_state: ApprovalRequestRecord["slack"]["state"];
  slack_channel: string | null;
  slack_ts: string | null;
  slack_attempts: number;
  slack_last_error: string | null;
}

interface DecisionRow {
  request_id: string;
  decision: DecisionKind;
  decided_by: string;
  edited_arguments: Record<string, unknown> | null;
  via: DecisionVia;
  attempt_id: string;
  decided_at: Date | string;
}

const REQUEST_COLUMNS =
  "id, agent, release, tool, action_type, tier, risk_class, arguments, arguments_hash, trace_id, status, created_at, decided_at, slack_state, slack_channel, slack_ts, slack_attempts, slack_last_error";

const DECISION_COLUMNS = "request_id, decision, decided_by, edited_arguments, via, attempt_id, decided_at";
/** The same columns of `approval_decisions d`, for queries that join the request. */
const DECISION_COLUMNS_OF_D = DECISION_COLUMNS.split(", ").map((c) => `d.${c}`).join(", ");

const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toDecision(r: DecisionRow): DecisionRecord {
  return {
    requestId: r.request_id,
    decision: r.decision,
    decidedBy: r.decided_by,
    ...(r.edited_arguments === null ? {} : { editedArguments: r.edited_arguments }),
    via: r.via,
    decidedAt: asDate(r.decided_at),
  };
}

export class ApprovalService {
  readonly #db: Database;
  readonly #model: ApprovalModel;
  readonly #release: string;
  readonly #slack: SlackApi;
  /** This bot's id (auth.test), once asked. */
  #botId: Promise<string> | undefined;
  readonly #channel: string;
  readonly #approvers: ReadonlySet<string>;
  readonly #traceUrl: ((traceId: string) => string) | undefined;
  readonly #now: () => Date;
  readonly #retryBase: number;
  readonly #retryMax: number;
  readonly #warn: (message: string) => void;
  /** Failures of the history lookup already warned about, by Slack error (each is reported once). */
  readonly #historyWarned = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<OutboxResult> | undefined;

  constructor(options: ApprovalServiceOptions) {
    const problems: string[] = [];
    if (options.release.trim() === "") problems.push("`release`: give the release id or image digest approvers should see");
    if (options.slack.channel.trim() === "") problems.push("`slack.channel`: give the id of the channel requests are posted to (e.g. C0123ABCD)");
    if (options.slack.approvers.length === 0) problems.push("`slack.approvers`: list at least one Slack user id (e.g. U0123ABCD) allowed to decide");
    options.slack.approvers.forEach((a, i) => {
      if (!SLACK_USER_ID.test(a)) problems.push(`\`slack.approvers[${i}]\`: "${a}" is not a Slack user id; use the U… id from the user's profile, not a name`);
    });
    if (problems.length > 0) throw new ApprovalError(`invalid approval service configuration:\n  ${problems.join("\n  ")}`);
    this.#db = options.db;
    this.#model = options.model;
    this.#release = options.release;
    this.#slack = options.slack.client;
    this.#channel = options.slack.channel;
    this.#approvers = new Set(options.slack.approvers);
    this.#traceUrl = options.traceUrl;
    this.#now = options.now ?? (() => new Date());
    this.#retryBase = options.retry?.baseMs ?? 5_000;
    this.#retryMax = options.retry?.maxMs ?? 300_000;
    this.#warn = options.onWarning ?? ((m) => console.warn(m));
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
    if (action.id !== undefined && !UUID.test(action.id)) {
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
            this.#now(),
          ),
        );
      }
      return { status: "auto", ...(tool.actionType === undefined ? {} : { actionType: tool.actionType }) };
    }
    const actionType = tool.actionType;
    const riskClass = this.#model.approvals.find((a) => a.actionType === actionType)?.riskClass;
    const id = (action.id ?? randomUUID()).toLowerCase();
    const now = this.#now();
    const created = await this.#db.transaction(async (tx): Promise<boolean> => {
      const inserted = await tx.query(
        `INSERT INTO airlock.approval_requests
           (id, agent, release, tool, action_type, tier, risk_class, arguments, arguments_hash, trace_id, created_at, slack_next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [id, this.#model.name, this.#release, tool.name, actionType, tier, riskClass ?? null, JSON.stringify(redacted), argumentsHash, action.traceId ?? null, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString()],
      );
      if (inserted.rowCount === 0) {
        const existing = await tx.query<{ agent: string; tool: string; arguments_hash: string }>("SELECT agent, tool, arguments_hash FROM airlock.approval_requests WHERE id = $1", [id]);
        const row = existing.rows[0];
        // Another agent's request under the same id is "a different action" too (and is not revealed).
        if (row !== undefined && (row.agent !== this.#model.name || row.tool !== tool.name || row.arguments_hash !== argumentsHash)) {
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
        now,
      );
      return true;
    });
    const req = await this.getRequest(id);
    let posted = req?.slack.state !== "unposted";
    // Asked again with the id of a stored, unposted request: an earlier post may have reached Slack.
    if (req !== undefined && !posted) posted = await this.#post(req, { retry: !created });
    return { status: "pending", id, actionType, tier, posted };
  }

  /** Records a decision once; every later call for the same request answers `already-decided`. */
  async decide(input: DecideInput): Promise<DecideResult> {
    if (!UUID.test(input.requestId)) return { outcome: "not-found", reason: `"${input.requestId}" is not a request id` };
    const req = await this.getRequest(input.requestId);
    if (req === undefined) return { outcome: "not-found", reason: `no approval request ${input.requestId}` };
    if (!this.#approvers.has(input.actor)) {
      const reason = `<@${input.actor}> is not an approver for ${this.#model.name}`;
      await this.#db.transaction((tx) =>
        appendAudit(
          tx,
          {
            kind: "approval.refused",
            agent: req.agent,
            actionType: req.actionType,
            requestId: req.id,
            actor: input.actor,
            payload: { attempted: input.decision, via: input.via, reason: "not an approver" },
          },
          this.#now(),
        ),
      );
      return { outcome: "refused", reason };
    }
    if (input.decision === "edited") {
      const edited = input.editedArguments;
      if (edited === undefined || edited === null || typeof edited !== "object" || Array.isArray(edited)) {
        throw new ApprovalError("`editedArguments`: an edit needs the new arguments as an object");
      }
      if (containsRedaction(edited)) {
        throw new ApprovalError("`editedArguments`: still contain a [REDACTED:…] value; replace it with the real value or reject the request");
      }
    } else if (input.editedArguments !== undefined) {
      throw new ApprovalError(`\`editedArguments\`: only an \`edited\` decision carries arguments, not \`${input.decision}\``);
    }
    const attemptId = randomUUID();
    const decidedAt = this.#now();
    const edited = input.decision === "edited" ? (jsonSafe(input.editedArguments) as Record<string, unknown>) : undefined;
    const outcome = await this.#db.transaction(async (tx): Promise<{ mine: boolean; after?: RequestRow; existing?: DecisionRow }> => {
      const inserted = await tx.query(
        `INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, edited_arguments, via, attempt_id, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
        [req.id, input.decision, input.actor, edited === undefined ? null : JSON.stringify(edited), input.via, attemptId, decidedAt.toISOString()],
      );
      if (inserted.rowCount === 0) {
        // Someone else's decision, or ours from an attempt whose COMMIT reply was lost.
        const existing = await tx.query<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM airlock.approval_decisions WHERE request_id = $1`, [req.id]);
        const row = existing.rows[0];
        return row === undefined ? { mine: false } : { mine: row.attempt_id === attemptId, existing: row };
      }
      const updated = await tx.query<RequestRow>(
        `UPDATE airlock.approval_requests
            SET status = $2, decided_at = $3,
                slack_state = CASE WHEN slack_ts IS NULL THEN slack_state ELSE 'update-pending' END,
                slack_next_attempt_at = $4
          WHERE id = $1
          RETURNING ${REQUEST_COLUMNS}`,
        [req.id, input.decision, decidedAt.toISOString(), new Date(decidedAt.getTime() + LEASE_MS).toISOString()],
      );
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
        decidedAt,
      );
      return { mine: true, ...(updated.rows[0] === undefined ? {} : { after: updated.rows[0] }) };
    });
    if (!outcome.mine) {
      if (outcome.existing === undefined) throw new Error(`decision for request ${req.id} conflicted but cannot be read`);
      return { outcome: "already-decided", decision: toDecision(outcome.existing) };
    }
    const decision: DecisionRecord =
      outcome.existing !== undefined
        ? toDecision(outcome.existing)
        : { requestId: req.id, decision: input.decision, decidedBy: input.actor, ...(edited === undefined ? {} : { editedArguments: edited }), via: input.via, decidedAt };
    const after = outcome.after !== undefined ? this.#toRequest(outcome.after) : await this.getRequest(req.id);
    if (after !== undefined) await this.#deliverOutcome(after, decision);
    return { outcome: "recorded", decision };
  }

  /** Reports an incident for an action type: it resets that type's autonomy evidence. */
  async recordIncident(input: { readonly actionType: string; readonly description: string; readonly reportedBy: string }): Promise<void> {
    if (!this.#model.approvals.some((a) => a.actionType === input.actionType)) {
      const known = this.#model.approvals.map((a) => a.actionType).join(", ");
      throw new ApprovalError(`\`actionType\`: "${input.actionType}" is not an action type of agent ${this.#model.name}; use one of: ${known}`);
    }
    if (input.description.trim().length < 10) throw new ApprovalError("`description`: say what went wrong in at least 10 characters");
    await this.#db.transaction((tx) =>
      appendAudit(
        tx,
        { kind: "incident", agent: this.#model.name, actionType: input.actionType, actor: input.reportedBy, payload: { description: input.description } },
        this.#now(),
      ),
    );
  }

  /**
   * One of this agent's requests. Another agent's request (several agents share one store behind
   * one gateway) is undefined, as if it did not exist: `decide` and the Edit button go through
   * here, so a service wired to the wrong request can never decide it with its approver list.
   */
  async getRequest(id: string, db: Queryable = this.#db): Promise<ApprovalRequestRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await db.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM airlock.approval_requests WHERE id = $1 AND agent = $2`, [id, this.#model.name]);
    return rows[0] === undefined ? undefined : this.#toRequest(rows[0]);
  }

  /** The decision on one of this agent's requests; undefined while pending and for another agent's request. */
  async getDecision(requestId: string): Promise<DecisionRecord | undefined> {
    if (!UUID.test(requestId)) return undefined;
    const { rows } = await this.#db.query<DecisionRow>(
      `SELECT ${DECISION_COLUMNS_OF_D}
         FROM airlock.approval_decisions d JOIN airlock.approval_requests r ON r.id = d.request_id
        WHERE d.request_id = $1 AND r.agent = $2`,
      [requestId, this.#model.name],
    );
    return rows[0] === undefined ? undefined : toDecision(rows[0]);
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
    const { rows } = await this.#db.query<{ n: string | number; oldest: Date | string | null }>(
      "SELECT count(*) AS n, min(created_at) AS oldest FROM airlock.approval_requests WHERE status = 'pending' AND agent = $1",
      [this.#model.name],
    );
    const oldest = rows[0]?.oldest ?? null;
    return {
      count: Number(rows[0]?.n ?? 0),
      oldestAgeSeconds: oldest === null ? 0 : Math.max(0, Math.floor((this.#now().getTime() - asDate(oldest).getTime()) / 1000)),
    };
  }

  /**
   * Retries Slack deliveries that are due: requests never posted and outcomes never shown.
   * Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so instances do not collide.
   */
  flushOutbox(limit = 50): Promise<OutboxResult> {
    // One flush at a time per instance; a second caller shares the running one.
    this.#flushing ??= this.#flushOnce(limit).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushOnce(limit: number): Promise<OutboxResult> {
    const now = this.#now();
    const claimed = await this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<RequestRow>(
        `SELECT ${REQUEST_COLUMNS} FROM airlock.approval_requests
          WHERE slack_state IN ('unposted', 'update-pending') AND agent = $1
            AND (slack_next_attempt_at IS NULL OR slack_next_attempt_at <= $2)
          ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [this.#model.name, now.toISOString(), limit],
      );
      if (rows.length > 0) {
        await tx.query("UPDATE airlock.approval_requests SET slack_next_attempt_at = $2 WHERE id = ANY($1::uuid[])", [
          rows.map((r) => r.id),
          new Date(now.getTime() + LEASE_MS).toISOString(),
        ]);
      }
      return rows.map((r) => this.#toRequest(r));
    });
    let posted = 0;
    let updated = 0;
    let failed = 0;
    for (const req of claimed) {
      if (req.status === "pending") {
        // Every outbox post is a retry: the first attempt was requestApproval's.
        if (await this.#post(req, { retry: true })) posted++;
        else failed++;
        continue;
      }
      const decision = await this.getDecision(req.id);
      if (decision === undefined) continue;
      if (await this.#deliverOutcome(req, decision)) updated++;
      else failed++;
    }
    return { posted, updated, failed };
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
    await this.#flushing?.catch(() => undefined);
  }

  /**
   * The decision path shared by the HTTP endpoint and Socket Mode: a Slack interaction payload
   * (already authenticated) in, the answer out. Approve and Reject decide; Edit opens a modal
   * whose submission decides `edited`.
   */
  async handleInteraction(payload: unknown, via: Exclude<DecisionVia, "api">): Promise<InteractionResponse> {
    const p = payload as SlackPayload | null;
    if (p === null || typeof p !== "object") return { status: 400, body: { error: "payload is not a JSON object" } };
    const user = p.user?.id;
    if (typeof user !== "string") return { status: 400, body: { error: "payload has no user.id" } };
    if (p.type === "block_actions") {
      const action = decisionButton(p.actions);
      if (action === undefined || typeof action.value !== "string") return { status: 200 };
      const channel = p.container?.channel_id ?? p.channel?.id;
      if (action.action_id === ACTION_EDIT) {
        await this.#openEdit(action.value, user, channel, p.trigger_id, via);
        return { status: 200 };
      }
      const decision: DecisionKind = action.action_id === ACTION_APPROVE ? "approved" : "rejected";
      const result = await this.decide({ requestId: action.value, decision, actor: user, via });
      await this.#tellUser(result, user, channel);
      return { status: 200 };
    }
    if (p.type === "view_submission" && p.view?.callback_id === EDIT_CALLBACK) {
      const requestId = p.view.private_metadata ?? "";
      const text = p.view.state?.values?.[EDIT_BLOCK]?.[EDIT_INPUT]?.value ?? "";
      let edited: unknown;
      try {
        edited = JSON.parse(text);
      } catch (e) {
        return editError(`not valid JSON (${(e as Error).message}); fix it and submit again`);
      }
      if (edited === null || typeof edited !== "object" || Array.isArray(edited)) return editError("must be a JSON object of named arguments");
      if (containsRedaction(edited)) return editError("still contains a [REDACTED:…] value; replace it with the real value or reject the request instead");
      const result = await this.decide({ requestId, decision: "edited", actor: user, editedArguments: edited as Record<string, unknown>, via });
      if (result.outcome === "recorded") return { status: 200 };
      if (result.outcome === "already-decided") return editError(`already ${result.decision.decision} by <@${result.decision.decidedBy}>; nothing was changed`);
      return editError(result.reason);
    }
    return { status: 200 };
  }

  async #openEdit(requestId: string, user: string, channel: string | undefined, triggerId: string | undefined, via: Exclude<DecisionVia, "api">): Promise<void> {
    const req = await this.getRequest(requestId);
    if (req === undefined) return;
    if (!this.#approvers.has(user)) {
      await this.#db.transaction((tx) =>
        appendAudit(
          tx,
          { kind: "approval.refused", agent: req.agent, actionType: req.actionType, requestId: req.id, actor: user, payload: { attempted: "edited", via, reason: "not an approver" } },
          this.#now(),
        ),
      );
      await this.#tellUser({ outcome: "refused", reason: `<@${user}> is not an approver for ${this.#model.name}` }, user, channel);
      return;
    }
    const decision = await this.getDecision(req.id);
    if (decision !== undefined) {
      await this.#tellUser({ outcome: "already-decided", decision }, user, channel);
      return;
    }
    if (triggerId === undefined) return;
    try {
      await this.#slack.views.open({ trigger_id: triggerId, view: editModal(req) as never });
    } catch (e) {
      this.#warn(`airlock approvals: could not open the edit modal for request ${req.id}: ${describeError(e)}`);
    }
  }

  /** Tells the clicking user, privately, why nothing happened (best effort). */
  async #tellUser(result: DecideResult, user: string, channel: string | undefined): Promise<void> {
    if (channel === undefined || result.outcome === "recorded") return;
    const text =
      result.outcome === "already-decided"
        ? `Already ${result.decision.decision} by <@${result.decision.decidedBy}> at ${result.decision.decidedAt.toISOString()}; your click changed nothing.`
        : `Not recorded: ${result.reason}.`;
    try {
      await this.#slack.chat.postEphemeral({ channel, user, text });
    } catch (e) {
      this.#warn(`airlock approvals: could not tell ${user}: ${describeError(e)}`);
    }
  }

  /**
   * Posts a request and records its message. A `retry` first looks for the message an earlier
   * attempt may have posted without recording it, and records that one instead of posting again.
   */
  async #post(req: ApprovalRequestRecord, options: { readonly retry: boolean }): Promise<boolean> {
    let call = "chat.postMessage";
    try {
      const found = options.retry ? await this.#findPosted(req) : undefined;
      if (found !== undefined) {
        call = `recording message ${found} found in the channel history`;
        await this.#recordPosted(req, this.#channel, found);
        return true;
      }
      const message = requestMessage(req);
      const r = await this.#slack.chat.postMessage({
        channel: this.#channel,
        text: message.text,
        blocks: message.blocks as never,
        metadata: { event_type: REQUEST_EVENT_TYPE, event_payload: { request_id: req.id, agent: req.agent } },
        unfurl_links: false,
        unfurl_media: false,
      });
      if (typeof r.ts !== "string") throw new Error("chat.postMessage returned no ts");
      await this.#recordPosted(req, typeof r.channel === "string" ? r.channel : this.#channel, r.ts);
      return true;
    } catch (e) {
      await this.#failed(req, call, e);
      return false;
    }
  }

  /** Records the request's Slack message; a request decided meanwhile still needs its outcome shown. */
  async #recordPosted(req: ApprovalRequestRecord, channel: string, ts: string): Promise<void> {
    await this.#db.query(
      `UPDATE airlock.approval_requests
          SET slack_channel = $2, slack_ts = $3, slack_attempts = slack_attempts + 1, slack_last_error = NULL,
              slack_state = CASE WHEN status = 'pending' THEN 'posted' ELSE 'update-pending' END,
              slack_next_attempt_at = CASE WHEN status = 'pending' THEN NULL ELSE slack_next_attempt_at END
        WHERE id = $1`,
      [req.id, channel, ts],
    );
  }

  /**
   * The ts of the request's message if the channel already holds it (matched by its metadata),
   * reading at most HISTORY_PAGES pages back to shortly before the request was created. A failed
   * lookup (no history scope, Slack down) is warned about once and answers undefined: delivery
   * goes on, at the risk of a duplicate, rather than waiting on a scope.
   */
  async #findPosted(req: ApprovalRequestRecord): Promise<string | undefined> {
    const oldest = ((req.createdAt.getTime() - HISTORY_MARGIN_MS) / 1000).toFixed(6);
    let cursor: string | undefined;
    try {
      this.#botId ??= this.#slack.auth.test().then((a) => {
        if (typeof a.bot_id !== "string") throw new Error("auth.test returned no bot_id: the service needs a bot token (xoxb-)");
        return a.bot_id;
      });
      const botId = await this.#botId.catch((e: unknown) => {
        this.#botId = undefined; // ask again next time
        throw e;
      });
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const r = await this.#slack.conversations.history({
          channel: this.#channel,
          oldest,
          include_all_metadata: true,
          limit: HISTORY_PAGE_SIZE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const hit = r.messages?.find(
          (m) =>
            m.bot_id === botId &&
            m.metadata?.event_type === REQUEST_EVENT_TYPE &&
            (m.metadata.event_payload as { request_id?: unknown } | undefined)?.request_id === req.id,
        );
        if (typeof hit?.ts === "string") return hit.ts;
        cursor = r.response_metadata?.next_cursor;
        if (cursor === undefined || cursor === "") return undefined;
      }
    } catch (e) {
      this.#warnHistoryFailure(e);
    }
    return undefined;
  }

  #warnHistoryFailure(e: unknown): void {
    const data = (e as { data?: { error?: unknown; needed?: unknown } } | null)?.data;
    const error = typeof data?.error === "string" ? data.error : "other";
    if (this.#historyWarned.has(error)) return;
    this.#historyWarned.add(error);
    const scopes = "channels:history (groups:history for a private channel)";
    if (error === "missing_scope") {
      const needed = typeof data?.needed === "string" && data.needed !== "" ? data.needed : scopes;
      this.#warn(
        `airlock approvals: the Slack app lacks the ${needed} scope (conversations.history answered missing_scope), so the outbox cannot see whether a request it retries was already posted; ` +
          `until ${needed} is granted, approvers may see a request twice. Requests are still posted.`,
      );
      return;
    }
    this.#warn(
      `airlock approvals: could not read the history of channel ${this.#channel} before retrying a post (conversations.history: ${redactSecrets(describeError(e)).slice(0, 300)}); ` +
        `requests are still posted, but approvers may see one twice. The Slack app needs ${scopes}.`,
    );
  }

  async #deliverOutcome(req: ApprovalRequestRecord, decision: DecisionRecord): Promise<boolean> {
    if (req.slack.ts === undefined || req.slack.channel === undefined) {
      if (req.slack.state !== "unposted") return true;
      // The request's message may be in Slack with its ts unrecorded (its buttons may be what was
      // clicked): record it and update it in place rather than post the outcome beside it.
      const found = await this.#findPosted(req);
      if (found !== undefined) {
        try {
          await this.#recordPosted(req, this.#channel, found);
        } catch (e) {
          await this.#failed(req, `recording message ${found} found in the channel history`, e);
          return false;
        }
        return this.#deliverOutcome({ ...req, slack: { ...req.slack, state: "update-pending", channel: this.#channel, ts: found, attempts: req.slack.attempts + 1 } }, decision);
      }
      // Decided before the request ever reached Slack: post the outcome instead.
      const message = outcomeMessage(req, decision);
      try {
        const r = await this.#slack.chat.postMessage({ channel: this.#channel, text: message.text, blocks: message.blocks as never, unfurl_links: false });
        await this.#db.query(
          "UPDATE airlock.approval_requests SET slack_state = 'updated', slack_channel = $2, slack_ts = $3, slack_attempts = slack_attempts + 1, slack_last_error = NULL, slack_next_attempt_at = NULL WHERE id = $1",
          [req.id, typeof r.channel === "string" ? r.channel : this.#channel, r.ts ?? null],
        );
        return true;
      } catch (e) {
        await this.#failed(req, "chat.postMessage", e);
        return false;
      }
    }
    const message = outcomeMessage(req, decision);
    try {
      await this.#slack.chat.update({ channel: req.slack.channel, ts: req.slack.ts, text: message.text, blocks: message.blocks as never });
      await this.#db.query(
        "UPDATE airlock.approval_requests SET slack_state = 'updated', slack_attempts = slack_attempts + 1, slack_last_error = NULL, slack_next_attempt_at = NULL WHERE id = $1",
        [req.id],
      );
      return true;
    } catch (e) {
      await this.#failed(req, "chat.update", e);
      return false;
    }
  }

  async #failed(req: ApprovalRequestRecord, call: string, e: unknown): Promise<void> {
    const attempts = req.slack.attempts + 1;
    const delay = Math.min(this.#retryMax, this.#retryBase * 2 ** Math.min(20, attempts - 1));
    const message = redactSecrets(`${call}: ${describeError(e)}`).slice(0, 500);
    this.#warn(`airlock approvals: request ${req.id}: ${message}; retrying in ${Math.round(delay / 1000)} s`);
    try {
      await this.#db.query(
        "UPDATE airlock.approval_requests SET slack_attempts = slack_attempts + 1, slack_last_error = $2, slack_next_attempt_at = $3 WHERE id = $1",
        [req.id, message, new Date(this.#now().getTime() + delay).toISOString()],
      );
    } catch (dbError) {
      // The row keeps its lease time, so the outbox still retries it; nothing is lost.
      this.#warn(`airlock approvals: request ${req.id}: could not record the Slack failure: ${describeError(dbError)}`);
    }
  }

  #toRequest(r: RequestRow): ApprovalRequestRecord {
    return {
      id: r.id,
      agent: r.agent,
      release: r.release,
      tool: r.tool,
      actionType: r.action_type,
      tier: r.tier,
      ...(r.risk_class === null ? {} : { riskClass: r.risk_class }),
      arguments: r.arguments,
      argumentsHash: r.arguments_hash,
      ...(r.trace_id === null ? {} : { traceId: r.trace_id, ...(this.#traceUrl === undefined ? {} : { traceUrl: this.#traceUrl(r.trace_id) }) }),
      status: r.status,
      createdAt: asDate(r.created_at),
      ...(r.decided_at === null ? {} : { decidedAt: asDate(r.decided_at) }),
      slack: {
        state: r.slack_state,
        ...(r.slack_channel === null ? {} : { channel: r.slack_channel }),
        ...(r.slack_ts === null ? {} : { ts: r.slack_ts }),
        attempts: Number(r.slack_attempts),
        ...(r.slack_last_error === null ? {} : { lastError: r.slack_last_error }),
      },
    };
  }
}

function editError(message: string): InteractionResponse {
  return { status: 200, body: { response_action: "errors", errors: { [EDIT_BLOCK]: message } } };
}

function describeError(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; data?: { error?: unknown } };
  const slackError = typeof err?.data?.error === "string" ? ` (${err.data.error})` : "";
  return `${typeof err?.message === "string" ? err.message : String(e)}${slackError}`;
}

/** The parts of Slack's interaction payloads the service reads. */
interface SlackPayload {
  type?: string;
  user?: { id?: string };
  trigger_id?: string;
  container?: { channel_id?: string; message_ts?: string };
  channel?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
  view?: {
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
}
