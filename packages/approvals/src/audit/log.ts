/**
 * The audit log: append-only and hash-chained. Row n's hash is
 * sha256(canonicalJson(content of row n) + "\n" + hash of row n-1), starting from 64 zeros, and
 * seq is gapless from 1. Appends serialise on a transaction-scoped advisory lock, so concurrent
 * writers (several service instances) still build one chain. `verifyAuditLog` recomputes the
 * chain and names the first row of every break.
 */
import { canonicalJson, setOwn, sha256 } from "@airlock/core/hash";
import type { Queryable } from "./db.ts";
import { crossCheck } from "./cross-check.ts";
import { checkAnchor, checkUnanchored, UNANCHORED_GRACE_MS } from "./anchor-check.ts";

export { UNANCHORED_GRACE_MS };

/** `prev_hash` of the first row. */
export const GENESIS_HASH = "0".repeat(64);
/** Advisory lock key that serialises appends (the same constant in every process). */
export const AUDIT_LOCK = 7_231_002;

export type AuditKind =
  | "approval.requested"
  | "approval.decided"
  | "approval.refused"
  /** The agent executed an approved request (the gateway's `consume`): once per request. */
  | "approval.executed"
  /** A `consume` the service refused: a second use of a receipt, other arguments, an expired or unapproved request. */
  | "approval.execution-refused"
  | "action.auto"
  | "incident";

export interface AuditEntry {
  readonly kind: AuditKind;
  readonly agent: string;
  readonly actionType?: string;
  readonly requestId?: string;
  /** Who caused the row: a Slack user id, `agent:<name>`, or an operator. */
  readonly actor: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface AuditRow extends AuditEntry {
  readonly seq: number;
  readonly at: Date;
  readonly prevHash: string;
  readonly hash: string;
}

interface DbRow {
  seq: string | number | bigint;
  at: Date | string;
  kind: string;
  agent: string;
  action_type: string | null;
  request_id: string | null;
  actor: string;
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/**
 * `value` as it will come back from a jsonb column: plain JSON (no undefined, functions or
 * class instances), with NUL characters and lone surrogates, which jsonb refuses, replaced by
 * U+FFFD. Hashing this form means a row read back hashes the same as when it was written.
 */
export function jsonSafe(value: unknown): unknown {
  const clean = (s: string) => s.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return clean(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      // setOwn: a `__proto__` key is kept as JSON.parse made it (`out[k] = v` would drop it).
      for (const [k, x] of Object.entries(v)) setOwn(out, clean(k), walk(x));
      return out;
    }
    return v;
  };
  const text = JSON.stringify(value);
  return text === undefined ? null : walk(JSON.parse(text));
}

/** The exact text hashed for a row (everything but its own hash). */
export function canonicalRowContent(row: Omit<AuditRow, "hash" | "prevHash">): string {
  return canonicalJson({
    seq: row.seq,
    at: row.at.toISOString(),
    kind: row.kind,
    agent: row.agent,
    actionType: row.actionType ?? null,
    requestId: row.requestId ?? null,
    actor: row.actor,
    payload: row.payload,
  });
}

export function rowHash(row: Omit<AuditRow, "hash" | "prevHash">, prevHash: string): string {
  return sha256(`${canonicalRowContent(row)}\n${prevHash}`);
}

/**
 * Appends one row inside the caller's transaction (so the row commits with the change it
 * records). Takes the chain lock until that transaction ends. The row is dated by the database
 * server's clock (`clock_timestamp()`, to the millisecond), never the writer's: the trigger of
 * migration 0003 refuses any other date, so evidence time cannot be chosen by whoever writes.
 */
export async function appendAudit(tx: Queryable, entry: AuditEntry): Promise<AuditRow> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [AUDIT_LOCK]);
  const { rows } = await tx.query<{ seq: string | number; hash: string }>(
    "SELECT seq, hash FROM airlock.audit_log ORDER BY seq DESC LIMIT 1",
  );
  const head = rows[0];
  const seq = head === undefined ? 1 : Number(head.seq) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const when = await serverTime(tx);
  const payload = jsonSafe(entry.payload) as Record<string, unknown>;
  const row: AuditRow = {
    seq,
    at: when,
    kind: entry.kind,
    agent: entry.agent,
    ...(entry.actionType === undefined ? {} : { actionType: entry.actionType }),
    ...(entry.requestId === undefined ? {} : { requestId: entry.requestId }),
    actor: entry.actor,
    payload,
    prevHash,
    hash: "",
  };
  const hash = rowHash(row, prevHash);
  await tx.query(
    `INSERT INTO airlock.audit_log (seq, at, kind, agent, action_type, request_id, actor, payload, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [seq, when.toISOString(), entry.kind, entry.agent, entry.actionType ?? null, entry.requestId ?? null, entry.actor, JSON.stringify(payload), prevHash, hash],
  );
  return { ...row, hash };
}

/**
 * The database server's clock now, to the millisecond (a timestamp read back from the column then
 * hashes the same), as UTC text so neither driver's date parsing can shift it.
 */
export async function serverTime(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ at: string }>(
    `SELECT to_char(date_trunc('milliseconds', clock_timestamp()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`,
  );
  return new Date(rows[0]!.at);
}

function fromDb(r: DbRow): AuditRow {
  return {
    seq: Number(r.seq),
    at: r.at instanceof Date ? r.at : new Date(r.at),
    kind: r.kind as AuditKind,
    agent: r.agent,
    ...(r.action_type === null ? {} : { actionType: r.action_type }),
    ...(r.request_id === null ? {} : { requestId: r.request_id }),
    actor: r.actor,
    payload: r.payload,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const COLUMNS = "seq, at, kind, agent, action_type, request_id, actor, payload, prev_hash, hash";

/** Audit rows in seq order, read in pages (`afterSeq` exclusive). */
export async function readAudit(
  db: Queryable,
  filter: { readonly agent?: string; readonly kinds?: readonly AuditKind[]; readonly afterSeq?: number; readonly limit?: number } = {},
): Promise<AuditRow[]> {
  const where: string[] = ["seq > $1"];
  const params: unknown[] = [filter.afterSeq ?? 0];
  if (filter.agent !== undefined) {
    params.push(filter.agent);
    where.push(`agent = $${params.length}`);
  }
  if (filter.kinds !== undefined) {
    params.push([...filter.kinds]);
    where.push(`kind = ANY($${params.length}::text[])`);
  }
  params.push(filter.limit ?? 1_000_000);
  const { rows } = await db.query<DbRow>(
    `SELECT ${COLUMNS} FROM airlock.audit_log WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromDb);
}

export type AuditProblemKind =
  | "edited"
  | "missing"
  | "reordered"
  /** A request, decision or execution without its audit row. */
  | "unrecorded"
  /** An audit row that records what the tables do not hold, or a second one for a request. */
  | "forged"
  /** A request whose status is not its decision's. */
  | "inconsistent"
  /** The log no longer holds the head a signed anchor recorded (a cut tail, a rewrite, a splice). */
  | "anchor"
  /** A row after the anchor dated before it: written later, dated into the anchored past. */
  | "backdated"
  /** A row after the newest anchor older than the grace (or dated in the future): no signed head covers it. */
  | "unanchored";

export interface AuditProblem {
  /** The row where the chain breaks (for `unrecorded`, the last row of the log). */
  readonly seq: number;
  readonly kind: AuditProblemKind;
  readonly message: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly rows: number;
  /** The last row's seq and hash: record them elsewhere to detect a truncated tail later. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly problems: readonly AuditProblem[];
  /**
   * Rows after the anchor still within the grace (checked against an anchor only): not a problem
   * yet, but no signed head covers them; verify again after the next anchor.
   */
  readonly unanchored?: { readonly rows: number; readonly fromSeq: number; readonly oldest: Date };
}

/** A head recorded outside the database and checked already (a signed anchor's content). */
export interface AnchoredHead {
  /** The last row's seq when the anchor was taken (0: the log was empty). */
  readonly sequence: number;
  /** That row's hash (the genesis hash for an empty log). */
  readonly hash: string;
  /** The database server's clock when the anchor read the head, under the chain lock. */
  readonly time: Date;
  /** Where it came from, for messages (e.g. the S3 object). */
  readonly source: string;
}

export interface VerifyOptions {
  /** A head recorded earlier (seq and hash); the log must still contain it unchanged. */
  readonly expectHead?: { readonly seq: number; readonly hash: string };
  /**
   * The latest signed anchor (`readLatestAnchor`): the log must still hold its head, and no row
   * after it may be dated before it.
   */
  readonly anchor?: AnchoredHead;
  /** Rows read per page. @default 5000 */
  readonly pageSize?: number;
  /** The verifier's clock, against which rows after the anchor are judged. @default - the system clock */
  readonly now?: Date;
  /** How long a row may stand after the anchor. @default UNANCHORED_GRACE_MS (10 minutes) */
  readonly unanchoredGraceMs?: number;
}

/**
 * Recomputes the chain. Finds edited rows (content no longer matches its hash), deleted rows (a
 * gap in seq, or a prev_hash that matches no predecessor), reordered rows (a row whose prev_hash
 * is the hash of another row than the one before it), and decisions or requests that have no
 * audit row at all (rows removed from the end of the log).
 */
export async function verifyAuditLog(db: Queryable, options: VerifyOptions = {}): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 5000;
  const problems: AuditProblem[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  let last: AuditRow | undefined;
  for (let after = 0; ; ) {
    const page = await readAudit(db, { afterSeq: after, limit: pageSize });
    for (const row of page) {
      count++;
      const where = describe(row);
      if (row.seq !== expectedSeq) {
        const gap = row.seq - expectedSeq;
        problems.push({
          seq: row.seq,
          kind: "missing",
          message: `row ${row.seq} (${where}): ${gap === 1 ? `row ${expectedSeq} is` : `rows ${expectedSeq}..${row.seq - 1} are`} missing; seq must have no gaps`,
        });
      }
      const computed = rowHash(row, row.prevHash);
      if (computed !== row.hash) {
        problems.push({
          seq: row.seq,
          kind: "edited",
          message: `row ${row.seq} (${where}): content does not match its hash; the row was edited after it was written`,
        });
      }
      if (row.prevHash !== prevHash && row.seq === expectedSeq) {
        const other = await seqOfHash(db, row.prevHash);
        problems.push(
          other !== undefined
            ? {
                seq: row.seq,
                kind: "reordered",
                message: `row ${row.seq} (${where}): its prev_hash is the hash of row ${other}, not of ${row.seq === 1 ? "the genesis" : `row ${row.seq - 1}`}; rows were reordered`,
              }
            : last === undefined || last.seq !== row.seq - 1
              ? {
                  seq: row.seq,
                  kind: "edited",
                  message: `row ${row.seq} (${where}): prev_hash is not the ${row.seq === 1 ? "genesis hash" : `hash of row ${row.seq - 1}`}; the chain was rewritten here`,
                }
              : {
                  seq: last.seq,
                  kind: "edited",
                  message: `row ${last.seq} (${describe(last)}): its hash is not the prev_hash stored in row ${row.seq}; row ${last.seq} was rewritten together with its hash`,
                },
        );
      }
      prevHash = row.hash;
      expectedSeq = row.seq + 1;
      last = row;
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.seq;
  }

  problems.push(...(await crossCheck(db, last?.seq ?? 0)));
  let unanchored: AuditVerification["unanchored"];
  if (options.anchor !== undefined) {
    problems.push(...(await checkAnchor(db, options.anchor)));
    const after = await checkUnanchored(db, options.anchor, options.now ?? new Date(), options.unanchoredGraceMs ?? UNANCHORED_GRACE_MS);
    problems.push(...after.problems);
    unanchored = after.pending;
  }
  if (options.expectHead !== undefined) {
    const want = options.expectHead;
    const { rows } = await db.query<{ hash: string }>("SELECT hash FROM airlock.audit_log WHERE seq = $1", [want.seq]);
    const found = rows[0]?.hash;
    if (found !== want.hash) {
      problems.push({
        seq: want.seq,
        kind: found === undefined ? "missing" : "edited",
        message:
          found === undefined
            ? `row ${want.seq} recorded earlier as the head is no longer in the log; rows were deleted from its end`
            : `row ${want.seq} no longer has the hash recorded earlier (${want.hash.slice(0, 12)}…); the chain was rewritten`,
      });
    }
  }
  return { ok: problems.length === 0, rows: count, head: last === undefined ? null : { seq: last.seq, hash: last.hash }, problems, ...(unanchored === undefined ? {} : { unanchored }) };
}

/** The seq of the row whose hash is `hash` (only asked when the chain breaks). */
async function seqOfHash(db: Queryable, hash: string): Promise<number | undefined> {
  const { rows } = await db.query<{ seq: string | number }>("SELECT seq FROM airlock.audit_log WHERE hash = $1 LIMIT 1", [hash]);
  return rows[0] === undefined ? undefined : Number(rows[0].seq);
}

function describe(row: AuditRow): string {
  return [row.kind, row.actionType, row.requestId === undefined ? undefined : `request ${row.requestId}`].filter((x) => x !== undefined).join(", ");
}
