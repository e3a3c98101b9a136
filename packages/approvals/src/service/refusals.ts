/**
 * Refused clicks, audited at a bounded rate. Every click by someone who is not an approver is
 * refused, but a person clicking again and again on one request would otherwise append one audit
 * row (and take the chain's lock) per click, forever: the log, and every other writer waiting on
 * the lock, would be theirs to flood. A refusal is audited when it is the first by that person on
 * that request, for that decision through that path (an Approve click, an Edit through Socket
 * Mode), within `REFUSAL_AUDIT_WINDOW_S` seconds of the database server's clock; the rest are
 * refused without a row. Checked under the chain's lock, so two instances cannot both audit.
 */
import type { Queryable } from "../audit/db.ts";
import { AUDIT_LOCK } from "../audit/log.ts";

/** Seconds within which one person's further refused clicks on one request are not audited again. */
export const REFUSAL_AUDIT_WINDOW_S = 60;

/** Whether this refusal gets an audit row: false when the same person was refused on the same request within the window. Takes the chain's lock. */
export async function auditThisRefusal(tx: Queryable, refusal: { readonly requestId: string; readonly actor: string; readonly attempted: string; readonly via: string }): Promise<boolean> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [AUDIT_LOCK]);
  const { rows } = await tx.query<{ recent: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM airlock.audit_log
        WHERE request_id = $1 AND kind = 'approval.refused' AND actor = $2
          AND payload->>'attempted' = $3 AND payload->>'via' = $4
          AND at > clock_timestamp() - make_interval(secs => $5)
     ) AS recent`,
    [refusal.requestId, refusal.actor, refusal.attempted, refusal.via, REFUSAL_AUDIT_WINDOW_S],
  );
  return rows[0]?.recent !== true;
}
