/** The hash chain on the embedded store: appends, verification, and what tampering looks like. */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { GENESIS_HASH, appendAudit, canonicalRowContent, jsonSafe, readAudit, rowHash, verifyAuditLog, type AuditEntry } from "../src/audit/log.ts";
import type { Database } from "../src/audit/db.ts";
import { freshPglite } from "./helpers/stores.ts";

function entry(n: number, payload: Record<string, unknown> = { n }): AuditEntry {
  return { kind: "incident", agent: "support-agent", actionType: "customer.reply", actor: `U0OPERATOR${n}`, payload };
}

describe("audit chain (embedded store)", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let db: Database;
  before(async () => {
    store = await freshPglite();
    db = store.db;
  });
  after(async () => store.dispose());
  /** Empties the log the way only a superuser with triggers off can. */
  async function reset(): Promise<void> {
    await db.exec("SET session_replication_role = replica; DELETE FROM airlock.audit_log; SET session_replication_role = DEFAULT;");
  }
  async function tamper(sql: string): Promise<void> {
    await db.exec(`SET session_replication_role = replica; ${sql}; SET session_replication_role = DEFAULT;`);
  }
  beforeEach(reset);

  test("rows chain from the genesis hash, seq from 1, and read back exactly as hashed", async () => {
    const first = await db.transaction((tx) => appendAudit(tx, entry(1)));
    const second = await db.transaction((tx) => appendAudit(tx, entry(2)));
    assert.equal(first.seq, 1);
    assert.equal(first.prevHash, GENESIS_HASH);
    assert.equal(second.prevHash, first.hash);
    assert.equal(
      canonicalRowContent(first),
      `{"actionType":"customer.reply","actor":"U0OPERATOR1","agent":"support-agent","at":"${first.at.toISOString()}","kind":"incident","payload":{"n":1},"requestId":null,"seq":1}`,
    );
    assert.equal(first.hash, rowHash(first, GENESIS_HASH));
    const rows = await readAudit(db);
    assert.deepEqual(rows, [first, second]);
    assert.deepEqual(await verifyAuditLog(db), { ok: true, rows: 2, head: { seq: 2, hash: second.hash }, problems: [] });
  });

  test("an empty log verifies with no head", async () => {
    assert.deepEqual(await verifyAuditLog(db), { ok: true, rows: 0, head: null, problems: [] });
  });

  test("the trigger rejects UPDATE and DELETE even for the embedded store's superuser", async () => {
    await db.transaction((tx) => appendAudit(tx, entry(1)));
    await assert.rejects(db.query("UPDATE airlock.audit_log SET actor = 'x'"), { message: "airlock: UPDATE on airlock.audit_log is not allowed; the table is append-only" });
    await assert.rejects(db.query("DELETE FROM airlock.audit_log"), { message: "airlock: DELETE on airlock.audit_log is not allowed; the table is append-only" });
    await assert.rejects(db.query("TRUNCATE airlock.audit_log"), { message: "airlock: TRUNCATE on airlock.audit_log is not allowed; the table is append-only" });
  });

  test("a changed timestamp, a deleted first row and a forged genesis are each named", async () => {
    for (let i = 1; i <= 3; i++) await db.transaction((tx) => appendAudit(tx, entry(i)));
    await tamper("UPDATE airlock.audit_log SET at = at + interval '1 second' WHERE seq = 2");
    assert.deepEqual((await verifyAuditLog(db)).problems, [
      { seq: 2, kind: "edited", message: "row 2 (incident, customer.reply): content does not match its hash; the row was edited after it was written" },
    ]);
    await reset();
    for (let i = 1; i <= 3; i++) await db.transaction((tx) => appendAudit(tx, entry(i)));
    await tamper("DELETE FROM airlock.audit_log WHERE seq = 1");
    assert.deepEqual((await verifyAuditLog(db)).problems, [{ seq: 2, kind: "missing", message: "row 2 (incident, customer.reply): row 1 is missing; seq must have no gaps" }]);
  });

  test("a row is dated by the database server's clock, and a writer's own date is refused", async () => {
    // Given the database's clock around an append
    const before = (await db.query<{ t: Date }>("SELECT clock_timestamp() AS t")).rows[0]!.t;
    const row = await db.transaction((tx) => appendAudit(tx, entry(1)));
    const after = (await db.query<{ t: Date }>("SELECT clock_timestamp() AS t")).rows[0]!.t;
    // Then its date is between them, to the millisecond
    assert.ok(row.at.getTime() >= Math.floor(before.getTime()) && row.at.getTime() <= after.getTime(), `${row.at.toISOString()} not within the append`);
    // When a writer holding INSERT appends a row dated a month ago with a consistent hash
    const { forgeAppend } = await import("./helpers/tamper.ts");
    await assert.rejects(
      db.transaction((tx) => forgeAppend(tx, entry(2), new Date(Date.now() - 30 * 86_400_000))),
      /airlock: audit row 2 is dated .*, not by the database clock; take the time from clock_timestamp\(\) inside the transaction/,
    );
    // And a row that does not follow the head is refused too
    await assert.rejects(
      db.query("INSERT INTO airlock.audit_log (seq, at, kind, agent, actor, payload, prev_hash, hash) VALUES (5, clock_timestamp(), 'incident', 'a', 'x', '{}', $1, $2)", [GENESIS_HASH, "1".repeat(64)]),
      /airlock: audit row 5 does not follow the head \(row 1\); append after the head, under the chain lock/,
    );
  });

  test("property: payloads of any JSON survive the jsonb round trip and verify", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 4 }), fc.string({ unit: "binary", maxLength: 20 }), async (values, weird) => {
        await reset();
        for (const [i, v] of values.entries()) {
          await db.transaction((tx) => appendAudit(tx, entry(i, { v, weird, [weird]: i })));
        }
        const v = await verifyAuditLog(db);
        assert.deepEqual(v.problems, []);
        assert.equal(v.rows, values.length);
        const rows = await readAudit(db);
        assert.deepEqual(rows[0]!.payload, jsonSafe({ v: values[0], weird, [weird]: 0 }));
      }),
      { numRuns: 25 },
    );
  });

  test("property: editing any one row's payload is reported at exactly that row", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), async (n, pick, value) => {
        await reset();
        for (let i = 1; i <= n; i++) await db.transaction((tx) => appendAudit(tx, entry(i)));
        const seq = 1 + (pick % n);
        await tamper(`UPDATE airlock.audit_log SET payload = jsonb_build_object('n', ${seq}, 'x', '${value.replace(/'/g, "''")}') WHERE seq = ${seq}`);
        const v = await verifyAuditLog(db);
        assert.deepEqual(
          v.problems.map((p) => [p.seq, p.kind]),
          [[seq, "edited"]],
        );
      }),
      { numRuns: 15 },
    );
  });
});

test("jsonSafe replaces what jsonb refuses and drops what JSON drops", () => {
  assert.deepEqual(jsonSafe({ a: "x\u0000y", b: "\ud800", c: "\udc00z", d: "😀", e: undefined, f: [1, undefined], g: new Date(0) }), {
    a: "x\uFFFDy",
    b: "\uFFFD",
    c: "\uFFFDz",
    d: "😀",
    f: [1, null],
    g: "1970-01-01T00:00:00.000Z",
  });
});
