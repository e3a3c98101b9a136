/**
 * Evidence time is the database's: a service whose clock says a month ago (a writer choosing its
 * own dates) still writes rows dated now, so a burst of approvals cannot be spread over weeks.
 * Before migration 0003 the rows took the writer's clock and this evidence made the type eligible.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalService, autonomyReport, readAudit } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, APPROVER_2, CHANNEL } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const DAY = 86_400_000;
const slack = new SlackReceiver();
let store: Awaited<ReturnType<typeof freshPglite>>;
before(async () => {
  store = await freshPglite();
});
after(async () => {
  await slack.stop();
  await store.dispose();
});

test("given a writer whose clock walks from 30 days ago, when it records 20 approvals by two approvers through Slack, then the rows are dated by the database and nothing is eligible", async () => {
  let clock = new Date(Date.now() - 30 * DAY);
  const service = new ApprovalService({ db: store.db, model: await testModel(), release: "rel-1", slack: { client: slack.client(await slack.start()), channel: CHANNEL, approvers: [APPROVER, APPROVER_2] }, now: () => clock, onWarning: () => {} });
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { n: i } });
    assert.equal(r.status, "pending");
    if (r.status === "pending") await service.decide({ requestId: r.id, decision: "approved", actor: i % 2 === 0 ? APPROVER : APPROVER_2, via: "http" });
    clock = new Date(clock.getTime() + 1.5 * DAY);
  }
  const rows = await readAudit(store.db);
  assert.ok(rows.every((r) => r.at.getTime() >= started - 1000), `a row took the writer's date: ${rows.find((r) => r.at.getTime() < started - 1000)?.at.toISOString()}`);
  const report = await autonomyReport(store.db, await testModel(), { policy: { minStreak: 20, minWindowDays: 14, minDistinctDays: 10, minApprovers: 2 }, allowUnanchored: true });
  const reply = report.assessments.find((a) => a.actionType === "customer.reply")!;
  assert.equal(reply.eligible, false);
  assert.deepEqual([reply.streak, reply.approvers, reply.distinctDays], [20, 2, 1]);
  assert.match(reply.reasons.join("; "), /^evidence window 0\.0 of 14 days; approvals on 1 of 10 distinct days$/);
});
