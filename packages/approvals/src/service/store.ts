/**
 * The approval service's rows in PostgreSQL: `airlock.approval_requests` (with its execution,
 * set once by `consume`) and `airlock.approval_decisions`, their row types, and every query the
 * service and its outbox run.
 * A store is bound to one agent: reads see only that agent's requests (several agents may share
 * one database behind one gateway). Nothing here decides or talks to Slack.
 */
import type { RiskClass } from "@airlock/core";
import type { Database, Queryable } from "../audit/db.ts";
import type { ApprovalRequestRecord, DecisionKind, DecisionRecord, DecisionVia } from "../types.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether `id` has the form of a request id (a UUID). */
export const isRequestId = (id: string): boolean => UUID.test(id);
/** How long a Slack call may hold a row before another instance's outbox may retry it. */
export const LEASE_MS = 60_000;

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

export const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

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

/** What `consume` needs of a request: its state, its decision and whether it ran. */
export interface ExecutionState {
  readonly id: string;
  readonly release: string;
  readonly actionType: string;
  readonly status: ApprovalRequestRecord["status"];
  /** sha256 of the canonical original arguments. */
  readonly argumentsHash: string;
  readonly executedAt?: Date;
  readonly executedHash?: string;
  readonly decision?: DecisionRecord;
}

/** A new request's columns, as `requestApproval` stores it. */
export interface NewRequest {
  readonly id: string;
  readonly release: string;
  readonly tool: string;
  readonly actionType: string;
  readonly tier: "approve" | "always-approve";
  readonly riskClass: RiskClass | undefined;
  readonly arguments: Record<string, unknown>;
  readonly argumentsHash: string;
  readonly traceId: string | undefined;
  readonly createdAt: Date;
}

/** A new decision's columns; `attemptId` tells this attempt's insert from an earlier one's. */
export interface NewDecision {
  readonly requestId: string;
  readonly decision: DecisionKind;
  readonly decidedBy: string;
  readonly editedArguments: Record<string, unknown> | undefined;
  readonly via: DecisionVia;
  readonly attemptId: string;
  /**
   * The caller's clock, for the Slack lease only: the database dates the decision itself
   * (`clock_timestamp()` inside `airlock.record_decision`, migration 0004).
   */
  readonly decidedAt: Date;
}

export class RequestStore {
  readonly db: Database;
  readonly #agent: string;
  readonly #traceUrl: ((traceId: string) => string) | undefined;

  constructor(options: { readonly db: Database; readonly agent: string; readonly traceUrl: ((traceId: string) => string) | undefined }) {
    this.db = options.db;
    this.#agent = options.agent;
    this.#traceUrl = options.traceUrl;
  }

  /** Inserts the request unless its id exists; false when it did (nothing is changed then). */
  async insertRequest(tx: Queryable, r: NewRequest): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO airlock.approval_requests
         (id, agent, release, tool, action_type, tier, risk_class, arguments, arguments_hash, trace_id, created_at, slack_next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [r.id, this.#agent, r.release, r.tool, r.actionType, r.tier, r.riskClass ?? null, JSON.stringify(r.arguments), r.argumentsHash, r.traceId ?? null, r.createdAt.toISOString(), new Date(r.createdAt.getTime() + LEASE_MS).toISOString()],
    );
    return inserted.rowCount !== 0;
  }

  /** What a stored request under `id` is, of any agent: enough to tell the same action from another. */
  async requestIdentity(tx: Queryable, id: string): Promise<{ readonly agent: string; readonly tool: string; readonly argumentsHash: string } | undefined> {
    const existing = await tx.query<{ agent: string; tool: string; arguments_hash: string }>("SELECT agent, tool, arguments_hash FROM airlock.approval_requests WHERE id = $1", [id]);
    const row = existing.rows[0];
    return row === undefined ? undefined : { agent: row.agent, tool: row.tool, argumentsHash: row.arguments_hash };
  }

  /**
   * Records the decision unless the request has one, through `airlock.record_decision` (migration
   * 0003: the service role holds no INSERT on decisions and no UPDATE of a status; the function
   * stores the decision and moves the request's status and Slack state with it). Returns whether
   * this call stored it, whether the stored decision is this attempt's (`mine`, also when an
   * earlier try of the same attempt committed without our seeing it), and the stored decision
   * when the call was a no-op.
   */
  async recordDecision(tx: Queryable, d: NewDecision): Promise<{ readonly mine: boolean; readonly inserted: boolean; readonly existing?: DecisionRecord }> {
    const { rows } = await tx.query<{ inserted: boolean }>(
      "SELECT airlock.record_decision($1, $2, $3, $4, $5, $6, $7, $8) AS inserted",
      [d.requestId, d.decision, d.decidedBy, d.editedArguments === undefined ? null : JSON.stringify(d.editedArguments), d.via, d.attemptId, d.decidedAt.toISOString(), new Date(d.decidedAt.getTime() + LEASE_MS).toISOString()],
    );
    // Read back in every case: the row carries the database's time (ours when inserted), or
    // someone else's decision, or ours from an attempt whose COMMIT reply was lost.
    const existing = await tx.query<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM airlock.approval_decisions WHERE request_id = $1`, [d.requestId]);
    const row = existing.rows[0];
    if (rows[0]?.inserted === true) return { mine: true, inserted: true, ...(row === undefined ? {} : { existing: toDecision(row) }) };
    return row === undefined ? { mine: false, inserted: false } : { mine: row.attempt_id === d.attemptId, inserted: false, existing: toDecision(row) };
  }

  /** One of this agent's requests; undefined for another agent's and for a malformed id. */
  async getRequest(id: string, db: Queryable = this.db): Promise<ApprovalRequestRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await db.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM airlock.approval_requests WHERE id = $1 AND agent = $2`, [id, this.#agent]);
    return rows[0] === undefined ? undefined : this.#toRequest(rows[0]);
  }

  /** The decision on one of this agent's requests; undefined while pending and for another agent's request. */
  async getDecision(requestId: string): Promise<DecisionRecord | undefined> {
    if (!UUID.test(requestId)) return undefined;
    const { rows } = await this.db.query<DecisionRow>(
      `SELECT ${DECISION_COLUMNS_OF_D}
         FROM airlock.approval_decisions d JOIN airlock.approval_requests r ON r.id = d.request_id
        WHERE d.request_id = $1 AND r.agent = $2`,
      [requestId, this.#agent],
    );
    return rows[0] === undefined ? undefined : toDecision(rows[0]);
  }

  /**
   * One of this agent's requests as `consume` reads it, with its decision, the row locked (FOR
   * UPDATE) until the caller's transaction ends; undefined for another agent's request.
   */
  async lockForExecution(tx: Queryable, requestId: string): Promise<ExecutionState | undefined> {
    if (!UUID.test(requestId)) return undefined;
    const { rows } = await tx.query<{ id: string; release: string; action_type: string; status: ApprovalRequestRecord["status"]; arguments_hash: string; executed_at: Date | string | null; executed_hash: string | null }>(
      "SELECT id::text AS id, release, action_type, status, arguments_hash, executed_at, executed_hash FROM airlock.approval_requests WHERE id = $1 AND agent = $2 FOR UPDATE",
      [requestId, this.#agent],
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    const decided = await tx.query<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM airlock.approval_decisions WHERE request_id = $1`, [requestId]);
    return {
      id: r.id,
      release: r.release,
      actionType: r.action_type,
      status: r.status,
      argumentsHash: r.arguments_hash,
      ...(r.executed_at === null ? {} : { executedAt: asDate(r.executed_at) }),
      ...(r.executed_hash === null ? {} : { executedHash: r.executed_hash }),
      ...(decided.rows[0] === undefined ? {} : { decision: toDecision(decided.rows[0]) }),
    };
  }

  /**
   * Records the request executed with `argumentsHash`, once: false when it already was (the
   * UPDATE matches only a row not executed yet, so two processes cannot both succeed).
   */
  async markExecuted(tx: Queryable, requestId: string, argumentsHash: string, at: Date): Promise<boolean> {
    const updated = await tx.query(
      `UPDATE airlock.approval_requests SET executed_at = $3, executed_hash = $2
        WHERE id = $1 AND agent = $4 AND executed_at IS NULL AND status IN ('approved', 'edited')
        RETURNING id`,
      [requestId, argumentsHash, at.toISOString(), this.#agent],
    );
    return updated.rowCount !== 0;
  }

  /** How many of this agent's requests are pending, and when the oldest was created. */
  async pending(): Promise<{ readonly count: number; readonly oldest: Date | undefined }> {
    const { rows } = await this.db.query<{ n: string | number; oldest: Date | string | null }>(
      "SELECT count(*) AS n, min(created_at) AS oldest FROM airlock.approval_requests WHERE status = 'pending' AND agent = $1",
      [this.#agent],
    );
    const oldest = rows[0]?.oldest ?? null;
    return { count: Number(rows[0]?.n ?? 0), oldest: oldest === null ? undefined : asDate(oldest) };
  }

  /**
   * Claims up to `limit` of this agent's rows whose Slack delivery is due at `now` (FOR UPDATE
   * SKIP LOCKED, then a lease), so outboxes of several instances do not collide.
   */
  async claimDue(now: Date, limit: number): Promise<ApprovalRequestRecord[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<RequestRow>(
        `SELECT ${REQUEST_COLUMNS} FROM airlock.approval_requests
          WHERE slack_state IN ('unposted', 'update-pending') AND agent = $1
            AND (slack_next_attempt_at IS NULL OR slack_next_attempt_at <= $2)
          ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [this.#agent, now.toISOString(), limit],
      );
      if (rows.length > 0) {
        await tx.query("UPDATE airlock.approval_requests SET slack_next_attempt_at = $2 WHERE id = ANY($1::uuid[])", [
          rows.map((r) => r.id),
          new Date(now.getTime() + LEASE_MS).toISOString(),
        ]);
      }
      return rows.map((r) => this.#toRequest(r));
    });
  }

  /** Records the request's Slack message; a request decided meanwhile still needs its outcome shown. */
  async recordPosted(requestId: string, channel: string, ts: string): Promise<void> {
    await this.db.query(
      `UPDATE airlock.approval_requests
          SET slack_channel = $2, slack_ts = $3, slack_attempts = slack_attempts + 1, slack_last_error = NULL,
              slack_state = CASE WHEN status = 'pending' THEN 'posted' ELSE 'update-pending' END,
              slack_next_attempt_at = CASE WHEN status = 'pending' THEN NULL ELSE slack_next_attempt_at END
        WHERE id = $1`,
      [requestId, channel, ts],
    );
  }

  /** Records an outcome posted as a message of its own (the request never reached Slack). */
  async recordOutcomePosted(requestId: string, channel: string, ts: string | null): Promise<void> {
    await this.db.query(
      "UPDATE airlock.approval_requests SET slack_state = 'updated', slack_channel = $2, slack_ts = $3, slack_attempts = slack_attempts + 1, slack_last_error = NULL, slack_next_attempt_at = NULL WHERE id = $1",
      [requestId, channel, ts],
    );
  }

  /** Records the request's message updated with its outcome. */
  async recordOutcomeShown(requestId: string): Promise<void> {
    await this.db.query(
      "UPDATE airlock.approval_requests SET slack_state = 'updated', slack_attempts = slack_attempts + 1, slack_last_error = NULL, slack_next_attempt_at = NULL WHERE id = $1",
      [requestId],
    );
  }

  /** Records a failed Slack call and when the outbox may try again. */
  async recordFailure(requestId: string, message: string, nextAttemptAt: Date): Promise<void> {
    await this.db.query(
      "UPDATE airlock.approval_requests SET slack_attempts = slack_attempts + 1, slack_last_error = $2, slack_next_attempt_at = $3 WHERE id = $1",
      [requestId, message, nextAttemptAt.toISOString()],
    );
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
