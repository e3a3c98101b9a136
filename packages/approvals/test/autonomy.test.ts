/** Evidence-based autonomy, computed from audit rows (pure). */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { AgentModel } from "@airlock/core";
import { assessAutonomy, formatAutonomyReport, manifestChange, type AutonomyAssessment, type AutonomyPolicy } from "../src/audit/autonomy.ts";
import type { AuditRow } from "../src/audit/log.ts";
import { testModel } from "./helpers/model.ts";

const DAY = 86_400_000;
const START = new Date("2026-01-01T00:00:00.000Z").getTime();

type Event = "approved" | "rejected" | "edited" | "incident";

/** Audit rows for `events` on `actionType`, one every `everyMs`. */
function rows(actionType: string, events: readonly Event[], everyMs = DAY / 4, agent = "support-agent"): AuditRow[] {
  return events.map((e, i) => ({
    seq: i + 1,
    at: new Date(START + i * everyMs),
    kind: e === "incident" ? "incident" : "approval.decided",
    agent,
    actionType,
    // Two approvers take turns, through Slack's interactivity endpoint.
    actor: i % 2 === 0 ? "U0APPROVER1" : "U0APPROVER2",
    payload: e === "incident" ? { description: "wrong customer emailed" } : { decision: e, via: "http" },
    prevHash: "0".repeat(64),
    hash: "0".repeat(64),
  }));
}

function one(model: AgentModel, actionType: string, evidence: AuditRow[], now: Date, policy: AutonomyPolicy = { minStreak: 50, minWindowDays: 14 }): AutonomyAssessment {
  const a = assessAutonomy(model, evidence, { minDistinctDays: 1, minApprovers: 1, ...policy }, now).find((x) => x.actionType === actionType);
  assert.ok(a);
  return a;
}

test("50 approvals without edit over 15 days make `approve` eligible, with the manifest change to review", async () => {
  const model = await testModel();
  // Given 50 approvals of customer.reply, one every 6 hours, starting 15 days ago
  const evidence = rows("customer.reply", Array(50).fill("approved"));
  const now = new Date(START + 15 * DAY);
  // When assessed
  const a = one(model, "customer.reply", evidence, now);
  // Then it is eligible and the snippet widens exactly this line
  assert.equal(a.eligible, true);
  assert.deepEqual([a.approvals, a.rejections, a.edits, a.incidents, a.streak], [50, 0, 0, 0, 50]);
  assert.equal(a.windowDays, 15);
  assert.deepEqual(a.reasons, []);
  assert.equal(
    a.manifestChange,
    [
      "# customer.reply: approve -> auto. Evidence: 50 approvals without edit over 15.0 days since 2026-01-01,",
      "# no rejection, edit or incident. Merge only after review; any rejection or incident later means going back to approve.",
      "riskLines:",
      "  customer.reply:",
      "    tier: auto",
      '    description: "Any email a customer will read."',
      "",
    ].join("\n"),
  );
});

test("a rejection, an edit or an incident resets the streak and its window", async () => {
  const model = await testModel();
  const now = new Date(START + 40 * DAY);
  for (const reset of ["rejected", "edited", "incident"] as const) {
    // Given 60 approvals, then the reset, then 10 approvals
    const evidence = rows("customer.reply", [...Array(60).fill("approved"), reset, ...Array(10).fill("approved")]);
    const a = one(model, "customer.reply", evidence, now);
    assert.equal(a.streak, 10);
    assert.equal(a.approvals, 70);
    assert.equal(a.eligible, false);
    assert.equal(a.manifestChange, undefined);
    assert.deepEqual(a.lastReset, { reason: { rejected: "rejection", edited: "edit", incident: "incident" }[reset], at: new Date(START + 60 * (DAY / 4)), seq: 61 });
    assert.equal(a.windowStart?.toISOString(), new Date(START + 61 * (DAY / 4)).toISOString());
    assert.equal(a.reasons[0], "streak 10 of 50 approvals without edit");
  }
});

test("a long streak in a short window is not enough, and the reason says by how much", async () => {
  const model = await testModel();
  const evidence = rows("customer.reply", Array(80).fill("approved"), 60_000);
  const a = one(model, "customer.reply", evidence, new Date(START + 3 * DAY));
  assert.equal(a.eligible, false);
  assert.deepEqual(a.reasons, ["evidence window 3.0 of 14 days"]);
});

test("money, mass communication and always-approve never become eligible; auto is already auto", async () => {
  const model = await testModel();
  const many = Array(500).fill("approved") as Event[];
  const now = new Date(START + 400 * DAY);
  const evidence = [...rows("billing.refund", many), ...rows("status.broadcast", many), ...rows("ticket.label", many)];
  const all = assessAutonomy(model, evidence, { minStreak: 5, minWindowDays: 1 }, now);
  const by = Object.fromEntries(all.map((a) => [a.actionType, a]));
  assert.deepEqual(Object.keys(by), ["billing.refund", "customer.reply", "status.broadcast", "ticket.label"]);
  assert.deepEqual(by["billing.refund"]!.reasons, ["`always-approve` never widens", "class `money` never widens to `auto`"]);
  assert.deepEqual(by["status.broadcast"]!.reasons, ["class `mass-communication` never widens to `auto`"]);
  assert.deepEqual(by["ticket.label"]!.reasons, ["already `auto`"]);
  for (const t of ["billing.refund", "status.broadcast", "ticket.label"]) {
    assert.equal(by[t]!.eligible, false);
    assert.equal(by[t]!.streak, 500, "the evidence is still counted");
  }
});

test("another agent's rows and other action types do not count", async () => {
  const model = await testModel();
  const evidence = [...rows("customer.reply", Array(60).fill("approved"), DAY, "other-agent"), ...rows("billing.refund", ["rejected"])];
  const a = one(model, "customer.reply", evidence, new Date(START + 90 * DAY));
  assert.deepEqual([a.approvals, a.rejections, a.streak], [0, 0, 0]);
});

test("a bad policy names the field", async () => {
  const model = await testModel();
  assert.throws(() => assessAutonomy(model, [], { minStreak: 0, minWindowDays: 1 }), { message: "`minStreak`: 0 is not a positive whole number of approvals" });
  assert.throws(() => assessAutonomy(model, [], { minStreak: 3, minWindowDays: -1 }), { message: "`minWindowDays`: -1 is not a number of days ≥ 0" });
});

test("property: the streak is the run of approvals since the last reset, and eligibility follows the rule", async () => {
  const model = await testModel();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom<Event>("approved", "approved", "approved", "rejected", "edited", "incident"), { maxLength: 60 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 0, max: 20 }),
      async (events, minStreak, minWindowDays) => {
        const now = new Date(START + 30 * DAY);
        const a = one(model, "customer.reply", rows("customer.reply", events), now, { minStreak, minWindowDays });
        const lastReset = Math.max(events.lastIndexOf("rejected"), events.lastIndexOf("edited"), events.lastIndexOf("incident"));
        const streak = events.length - 1 - lastReset;
        assert.equal(a.streak, streak);
        assert.equal(a.approvals, events.filter((e) => e === "approved").length);
        const windowDays = streak === 0 ? 0 : (now.getTime() - (START + (lastReset + 1) * (DAY / 4))) / DAY;
        assert.equal(a.eligible, streak >= minStreak && windowDays >= minWindowDays);
        assert.equal(a.manifestChange !== undefined, a.eligible);
      },
    ),
    { numRuns: 300 },
  );
});

test("the text report shows counts, the reset and the change", async () => {
  const model = await testModel();
  const evidence = [...rows("customer.reply", ["rejected", ...Array(6).fill("approved")], DAY)];
  const now = new Date(START + 10 * DAY);
  const report = formatAutonomyReport({
    agent: "support-agent",
    policy: { minStreak: 5, minWindowDays: 3, minDistinctDays: 5, minApprovers: 2 },
    generatedAt: now,
    verification: { ok: true, rows: 7, head: { seq: 7, hash: "a".repeat(64) }, problems: [] },
    assessments: assessAutonomy(model, evidence, { minStreak: 5, minWindowDays: 3, minDistinctDays: 5, minApprovers: 2 }, now),
  });
  assert.match(report, /^autonomy report for support-agent at 2026-01-11T00:00:00\.000Z\n/);
  assert.match(report, /\ncustomer\.reply {2}tier approve\n {2}approvals 6 · rejections 1 · edits 0 · incidents 0 · streak 6 · window 9\.0 days since 2026-01-02T00:00:00\.000Z\n {2}streak on 6 distinct days by 2 approvers\n {2}last reset: rejection at 2026-01-01T00:00:00\.000Z \(audit row 1\)\n {2}ELIGIBLE to widen approve -> auto\./);
  assert.match(report, /\n {4}riskLines:\n {6}customer\.reply:\n {8}tier: auto\n/);
  assert.match(report, /\nbilling\.refund {2}tier always-approve · class money\n.*\n.*\n {2}not eligible: `always-approve` never widens; class `money` never widens to `auto`\n/);
  assert.equal(manifestChange({ actionType: "x.y", streak: 1, windowDays: 0 }).split("\n").slice(2).join("\n"), "riskLines:\n  x.y:\n    tier: auto\n");
});

// --- Gaming the evidence (issue #15): each of these was eligible before ---------------------------

/** Rows with explicit times, actors and channels. */
function decided(actionType: string, list: readonly { at: number; actor?: string; via?: string; decision?: string }[], from = 1): AuditRow[] {
  return list.map((d, i) => ({
    seq: from + i,
    at: new Date(d.at),
    kind: "approval.decided",
    agent: "support-agent",
    actionType,
    actor: d.actor ?? (i % 2 === 0 ? "U0APPROVER1" : "U0APPROVER2"),
    payload: { decision: d.decision ?? "approved", via: d.via ?? "http" },
    prevHash: "0".repeat(64),
    hash: "0".repeat(64),
  }));
}
const DEFAULTS = { minStreak: 50, minWindowDays: 14 };

test("given one approval 15 days ago and a burst of 49 today, when assessed, then the burst is not a track record (distinct days)", async () => {
  const model = await testModel();
  const now = START + 15 * DAY;
  const evidence = decided("customer.reply", [{ at: START }, ...Array.from({ length: 49 }, (_, i) => ({ at: now - 3_600_000 + i * 60_000 }))]);
  const a = one(model, "customer.reply", evidence, new Date(now), { ...DEFAULTS, minDistinctDays: 10, minApprovers: 2 });
  assert.equal(a.eligible, false);
  assert.deepEqual(a.reasons, ["approvals on 2 of 10 distinct days"]);
});

test("given 50 approvals over 15 days by one approver, when the policy asks for two, then it is not eligible", async () => {
  const model = await testModel();
  const evidence = decided("customer.reply", Array.from({ length: 50 }, (_, i) => ({ at: START + i * (DAY / 3), actor: "U0APPROVER1" })));
  const a = one(model, "customer.reply", evidence, new Date(START + 20 * DAY), { ...DEFAULTS, minDistinctDays: 10, minApprovers: 2 });
  assert.deepEqual([a.eligible, a.approvers, a.reasons], [false, 1, ["1 of 2 distinct approvers"]]);
});

test("given approvals through the API or by something that is not a Slack user, when assessed, then they are not evidence (a rejection still resets)", async () => {
  const model = await testModel();
  const spread = (n: number, over: Partial<{ actor: string; via: string }>) => Array.from({ length: n }, (_, i) => ({ at: START + i * (DAY / 3), ...over }));
  for (const over of [{ via: "api" }, { actor: "agent:support-agent" }, { actor: "operator@example.com", via: "socket-mode" }]) {
    const a = one(model, "customer.reply", decided("customer.reply", spread(60, over)), new Date(START + 30 * DAY), { ...DEFAULTS, minDistinctDays: 10, minApprovers: 1 });
    assert.deepEqual([a.eligible, a.approvals, a.ignored, a.streak], [false, 60, 60, 0], JSON.stringify(over));
    assert.equal(a.reasons[0], "streak 0 of 50 approvals without edit");
  }
  const reset = one(model, "customer.reply", decided("customer.reply", [...spread(60, {}), { at: START + 25 * DAY, via: "api", decision: "rejected" }]), new Date(START + 30 * DAY));
  assert.equal(reset.streak, 0);
  assert.equal(reset.lastReset?.reason, "rejection");
});

test("given requests recorded as money (or always-approve) when they were made, when today's manifest drops the class, then the type still never widens", async () => {
  const model = await testModel();
  const requested = (seq: number, payload: Record<string, unknown>): AuditRow => ({
    seq, at: new Date(START), kind: "approval.requested", agent: "support-agent", actionType: "customer.reply", actor: "agent:support-agent", payload, prevHash: "0".repeat(64), hash: "0".repeat(64),
  });
  const approvals = decided("customer.reply", Array.from({ length: 60 }, (_, i) => ({ at: START + i * (DAY / 3) })), 10);
  const money = one(model, "customer.reply", [requested(1, { tier: "approve", riskClass: "money" }), ...approvals], new Date(START + 30 * DAY), { ...DEFAULTS, minDistinctDays: 10, minApprovers: 2 });
  assert.deepEqual([money.eligible, money.reasons], [false, ["requests of this type were class `money` when they were made (audit row 1); it never widens to `auto`"]]);
  assert.deepEqual(money.recordedAtRequest, { riskClass: "money", seq: 1 });
  const always = one(model, "customer.reply", [requested(2, { tier: "always-approve", riskClass: null }), ...approvals], new Date(START + 30 * DAY), { ...DEFAULTS, minDistinctDays: 10, minApprovers: 2 });
  assert.deepEqual(always.reasons, ["requests of this type were `always-approve` when they were made (audit row 2); it never widens"]);
  // A plain request of the type does not stop it.
  const plain = one(model, "customer.reply", [requested(3, { tier: "approve", riskClass: null }), ...approvals], new Date(START + 30 * DAY), { ...DEFAULTS, minDistinctDays: 10, minApprovers: 2 });
  assert.equal(plain.eligible, true);
});

test("a bad spread or approver count names the field", async () => {
  const model = await testModel();
  assert.throws(() => assessAutonomy(model, [], { minStreak: 3, minWindowDays: 1, minDistinctDays: 0 }), { message: "`minDistinctDays`: 0 is not a positive whole number of days" });
  assert.throws(() => assessAutonomy(model, [], { minStreak: 3, minWindowDays: 1, minApprovers: 1.5 }), { message: "`minApprovers`: 1.5 is not a positive whole number of approvers" });
});
