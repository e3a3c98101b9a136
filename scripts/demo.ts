/**
 * `npm run demo`: the end-to-end scenarios of issue #14, run as the end-to-end test runs them
 * (test/e2e/harness, the same code), printed as timelines a person can follow: the example
 * agent's own process handling a ticket, the scripted model, the real approval gateway behind a
 * Lambda Invoke stand-in, the Slack messages and the approver's clicks, the emails SES received,
 * the audit log's rows, and the operator's `airlock audit verify` and `airlock autonomy report`.
 * Everything runs on loopback with the embedded store (or the server `AIRLOCK_TEST_DATABASE_URL`
 * names); nothing needs setting up or building first.
 *
 *   npm run demo                       # every scenario
 *   npm run demo -- approved-reply     # the scenarios whose id contains a word
 *
 * Exit 0 when every scenario ran to its end with an intact audit log and no planted credential in
 * the trace; 1 otherwise.
 */
import { runScenario, type ScenarioRun } from "../test/e2e/harness/run-scenario.ts";
import { SCENARIOS } from "../test/e2e/harness/scenarios.ts";

const filters = process.argv.slice(2);
const chosen = SCENARIOS.filter((s) => filters.length === 0 || filters.some((f) => s.id.includes(f)));
if (chosen.length === 0) {
  console.error(`demo: no scenario matches ${filters.join(" ")}; the scenarios are: ${SCENARIOS.map((s) => s.id).join(", ")}`);
  process.exit(2);
}

const rule = "─".repeat(100);

function summary(r: ScenarioRun): string[] {
  const reply = r.autonomy.json.assessments.find((a) => a.actionType === "customer.reply");
  const done = r.output.other.find((o): o is Record<string, unknown> => typeof o === "object" && o.event === "done");
  return [
    `  agent:     exit ${r.exit.code ?? r.exit.signal}${done === undefined ? "" : `, ticket ${String(done.outcome)} after ${String(done.turns)} model turns`}`,
    `  emails:    ${r.emails.length === 0 ? "none sent" : r.emails.map((e) => `1 to ${e.to.join(", ")} ("${e.text.slice(0, 60)}…")`).join("; ")}`,
    `  slack:     ${r.acts.length === 0 ? "nobody was asked" : r.acts.map((a) => `request ${a.requestId.slice(0, 8)}… → ${a.did}`).join("; ")}`,
    `  audit:     ${r.audit.map((a) => a.kind).join(" → ") || "no rows"}; airlock audit verify: ${r.verify.json.ok ? "intact" : "FAILED"} (${r.verify.json.rows} row${r.verify.json.rows === 1 ? "" : "s"})`,
    `  autonomy:  customer.reply approvals ${reply?.approvals ?? 0} · rejections ${reply?.rejections ?? 0} · edits ${reply?.edits ?? 0}`,
    `  trace:     ${r.output.spans.length} spans in the EMF lines, ${r.posthog.length} PostHog events; planted credentials in them: ${r.leaks.length === 0 ? "none" : r.leaks.map((l) => `${l.secret} in ${l.place}`).join(", ")}`,
  ];
}

console.log(`Airlock end to end on loopback: ${chosen.length} scenario${chosen.length === 1 ? "" : "s"} (the same harness as test/e2e/support-agent.e2e.test.ts)\n`);
let failed = 0;
for (const [i, scenario] of chosen.entries()) {
  console.log(rule);
  console.log(`${i + 1}. ${scenario.title}`);
  console.log(`   expected: ${scenario.expect}`);
  console.log(rule);
  let r: ScenarioRun;
  try {
    r = await runScenario(scenario);
  } catch (e) {
    failed++;
    console.log(`   the scenario could not run: ${e instanceof Error ? e.message : String(e)}\n`);
    continue;
  }
  console.log(r.timeline.format());
  console.log("");
  console.log(summary(r).join("\n"));
  console.log("");
  const ok = r.exit.code === 0 && r.verify.json.ok && r.leaks.length === 0;
  if (!ok) {
    failed++;
    if (r.exit.code !== 0) console.log(`   agent stderr:\n${r.exit.stderr.slice(-2000)}`);
  }
}
console.log(rule);
console.log(failed === 0 ? `all ${chosen.length} scenarios ran as described` : `${failed} of ${chosen.length} scenarios did not run cleanly`);
process.exit(failed === 0 ? 0 : 1);
