/**
 * The audit log against the tables it records, both ways. A request, a decision and an execution
 * each write their audit row in the same transaction as the row itself, so:
 * - a request, decision or execution without its audit row is a row removed from the log;
 * - an `approval.requested`, `approval.decided` or `approval.executed` row without its request,
 *   decision or execution (or not matching it: another decision, approver, channel or hash), or a
 *   second one for the same request, is a row written beside the service's path (forged);
 * - a request whose status is not its decision's (or decided without a decision, or pending with
 *   one) had its status changed behind the decision.
 * The chain alone cannot see any of these when the tamperer recomputed the hashes.
 */
import type { Queryable } from "./db.ts";
import type { AuditProblem } from "./log.ts";

/** At most this many findings per check (a wholesale forgery need not be listed row by row). */
const LIMIT = 100;

/** Findings of the cross-checks; `lastSeq` is the log's last row (where removals show). */
export async function crossCheck(db: Queryable, lastSeq: number): Promise<AuditProblem[]> {
  const problems: AuditProblem[] = [];
  const unrecorded = await db.query<{ id: string; what: string }>(
    `SELECT r.id::text AS id, 'request' AS what FROM airlock.approval_requests r
       WHERE NOT EXISTS (SELECT 1 FROM airlock.audit_log a WHERE a.request_id = r.id AND a.kind = 'approval.requested')
     UNION ALL
     SELECT d.request_id::text, 'decision' FROM airlock.approval_decisions d
       WHERE NOT EXISTS (SELECT 1 FROM airlock.audit_log a WHERE a.request_id = d.request_id AND a.kind = 'approval.decided')
     UNION ALL
     SELECT r.id::text, 'execution' FROM airlock.approval_requests r
       WHERE r.executed_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM airlock.audit_log a WHERE a.request_id = r.id AND a.kind = 'approval.executed')
     ORDER BY 1, 2 LIMIT ${LIMIT}`,
  );
  for (const u of unrecorded.rows) {
    problems.push({ seq: lastSeq, kind: "unrecorded", message: `${u.what} for request ${u.id} has no audit row; audit rows were deleted (the log ends at row ${lastSeq})` });
  }

  // Audit rows that record what the tables do not hold.
  const forged = await db.query<{ seq: string | number; kind: string; id: string | null; why: string }>(
    `SELECT a.seq, a.kind, a.request_id::text AS id,
            CASE
              WHEN a.kind = 'approval.requested' AND r.id IS NULL THEN 'no such request is stored'
              WHEN a.kind = 'approval.requested' THEN 'the stored request has another agent, action type or arguments hash'
              WHEN a.kind = 'approval.decided' AND d.request_id IS NULL THEN 'the request has no recorded decision'
              WHEN a.kind = 'approval.decided' THEN 'the recorded decision is ' || d.decision || ' by ' || d.decided_by || ' via ' || d.via
              WHEN a.kind = 'approval.executed' AND (r.id IS NULL OR r.executed_at IS NULL) THEN 'the request is not recorded as executed'
              ELSE 'the request was executed with another arguments hash'
            END AS why
       FROM airlock.audit_log a
       LEFT JOIN airlock.approval_requests r ON r.id = a.request_id
       LEFT JOIN airlock.approval_decisions d ON d.request_id = a.request_id
      WHERE (a.kind = 'approval.requested'
              AND (r.id IS NULL OR r.agent <> a.agent OR r.action_type IS DISTINCT FROM a.action_type OR r.arguments_hash IS DISTINCT FROM a.payload ->> 'argumentsHash'))
         OR (a.kind = 'approval.decided'
              AND (d.request_id IS NULL OR d.decision IS DISTINCT FROM a.payload ->> 'decision' OR d.decided_by <> a.actor OR d.via IS DISTINCT FROM a.payload ->> 'via'))
         OR (a.kind = 'approval.executed'
              AND (r.id IS NULL OR r.executed_at IS NULL OR r.executed_hash IS DISTINCT FROM a.payload ->> 'argumentsHash'))
      ORDER BY a.seq LIMIT ${LIMIT}`,
  );
  for (const f of forged.rows) {
    problems.push({
      seq: Number(f.seq),
      kind: "forged",
      message: `row ${Number(f.seq)}: the ${f.kind} row for request ${f.id ?? "(none)"} does not match the tables (${f.why}); it was written beside the service's path`,
    });
  }

  const duplicates = await db.query<{ id: string; kind: string; seqs: (string | number)[] }>(
    `SELECT request_id::text AS id, kind, array_agg(seq ORDER BY seq) AS seqs FROM airlock.audit_log
      WHERE kind IN ('approval.requested', 'approval.decided', 'approval.executed') AND request_id IS NOT NULL
      GROUP BY request_id, kind HAVING count(*) > 1 ORDER BY min(seq) LIMIT ${LIMIT}`,
  );
  for (const d of duplicates.rows) {
    const seqs = d.seqs.map(Number);
    problems.push({
      seq: seqs[1]!,
      kind: "forged",
      message: `rows ${seqs.join(", ")}: request ${d.id} has ${seqs.length} ${d.kind} rows; a request is recorded once, so all but one were forged`,
    });
  }

  // Statuses against decisions: the request row moves with its decision, in one transaction.
  const statuses = await db.query<{ id: string; status: string; decision: string | null }>(
    `SELECT r.id::text AS id, r.status, d.decision FROM airlock.approval_requests r
       LEFT JOIN airlock.approval_decisions d ON d.request_id = r.id
      WHERE (d.request_id IS NULL AND (r.status <> 'pending' OR r.decided_at IS NOT NULL))
         OR (d.request_id IS NOT NULL AND (r.status <> d.decision OR r.decided_at IS DISTINCT FROM d.decided_at))
      ORDER BY 1 LIMIT ${LIMIT}`,
  );
  for (const s of statuses.rows) {
    problems.push({
      seq: lastSeq,
      kind: "inconsistent",
      message:
        s.decision === null
          ? `request ${s.id} has status ${s.status} but no recorded decision; its status was changed behind the decision`
          : `request ${s.id} has status ${s.status} but its recorded decision is ${s.decision}; its status was changed behind the decision`,
    });
  }
  return problems;
}
