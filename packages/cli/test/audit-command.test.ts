/** `airlock audit verify` on the embedded store's data directory and on a real server. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadManifest } from "@airlock/core";
import { ApprovalService, openDatabase, writeAnchor, type Database } from "@airlock/approvals";
import { KmsStandIn, REGION, S3StandIn } from "../../approvals/test/helpers/aws-standins.ts";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";
import { SlackReceiver } from "../../approvals/test/helpers/slack-receiver.ts";
import { freshPglite, freshServerDatabase, REPO_ROOT, type ServerDatabase } from "../../approvals/test/helpers/stores.ts";

const USAGE = "usage: airlock audit verify [options]\n       airlock audit migrate [options]";

/** Two requests, both decided: audit rows 1..4. */
async function record(db: Database, slack: SlackReceiver, slackUrl: string): Promise<void> {
  const service = new ApprovalService({
    db,
    model: await loadManifest(join(REPO_ROOT, "examples/support-agent/agent.yaml")),
    release: "rel-1",
    slack: { client: slack.client(slackUrl), channel: "C0APPROVALS", approvers: ["U0APPROVER1"] },
    onWarning: () => {},
  });
  for (const [ticket, decision] of [
    ["T-1", "approved"],
    ["T-2", "rejected"],
  ] as const) {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket } });
    assert.equal(r.status, "pending");
    if (r.status === "pending") await service.decide({ requestId: r.id, decision, actor: "U0APPROVER1", via: "api" });
  }
}

describe("airlock audit verify", () => {
  const slack = new SlackReceiver();
  let slackUrl: string;
  let dir: string;
  let head: string;
  before(async () => {
    slackUrl = await slack.start();
    const store = await freshPglite();
    await record(store.db, slack, slackUrl);
    await store.db.close();
    dir = store.dir;
  });
  after(async () => {
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("given an intact embedded store, it prints the row count and the head, and exits 0", async () => {
    const io = bufferIo(REPO_ROOT);
    assert.equal(await main(["audit", "verify", "--data-dir", dir], io), 0);
    const lines = io.stdout.trim().split("\n");
    assert.equal(lines[0], `audit log intact: 4 rows (${dir})`);
    assert.match(lines[1]!, /^head: 4:[0-9a-f]{64}$/);
    head = lines[1]!.slice("head: ".length);
    assert.equal(io.stderr, "");
    const json = bufferIo(REPO_ROOT);
    assert.equal(await main(["audit", "verify", "--data-dir", dir, "--json"], json), 0);
    assert.deepEqual(JSON.parse(json.stdout), { store: dir, ok: true, rows: 4, head: { seq: 4, hash: head.slice(2) }, problems: [], anchor: null });
    assert.equal(lines[2], "not checked against a signed anchor: pass --anchor-bucket and --anchor-key-id (the gateway's), or keep the head elsewhere and pass it back with --expect-head, to detect rows cut from the end or a rewrite");
  });

  test("given a row edited by the superuser, it names the row and exits 1", async () => {
    const db = await openDatabase({ dataDir: dir });
    await db.exec("SET session_replication_role = replica; UPDATE airlock.audit_log SET actor = 'U0ATTACKER' WHERE seq = 4; SET session_replication_role = DEFAULT;");
    await db.close();
    const io = bufferIo(REPO_ROOT);
    assert.equal(await main(["audit", "verify", "--data-dir", dir, "--expect-head", head], io), 1);
    const lines = io.stderr.trim().split("\n");
    assert.match(lines[0]!, new RegExp(`^audit log FAILED verification: 2 problems in 4 rows \\(${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\), not checked against a signed anchor`));
    assert.match(lines[1]!, /^ {2}row 4 \[edited\]: row 4 \(approval\.decided, customer\.reply, request [0-9a-f-]{36}\): content does not match its hash; the row was edited after it was written$/);
    assert.match(lines[2]!, /^ {2}row 4 \[forged\]: row 4: the approval\.decided row for request [0-9a-f-]{36} does not match the tables \(the recorded decision is rejected by U0APPROVER1 via api\); it was written beside the service's path$/);
    assert.equal(io.stdout, "");
  });

  test("given the gateway's anchor bucket and key, it verifies against the newest signed head; a cut tail with consistent tables then fails", async () => {
    const kms = new KmsStandIn();
    const s3 = new S3StandIn("cli-anchors");
    await Promise.all([kms.start(), s3.start()]);
    const store = await freshPglite();
    try {
      await record(store.db, slack, slackUrl);
      const key = kms.createKey();
      await writeAnchor(store.db, { s3: s3.client(), kms: kms.client(), bucket: s3.bucket, keyId: key.arn });
      // One process at a time on an embedded store's directory: the CLI opens it itself.
      await store.db.close();
      const env = { AWS_REGION: REGION, AWS_ACCESS_KEY_ID: "AKIDTESTANCHOR", AWS_SECRET_ACCESS_KEY: "test-secret-anchor", AWS_ENDPOINT_URL_S3: s3.url, AWS_ENDPOINT_URL_KMS: kms.url };
      const flags = ["--anchor-bucket", s3.bucket, "--anchor-key-id", key.arn];
      const io = bufferIo(REPO_ROOT, env);
      assert.equal(await main(["audit", "verify", "--data-dir", store.dir, ...flags], io), 0, io.stderr);
      assert.match(io.stdout.split("\n")[2]!, /^against the signed anchor of row 4 at .+Z \(s3:\/\/cli-anchors\/audit-anchors\/.+\.json \(version \w+\)\)$/);
      // The superuser removes the rejection: its audit row, its decision, and the request back to pending.
      const tamperer = await openDatabase({ dataDir: store.dir });
      await tamperer.transaction(async (tx) => {
        await tx.query("SET LOCAL session_replication_role = replica");
        const { rows } = await tx.query<{ request_id: string }>("SELECT request_id::text FROM airlock.audit_log WHERE seq = 4");
        await tx.query("DELETE FROM airlock.audit_log WHERE seq = 4");
        await tx.query("DELETE FROM airlock.approval_decisions WHERE request_id = $1", [rows[0]!.request_id]);
        await tx.query("UPDATE airlock.approval_requests SET status = 'pending', decided_at = NULL WHERE id = $1", [rows[0]!.request_id]);
      });
      await tamperer.close();
      const cut = bufferIo(REPO_ROOT, env);
      assert.equal(await main(["audit", "verify", "--data-dir", store.dir, ...flags], cut), 1);
      assert.match(cut.stderr, /\n {2}row 4 \[anchor\]: row 4, the head signed in the anchor of .+, is no longer in the log; rows were removed \(cut from its end, or deleted and the rest renumbered\)\n$/);
      // Without the anchor, the same log looks intact: the database alone cannot tell.
      const blind = bufferIo(REPO_ROOT);
      assert.equal(await main(["audit", "verify", "--data-dir", store.dir], blind), 0);
      const half = bufferIo(REPO_ROOT, env);
      assert.equal(await main(["audit", "verify", "--data-dir", store.dir, "--anchor-bucket", s3.bucket], half), 2);
      assert.match(half.stderr, /^airlock audit: `--anchor-key-id`: give the ARN of the key that signs the anchors \(or set AIRLOCK_AUDIT_ANCHOR_KEY_ID\)\n/);
    } finally {
      await store.dispose();
      await Promise.all([kms.stop(), s3.stop()]);
    }
  });

  test("bad input names the flag and the fix, with exit 2", async () => {
    const cases: [string[], string][] = [
      [["audit"], "name the subcommand: `airlock audit verify` or `airlock audit migrate`"],
      [["audit", "check"], 'unknown subcommand "check"; use `verify` or `migrate`'],
      [["audit", "migrate"], "`--database-url`: give the postgres:// URL of an owner role (migrations create the schema and the service role's grants)"],
      [["audit", "verify", "--data-dir", "a", "--database-url", "postgres://x@h/db"], "give `--database-url` or `--data-dir`, not both"],
      [["audit", "verify", "--database-url", "mysql://u:secret@h/db"], '`--database-url`: "mysql://u:****@h/db" is not a postgres:// connection string; use postgres://user:password@host:5432/database'],
      [["audit", "verify", "--expect-head", "4"], '`--expect-head`: "4" is not SEQ:HASH; pass the head an earlier verify printed, e.g. 42:<64 hex>'],
    ];
    for (const [argv, message] of cases) {
      const io = bufferIo(REPO_ROOT);
      assert.equal(await main(argv, io), 2, argv.join(" "));
      assert.equal(io.stderr, `airlock audit: ${message}\n${USAGE}\n`);
    }
    const empty = mkdtempSync(join(tmpdir(), "airlock-no-store-"));
    try {
      const io = bufferIo(empty);
      assert.equal(await main(["audit", "verify"], io), 2);
      assert.equal(
        io.stderr.split("\n")[0],
        `airlock audit: no audit store at ${join(empty, ".airlock/approvals")}; pass \`--data-dir\` with the approval service's data directory, or \`--database-url\` (or set AIRLOCK_APPROVALS_DATABASE_URL) for a server`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  describe("on a real server", () => {
    let sdb: ServerDatabase;
    before(async () => {
      sdb = await freshServerDatabase();
      const db = await openDatabase({ url: sdb.serviceUrl });
      await record(db, slack, slackUrl);
      await db.close();
    });
    after(async () => sdb.dispose());

    test("the service role can verify through the environment variable; a deleted row is named", async () => {
      const io = bufferIo(REPO_ROOT, { AIRLOCK_APPROVALS_DATABASE_URL: sdb.serviceUrl });
      assert.equal(await main(["audit", "verify"], io), 0);
      assert.match(io.stdout, /^audit log intact: 4 rows \(postgres:\/\/airlock_svc_test:\*\*\*\*@127\.0\.0\.1:\d+\/airlock_t_[0-9a-f]+\)\n/);
      const c = new pg.Client({ connectionString: sdb.adminUrl });
      await c.connect();
      await c.query("BEGIN; SET LOCAL session_replication_role = replica; DELETE FROM airlock.audit_log WHERE seq = 2; COMMIT;");
      await c.end();
      const bad = bufferIo(REPO_ROOT);
      assert.equal(await main(["audit", "verify", "--database-url", sdb.serviceUrl], bad), 1);
      assert.match(bad.stderr, /\n {2}row 3 \[missing\]: row 3 \(approval\.requested, customer\.reply, request [0-9a-f-]{36}\): row 2 is missing; seq must have no gaps\n/);
      assert.match(bad.stderr, /\n {2}row 4 \[unrecorded\]: decision for request [0-9a-f-]{36} has no audit row; audit rows were deleted \(the log ends at row 4\)\n$/);
    });
  });
});

describe("airlock audit migrate", () => {
  let server: ServerDatabase;
  before(async () => {
    server = await freshServerDatabase();
  });
  after(async () => {
    await server.dispose();
  });

  test("applies the versioned migrations once, as an owner role, and then reports up to date", async () => {
    await server.admin("DROP SCHEMA airlock CASCADE");
    const first = bufferIo(REPO_ROOT, {});
    assert.equal(await main(["audit", "migrate", "--database-url", server.adminUrl], first), 0, first.stderr);
    assert.match(first.stdout, /^applied 1, 2, 3, 4; now at version 4 \(postgres:\/\/.*\)\n$/);
    const password = new URL(server.adminUrl).password;
    if (password !== "") assert.ok(first.stdout.includes(":****@") && !first.stdout.includes(`:${password}@`), "the password is not printed");
    const again = bufferIo(REPO_ROOT, {});
    assert.equal(await main(["audit", "migrate", "--database-url", server.adminUrl], again), 0, again.stderr);
    assert.match(again.stdout, /^up to date at version 4 /);
  });
});
