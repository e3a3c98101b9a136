/** `airlock autonomy report` from an embedded store written by the approval service. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { loadManifest } from "@airlock/core";
import { openDatabase } from "@airlock/approvals";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";
import { writePast } from "../../approvals/test/helpers/history.ts";
import { freshPglite, REPO_ROOT } from "../../approvals/test/helpers/stores.ts";

const MANIFEST = join(REPO_ROOT, "examples/support-agent/agent.yaml");
const DAY = 86_400_000;

describe("airlock autonomy report", () => {
  let dir: string;
  before(async () => {
    const store = await freshPglite();
    dir = store.dir;
    // Given: customer.reply rejected once 20 days ago, then approved 8 times by two approvers in
    // turn, one every 12 hours starting 10 days ago; billing.refund approved 8 times as well. (The
    // database dates every row it writes; a past is written by the superuser, see helpers/history.)
    const reply = { tool: "send_customer_reply", actionType: "customer.reply", tier: "approve" } as const;
    const refund = { tool: "issue_refund", actionType: "billing.refund", tier: "always-approve", riskClass: "money" } as const;
    const start = Date.now() - 10 * DAY;
    await writePast(store.db, "support-agent", [
      { ...reply, at: new Date(Date.now() - 20 * DAY), decision: "rejected", actor: "U0APPROVER1" },
      ...Array.from({ length: 8 }, (_, i) => [
        { ...reply, at: new Date(start + i * (DAY / 2)), decision: "approved" as const, actor: i % 2 === 0 ? "U0APPROVER1" : "U0APPROVER2" },
        { ...refund, at: new Date(start + i * (DAY / 2) + 1000), decision: "approved" as const, actor: "U0APPROVER1" },
      ]).flat(),
    ]);
    await store.db.close();
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("with a policy the evidence meets, customer.reply is eligible and the manifest change is printed; money is not", async () => {
    const io = bufferIo(REPO_ROOT);
    const code = await main(["autonomy", "report", "--manifest", MANIFEST, "--data-dir", dir, "--min-streak", "8", "--min-window-days", "9", "--min-distinct-days", "4", "--unanchored"], io);
    assert.equal(code, 0, io.stderr);
    const out = io.stdout;
    assert.match(out, /\naudit log: verified, 34 rows, not anchored\n/);
    assert.match(out, /\ncustomer\.reply {2}tier approve\n {2}approvals 8 · rejections 1 · edits 0 · incidents 0 · streak 8 · window 10\.0 days since .+\n {2}streak on [45] distinct days by 2 approvers\n {2}last reset: rejection at .+ \(audit row 2\)\n {2}ELIGIBLE to widen approve -> auto\./);
    assert.match(out, /\n {4}riskLines:\n {6}customer\.reply:\n {8}tier: auto\n {8}description: "Any email a customer will read\."\n/);
    assert.match(out, /\nbilling\.refund {2}tier always-approve · class money\n {2}approvals 8 · rejections 0 · edits 0 · incidents 0 · streak 8 · .+\n.+\n {2}not eligible: `always-approve` never widens; class `money` never widens to `auto`\n/);
  });

  test("with the default policy nothing is eligible, and --json gives the runbook's evidence", async () => {
    const io = bufferIo(REPO_ROOT);
    assert.equal(await main(["autonomy", "report", "--manifest", MANIFEST, "--data-dir", dir, "--json"], io), 0);
    const report = JSON.parse(io.stdout) as { policy: unknown; assessments: { actionType: string; eligible: boolean; streak: number; reasons: string[] }[] };
    assert.deepEqual(report.policy, { minStreak: 50, minWindowDays: 14, minDistinctDays: 10, minApprovers: 2 });
    const reply = report.assessments.find((a) => a.actionType === "customer.reply");
    assert.deepEqual(reply && [reply.eligible, reply.streak, reply.reasons], [false, 8, ["streak 8 of 50 approvals without edit", "evidence window 10.0 of 14 days", reply!.reasons[2]!, "the audit log was not checked against a signed anchor (give the anchor's bucket and key), so evidence cut or rewritten inside the database would not show"]]);
    assert.match(reply!.reasons[2]!, /^approvals on [45] of 10 distinct days$/);
  });

  test("a tampered audit log makes nothing eligible and exits 1", async () => {
    const copy = `${dir}-tampered`;
    const { cpSync } = await import("node:fs");
    cpSync(dir, copy, { recursive: true });
    try {
      const db = await openDatabase({ dataDir: copy });
      await db.exec("SET session_replication_role = replica; UPDATE airlock.audit_log SET payload = payload || '{\"decision\":\"approved\"}' WHERE seq = 2; SET session_replication_role = DEFAULT;");
      await db.close();
      const io = bufferIo(REPO_ROOT);
      assert.equal(await main(["autonomy", "report", "--manifest", MANIFEST, "--data-dir", copy, "--min-streak", "1", "--min-window-days", "0", "--min-distinct-days", "1", "--min-approvers", "1", "--unanchored"], io), 1);
      // The edited row no longer hashes, and no longer matches the decision the table holds.
      assert.match(io.stdout, /\naudit log: FAILED verification \(2 problems\); run `airlock audit verify`\n/);
      assert.doesNotMatch(io.stdout, /ELIGIBLE/);
      assert.match(io.stdout, /not eligible: the audit log failed verification \(`airlock audit verify`\); its evidence cannot be trusted\n/);
      assert.equal(io.stderr, "the audit log failed verification; no action type is eligible until `airlock audit verify` passes\n");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test("bad flags name the flag and the fix", async () => {
    const usage = "usage: airlock autonomy report [options]";
    for (const [argv, message] of [
      [["autonomy", "report", "--min-streak", "0"], '`--min-streak`: "0" is not a whole number ≥ 1'],
      [["autonomy", "report", "--min-window-days", "two"], '`--min-window-days`: "two" is not a number of days ≥ 0'],
      [["autonomy", "report", "--manifest", "nope.yaml"], "nope.yaml does not exist; pass the agent's manifest with --manifest"],
      [["autonomy", "widen"], 'unknown subcommand "widen"; the only one is `report`'],
    ] as const) {
      const io = bufferIo(REPO_ROOT);
      assert.equal(await main([...argv], io), 2);
      assert.equal(io.stderr, `airlock autonomy: ${message}\n${usage}\n`);
    }
  });
});
