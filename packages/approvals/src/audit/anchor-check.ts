/**
 * The audit log against its newest signed anchor (`anchor.ts` reads it): the anchored head is still
 * in the log unchanged, nothing after it is dated into its past, and nothing after it is older than
 * the grace. `verifyAuditLog` runs these when it is given an anchor.
 */
import { AUDIT_ANCHOR } from "@airlock/core/contracts";
import type { Queryable } from "./db.ts";
import type { AnchoredHead, AuditProblem } from "./log.ts";

/**
 * How long a row may stand after the newest signed anchor before verify fails it as unanchored:
 * two of the schedule's periods. The gateway anchors right after each decision commits and the
 * schedule every `AUDIT_ANCHOR.everyMinutes` minutes retries, so only rows of the last few minutes
 * are ever legitimately past the newest anchor; older ones mean the writer stopped or anchors are
 * being withheld, and a database superuser could rewrite them consistently.
 */
export const UNANCHORED_GRACE_MS = 2 * AUDIT_ANCHOR.everyMinutes * 60_000;

/** The anchored head against the log: still there, unchanged, and nothing dated into its past. */
export async function checkAnchor(db: Queryable, anchor: AnchoredHead): Promise<AuditProblem[]> {
  const problems: AuditProblem[] = [];
  const at = `the anchor of ${anchor.time.toISOString()} (${anchor.source})`;
  if (anchor.sequence > 0) {
    const { rows } = await db.query<{ hash: string }>("SELECT hash FROM airlock.audit_log WHERE seq = $1", [anchor.sequence]);
    const found = rows[0]?.hash;
    if (found === undefined) {
      problems.push({ seq: anchor.sequence, kind: "anchor", message: `row ${anchor.sequence}, the head signed in ${at}, is no longer in the log; rows were removed (cut from its end, or deleted and the rest renumbered)` });
    } else if (found !== anchor.hash) {
      problems.push({
        seq: anchor.sequence,
        kind: "anchor",
        message: `row ${anchor.sequence} has hash ${found.slice(0, 12)}…, not ${anchor.hash.slice(0, 12)}… signed in ${at}; the chain up to it was rewritten (rows inserted, deleted or changed, hashes recomputed)`,
      });
    }
  } else if (!/^0{64}$/.test(anchor.hash)) {
    problems.push({ seq: 0, kind: "anchor", message: `${at} signs an empty log with a hash other than the genesis hash; the anchor is malformed` });
  }
  const { rows } = await db.query<{ seq: string | number; at: Date | string }>(
    "SELECT seq, at FROM airlock.audit_log WHERE seq > $1 AND at < $2 ORDER BY seq LIMIT 100",
    [anchor.sequence, anchor.time.toISOString()],
  );
  for (const r of rows) {
    const when = (r.at instanceof Date ? r.at : new Date(r.at)).toISOString();
    problems.push({ seq: Number(r.seq), kind: "backdated", message: `row ${Number(r.seq)} comes after the head signed in ${at} but is dated ${when}, before it; it was written later and dated into the anchored past` });
  }
  return problems;
}

/**
 * The rows after the anchored head: each must be younger than the grace (else no signed head
 * covers it and it could have been rewritten with every hash recomputed) and not dated in the
 * future (which would keep it "young" forever). Those within the grace are counted, not failed.
 */
export async function checkUnanchored(db: Queryable, anchor: AnchoredHead, now: Date, graceMs: number): Promise<{ problems: AuditProblem[]; pending?: { rows: number; fromSeq: number; oldest: Date } }> {
  const { rows } = await db.query<{ n: string | number; from_seq: string | number | null; oldest: Date | string | null; stale: string | number; first_stale: string | number | null; future: string | number; first_future: string | number | null }>(
    `SELECT count(*) AS n, min(seq) AS from_seq, min(at) AS oldest,
            count(*) FILTER (WHERE at < $2) AS stale, min(seq) FILTER (WHERE at < $2) AS first_stale,
            count(*) FILTER (WHERE at > $3) AS future, min(seq) FILTER (WHERE at > $3) AS first_future
       FROM airlock.audit_log WHERE seq > $1`,
    [anchor.sequence, new Date(now.getTime() - graceMs).toISOString(), new Date(now.getTime() + graceMs).toISOString()],
  );
  const r = rows[0]!;
  const minutes = Math.round(graceMs / 60_000);
  const problems: AuditProblem[] = [];
  if (Number(r.stale) > 0) {
    problems.push({
      seq: Number(r.first_stale),
      kind: "unanchored",
      message: `${Number(r.stale)} row${Number(r.stale) === 1 ? "" : "s"} from row ${Number(r.first_stale)} on, after the newest signed anchor (row ${anchor.sequence}, ${anchor.source}), ${Number(r.stale) === 1 ? "is" : "are"} older than ${minutes} minutes: no signed head covers ${Number(r.stale) === 1 ? "it" : "them"}, so a rewrite with recomputed hashes cannot be told from the truth; the gateway anchors each decision and every ${AUDIT_ANCHOR.everyMinutes} minutes, so its anchor writes are failing or newer anchors are missing`,
    });
  }
  if (Number(r.future) > 0) {
    problems.push({ seq: Number(r.first_future), kind: "unanchored", message: `row ${Number(r.first_future)} after the newest signed anchor is dated more than ${minutes} minutes after this verification's clock (${now.toISOString()}); it was dated ahead to stay inside the grace` });
  }
  const n = Number(r.n);
  return { problems, ...(n === 0 || r.from_seq === null || r.oldest === null ? {} : { pending: { rows: n, fromSeq: Number(r.from_seq), oldest: r.oldest instanceof Date ? r.oldest : new Date(r.oldest) } }) };
}
