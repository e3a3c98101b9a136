/**
 * `airlock audit verify`: recomputes the approvals audit log's hash chain and names every edited,
 * deleted or reordered row, every audit row unlike the request, decision or execution it records,
 * and, with the gateway's anchor bucket and key, every departure from the newest signed head kept
 * outside the database (a cut tail, a splice, a rewrite from genesis, a row dated into the anchored
 * past, a row left unanchored past the grace). Reads the embedded store's data directory or a server (connection string); never writes.
 * Exit 0 when intact, 1 when tampered, 2 for bad input.
 *
 * `airlock audit migrate --database-url URL`: applies the versioned migrations to a server (Supabase
 * or RDS) as an owner role, once, before the approval gateway's service role first connects.
 */
import { ApprovalError, chooseStore, migrate, openDatabase, openExistingStore, redactUrl, UNANCHORED_GRACE_MS, verifyAuditLog } from "@airlock/approvals";
import { APPROVALS_ENV } from "@airlock/core/contracts";
import { UsageError, type Io } from "../io.ts";
import { parseCommand, pickSubcommand } from "../options.ts";
import { AUDIT_MIGRATE, AUDIT_VERIFY } from "./specs.ts";
import { readAnchorFromFlags } from "./anchor-flags.ts";

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, rest] = pickSubcommand("audit", ["verify", "migrate"], argv);
  if (sub === "migrate") return runMigrate(parseCommand(AUDIT_MIGRATE, rest).values["database-url"] ?? io.env[APPROVALS_ENV.databaseUrl], io);
  const parsed = parseCommand(AUDIT_VERIFY, rest);
  let expectHead: { seq: number; hash: string } | undefined;
  if (parsed.values["expect-head"] !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(parsed.values["expect-head"]);
    if (m === null) throw new UsageError(`\`--expect-head\`: "${parsed.values["expect-head"]}" is not SEQ:HASH; pass the head an earlier verify printed, e.g. 42:<64 hex>`);
    expectHead = { seq: Number(m[1]), hash: m[2]! };
  }
  let store;
  try {
    store = chooseStore({ databaseUrl: parsed.values["database-url"], dataDir: parsed.values["data-dir"], env: io.env, cwd: io.cwd });
  } catch (e) {
    if (e instanceof ApprovalError) throw new UsageError(e.message);
    throw e;
  }
  let db;
  try {
    db = await openExistingStore(store);
  } catch (e) {
    if (e instanceof ApprovalError) throw new UsageError(e.message);
    throw e;
  }
  try {
    const anchor = await readAnchorFromFlags(parsed.values, io.env);
    const chain = await verifyAuditLog(db, { ...(expectHead === undefined ? {} : { expectHead }), ...(anchor?.anchor === undefined ? {} : { anchor: anchor.anchor }) });
    const problems = [...(anchor?.problems ?? []), ...chain.problems];
    const v = { ...chain, ok: problems.length === 0, problems, anchor: anchor?.anchor === undefined ? null : { sequence: anchor.anchor.sequence, hash: anchor.anchor.hash, time: anchor.anchor.time.toISOString(), source: anchor.anchor.source } };
    const anchoredText =
      v.anchor === null
        ? "not checked against a signed anchor: pass --anchor-bucket and --anchor-key-id (the gateway's), or keep the head elsewhere and pass it back with --expect-head, to detect rows cut from the end or a rewrite"
        : `against the signed anchor of row ${v.anchor.sequence} at ${v.anchor.time} (${v.anchor.source})${
            v.unanchored === undefined
              ? ""
              : `; ${v.unanchored.rows} later row${v.unanchored.rows === 1 ? "" : "s"} (from row ${v.unanchored.fromSeq}, since ${v.unanchored.oldest.toISOString()}) not anchored yet, within the ${UNANCHORED_GRACE_MS / 60_000}-minute grace: verify again after the next anchor`
          }`;
    if (parsed.values.json) {
      io.out(`${JSON.stringify({ store: store.label, ...v }, null, 2)}\n`);
    } else if (v.ok) {
      io.out(
        v.head === null
          ? `audit log intact: empty (${store.label})`
          : `audit log intact: ${v.rows} rows (${store.label})\nhead: ${v.head.seq}:${v.head.hash}\n${anchoredText}`,
      );
    } else {
      io.err(`audit log FAILED verification: ${v.problems.length} problem${v.problems.length === 1 ? "" : "s"} in ${v.rows} rows (${store.label}), ${anchoredText}`);
      for (const p of v.problems) io.err(`  row ${p.seq} [${p.kind}]: ${p.message}`);
    }
    return v.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

async function runMigrate(url: string | undefined, io: Io): Promise<number> {
  if (url === undefined || url === "") throw new UsageError("`--database-url`: give the postgres:// URL of an owner role (migrations create the schema and the service role's grants)");
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`\`--database-url\`: "${redactUrl(url)}" is not a postgres:// connection string`);
  const db = await openDatabase({ url, maxConnections: 1, reconnectTimeoutMs: 5_000 });
  try {
    const r = await migrate(db);
    io.out(r.applied.length === 0 ? `up to date at version ${r.version} (${redactUrl(url)})` : `applied ${r.applied.join(", ")}; now at version ${r.version} (${redactUrl(url)})`);
    return 0;
  } finally {
    await db.close();
  }
}
