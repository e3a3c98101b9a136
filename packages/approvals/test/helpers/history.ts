/**
 * A past the tests cannot wait for: requests and decisions dated days or weeks ago, written the
 * only way such rows can be written once the database dates every audit row itself (migration
 * 0003): by the superuser with triggers off, every table row and audit row consistent and the
 * chain's hashes computed. (To the verifier this is a perfect forgery; anchors are what tell it
 * apart in production. Tests that need history use it; no attack test does.)
 */
import { randomUUID } from "node:crypto";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { readAudit } from "../../src/audit/log.ts";
import type { Database } from "../../src/audit/db.ts";
import { asSuperuser, chain, type RowContent } from "./tamper.ts";

export interface PastDecision {
  readonly at: Date;
  readonly tool: string;
  readonly actionType: string;
  readonly tier: "approve" | "always-approve";
  readonly riskClass?: string;
  readonly decision: "approved" | "rejected";
  readonly actor: string;
  readonly via?: "http" | "socket-mode" | "api";
}

/** Appends one request and its decision per entry, dated as given, after the current head. */
export async function writePast(db: Database, agent: string, past: readonly PastDecision[]): Promise<void> {
  const existing = await readAudit(db);
  const last = existing.at(-1);
  const contents: RowContent[] = [];
  await asSuperuser(db, async (tx) => {
    for (const p of past) {
      const id = randomUUID();
      const args = { n: p.at.getTime() };
      const argumentsHash = sha256(canonicalJson(args));
      const via = p.via ?? "http";
      await tx.query(
        `INSERT INTO airlock.approval_requests (id, agent, release, tool, action_type, tier, risk_class, arguments, arguments_hash, status, created_at, decided_at, slack_state)
         VALUES ($1, $2, 'rel-3', $3, $4, $5, $6, $7, $8, $9, $10, $10, 'updated')`,
        [id, agent, p.tool, p.actionType, p.tier, p.riskClass ?? null, JSON.stringify(args), argumentsHash, p.decision, p.at.toISOString()],
      );
      await tx.query("INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, via, attempt_id, decided_at) VALUES ($1, $2, $3, $4, $5, $6)", [id, p.decision, p.actor, via, randomUUID(), p.at.toISOString()]);
      contents.push(
        { at: p.at, kind: "approval.requested", agent, actionType: p.actionType, requestId: id, actor: `agent:${agent}`, payload: { tool: p.tool, tier: p.tier, riskClass: p.riskClass ?? null, release: "rel-3", arguments: args, argumentsHash, traceId: null } },
        { at: p.at, kind: "approval.decided", agent, actionType: p.actionType, requestId: id, actor: p.actor, payload: { decision: p.decision, via, release: "rel-3" } },
      );
    }
    for (const r of chain(contents, last === undefined ? undefined : { seq: last.seq, hash: last.hash })) {
      await tx.query(
        `INSERT INTO airlock.audit_log (seq, at, kind, agent, action_type, request_id, actor, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [r.seq, r.at.toISOString(), r.kind, r.agent, r.actionType ?? null, r.requestId ?? null, r.actor, JSON.stringify(r.payload), r.prevHash, r.hash],
      );
    }
  });
}
