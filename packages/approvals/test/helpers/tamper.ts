/**
 * What an attacker with database rights does to the audit log, as tests do it: a superuser (who
 * may switch triggers off, `session_replication_role = replica`) rewriting, cutting or splicing
 * the chain with every hash recomputed, and anyone holding INSERT appending a row whose hash is
 * consistent with the head. Nothing here is used by the package itself.
 */
import { GENESIS_HASH, readAudit, rowHash, type AuditEntry, type AuditRow } from "../../src/audit/log.ts";
import type { Database, Queryable } from "../../src/audit/db.ts";

/** A row's content without its position in the chain. */
export type RowContent = Omit<AuditRow, "seq" | "prevHash" | "hash">;

const content = (r: AuditRow): RowContent => {
  const { seq: _s, prevHash: _p, hash: _h, ...rest } = r;
  return rest;
};

/** Runs `fn` as the superuser with triggers off, in one transaction. */
export async function asSuperuser<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query("SET LOCAL session_replication_role = replica");
    return fn(tx);
  });
}

async function insertRow(q: Queryable, row: AuditRow): Promise<void> {
  await q.query(
    `INSERT INTO airlock.audit_log (seq, at, kind, agent, action_type, request_id, actor, payload, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [row.seq, row.at.toISOString(), row.kind, row.agent, row.actionType ?? null, row.requestId ?? null, row.actor, JSON.stringify(row.payload), row.prevHash, row.hash],
  );
}

/** Chains `rows` from the genesis hash: seq from 1, every hash recomputed. */
export function chain(rows: readonly RowContent[], from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): AuditRow[] {
  const out: AuditRow[] = [];
  let prev = from.hash;
  rows.forEach((r, i) => {
    const seq = from.seq + i + 1;
    const hash = rowHash({ ...r, seq }, prev);
    out.push({ ...r, seq, prevHash: prev, hash });
    prev = hash;
  });
  return out;
}

/**
 * Replaces the whole log with `edit(rows)` re-chained from genesis (a rewrite, a splice, a deleted
 * row with every later row renumbered): every row's hash is consistent again.
 */
export async function rewriteLog(db: Database, edit: (rows: RowContent[]) => RowContent[]): Promise<AuditRow[]> {
  const rows = (await readAudit(db)).map(content);
  const next = chain(edit(rows));
  await asSuperuser(db, async (tx) => {
    await tx.query("DELETE FROM airlock.audit_log");
    for (const r of next) await insertRow(tx, r);
  });
  return next;
}

/** Deletes every row after `seq` (a tail cut): what is left still chains. */
export async function cutTail(db: Database, seq: number): Promise<void> {
  await asSuperuser(db, (tx) => tx.query("DELETE FROM airlock.audit_log WHERE seq > $1", [seq]));
}

/**
 * Appends `entry` after the head with a consistent hash, the way a writer holding INSERT on the
 * table can (`q` may be the superuser or the service role's connection): no lock, no trigger off.
 */
export async function forgeAppend(q: Queryable, entry: AuditEntry, at: Date): Promise<AuditRow> {
  const { rows } = await q.query<{ seq: string | number; hash: string }>("SELECT seq, hash FROM airlock.audit_log ORDER BY seq DESC LIMIT 1");
  const head = rows[0];
  const seq = head === undefined ? 1 : Number(head.seq) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const base = { seq, at: new Date(Math.floor(at.getTime())), kind: entry.kind, agent: entry.agent, ...(entry.actionType === undefined ? {} : { actionType: entry.actionType }), ...(entry.requestId === undefined ? {} : { requestId: entry.requestId }), actor: entry.actor, payload: { ...entry.payload } };
  const row: AuditRow = { ...base, prevHash, hash: rowHash(base, prevHash) };
  await insertRow(q, row);
  return row;
}

/** Drops the one-row-per-request index (a superuser may): what a forger of duplicates does first. */
export async function dropOncePerRequest(db: Database): Promise<void> {
  await db.exec("DROP INDEX IF EXISTS airlock.audit_log_once_per_request");
}
