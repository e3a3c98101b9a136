/** `airlock autonomy report` from an embedded store written by the approval service. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { loadManifest } from "@airlock/core";
import { ApprovalService, openDatabase } from "@airlock/approvals";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";
import { SlackReceiver } from "../../approvals/test/helpers/slack-receiver.ts";
import { freshPglite, REPO_ROOT } from "../../approvals/test/helpers/stores.ts";

const MANIFEST = join(REPO_ROOT, "examples/support-agent/agent.yaml");
const DAY = 86_400_000;

describe("airlock autonomy report", () => {
  const slack = new SlackReceiver();
  let dir: string;
  before(async () => {
    const slackUrl = await slack.start();
    const store = await freshPglite();
    dir = store.dir;
    // Given: customer.reply rejected once 20 days ago, then approved 8 times, one every 12 hours
    // starting 10 days ago; billing.refund approved 8 times as well.
    let clock = new Date(Date.now() - 20 * DAY);
    const service = new ApprovalService({
      db: store.db,
      model: await loadManifest(MANIFEST),
      release: "rel-3",
      slack: { client: slack.client(slackUrl), channel: "C0APPROVALS", approvers: ["U0APPROVER1"] },
      now: () => clock,
      onWarning: () => {},
    });
    const decide = async (tool: string, decision: "approved" | "rejected") => {
      const r = await service.requestApproval({ tool, arguments: { n: clock.getTime() } });
      if (r.status !== "pending") throw new Error("expected a pending request");
      await service.decide({ requestId: r.id, decision, actor: "U0APPROVER1", via: "api" });
    };
    await decide("send_customer_reply", "rejected");
    clock = new Date(Date.now() - 10 * DAY);
    for (let i = 0; i < 8; i++) {
      await decide("send_customer_reply", "approved");
      await decide("issue_refund", "approved");
      clock = new Date(clock.getTime() + DAY / 2);
    }
    await store.db.close();
  });
  after(async () => {
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("with a policy the evidence meets, customer.reply is eligible and the manifest change is printed; money is not", async () => {
    const io = bufferIo(REPO_ROOT);
    const code = await main(["autonomy", "report", "--manifest", MANIFEST, "--data-dir", dir, "--min-streak", "8", "--min-window-days", "9"], io);
    assert.equal(code, 0, io.stderr);
    const out = io.stdout;
    assert.match(out, /\naudit log: verified, 34 rows\n/);
    assert.match(out, /\ncustomer\.reply {2}tier approve\n {2}approvals 8 · rejections 1 · edits 0 · incidents 0 · streak 8 · window 10\.0 days since .+\n {2}last reset: rejection at .+ \(audit row 2\)\n {2}ELIGIBLE to widen approve -> auto\./);
    assert.match(out, /\n {4}riskLines:\n {6}customer\.reply:\n {8}tier: auto\n {8}description: "Any email a customer will read\."\n/);
    assert.match(out, /\nbilling\.refund {2}tier always-approve · class money\n {2}approvals 8 · rejections 0 · edits 0 · incidents 0 · streak 8 · .+\n {2}not eligible: `always-approve` never widens; class `money` never widens to `auto`\n/);
  });

  test("with the default policy nothing is eligible, and --json gives the runbook's evidence", async () => {
    const io = bufferIo(REPO_ROOT);
    assert.equal(await main(["autonomy", "report", "--manifest", MANIFEST, "--data-dir", dir, "--json"], io), 0);
    const report = JSON.parse(io.stdout) as { policy: unknown; assessments: { actionType: string; eligible: boolean; streak: number; reasons: string[] }[] };
    assert.deepEqual(report.policy, { minStreak: 50, minWindowDays: 14 });
    const reply = report.assessments.find((a) => a.actionType === "customer.reply");
    assert.deepEqual(reply && [reply.eligible, reply.streak, reply.reasons], [false, 8, ["streak 8 of 50 approvals without edit", "evidence window 10.0 of 14 days"]]);
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
      assert.equal(await main(["autonomy", "report", "--manifest", MANIFEST, "--data-dir", copy, "--min-streak", "1", "--min-window-days", "0"], io), 1);
      assert.match(io.stdout, /\naudit log: FAILED verification \(1 problem\); run `airlock audit verify`\n/);
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
