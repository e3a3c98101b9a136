/**
 * The whole path on loopback (issue #14). For each scenario the example agent's own process runs
 * its real code, started as its container is, with its environment pointing at loopback: the
 * Claude Messages API stand-in answers scripted tool-use turns; its AWS SDK clients reach Lambda
 * Invoke (running the REAL approval gateway handler on the approval service's store: embedded
 * PGlite, or the server AIRLOCK_TEST_DATABASE_URL names), DynamoDB and SES stand-ins; the gateway
 * posts to the Slack API stand-in, where the approver presses buttons through signed interaction
 * payloads; posthog-node inside the agent sends to a PostHog receiver. After each scenario the
 * operator's `airlock audit verify` and `airlock autonomy report` run on the store, and the trace
 * (EMF lines, PostHog events, stderr, Slack) is searched for the credentials planted in the ticket,
 * the tool arguments and the agent's own secrets.
 *
 * The scenarios run a few at a time (each has its own world and store); `npm run demo` prints the
 * same runs as timelines.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AGENT_METRICS, CALL_OUTCOMES, SANDBOX_ENV, TASK_ENV } from "@airlock/core/contracts";
import { POSTHOG_EVENTS } from "@airlock/trace";
import { APPROVER } from "../../packages/approvals/test/helpers/slack-requests.ts";
import { toolResults } from "./harness/model-script.ts";
import { runScenario, type ScenarioRun } from "./harness/run-scenario.ts";
import { EDITED_BODY, REPLY_BODY, SCENARIOS, type Scenario } from "./harness/scenarios.ts";
import { spanShape } from "./harness/trace.ts";

/** How many scenarios run at once (each is an agent process and a store). */
const CONCURRENCY = 3;

const byId = new Map(SCENARIOS.map((s) => [s.id, s]));
const runs = new Map<string, Promise<ScenarioRun>>();

/** Starts every scenario, `CONCURRENCY` at a time; each test awaits its own. */
function startAll(): void {
  const queue = [...SCENARIOS];
  const settle = new Map<string, { resolve(r: ScenarioRun): void; reject(e: unknown): void }>();
  for (const s of SCENARIOS) {
    const p = new Promise<ScenarioRun>((resolve, reject) => settle.set(s.id, { resolve, reject }));
    p.catch(() => undefined);
    runs.set(s.id, p);
  }
  const worker = async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      const done = settle.get(s.id)!;
      await runScenario(s).then(done.resolve, done.reject);
    }
  };
  for (let i = 0; i < CONCURRENCY; i++) void worker();
}

function run(id: string): Promise<ScenarioRun> {
  const p = runs.get(id);
  assert.ok(p, `no scenario ${id}`);
  return p;
}

/** The run's story, for a failure's message. */
const story = (r: ScenarioRun) => `\n--- timeline of ${r.scenario.id} ---\n${r.timeline.format()}\n--- agent stderr ---\n${r.exit.stderr.slice(-4000)}`;

/** What the model was told right after it asked for `tool` (the tool result of that call). */
function toldAfter(r: ScenarioRun, tool: string): { text: string; isError: boolean } {
  for (let i = 0; i < r.modelRequests.length; i++) {
    const messages = (r.modelRequests[i]!.body.messages ?? []) as { role: string; content: unknown }[];
    const asked = messages.at(-2);
    if (asked?.role !== "assistant" || !Array.isArray(asked.content)) continue;
    const use = (asked.content as { type: string; name?: string; id?: string }[]).find((b) => b.type === "tool_use" && b.name === tool);
    if (use === undefined) continue;
    const result = toolResults(r.modelRequests[i]!).find((t) => t.toolUseId === use.id);
    assert.ok(result, `the request after ${tool} carries no tool_result for it${story(r)}`);
    return { text: result.text, isError: result.isError };
  }
  assert.fail(`the model never asked for ${tool}, or was never told its result${story(r)}`);
}

/** What every scenario must show, whatever happened in it. */
function assertCommon(r: ScenarioRun, decisions: { approvals: number; rejections: number; edits: number }, spans: readonly string[]): void {
  // The agent ran to its end and answered the model's last turn.
  assert.equal(r.exit.code, 0, `the agent exited ${r.exit.code ?? r.exit.signal}${story(r)}`);
  assert.equal(r.modelRequests.length, r.scenario.turns(r.planted).length, `every scripted turn was asked for, and no more${story(r)}`);

  // `airlock audit verify`: the chain is intact and holds exactly the rows the gateway wrote.
  assert.equal(r.verify.exitCode, 0, `airlock audit verify: ${r.verify.stderr}${story(r)}`);
  assert.equal(r.verify.json.ok, true);
  assert.deepEqual(r.verify.json.problems, []);
  assert.equal(r.verify.json.rows, r.audit.length);

  // `airlock autonomy report`: the decisions made in Slack, per action type.
  assert.equal(r.autonomy.exitCode, 0, `airlock autonomy report: ${r.autonomy.stderr}`);
  assert.equal(r.autonomy.json.verification.ok, true);
  const reply = r.autonomy.json.assessments.find((a) => a.actionType === "customer.reply");
  assert.deepEqual({ approvals: reply?.approvals, rejections: reply?.rejections, edits: reply?.edits }, decisions, `customer.reply's evidence${story(r)}`);
  const refund = r.autonomy.json.assessments.find((a) => a.actionType === "billing.refund");
  assert.deepEqual([refund?.approvals, refund?.eligible], [0, false]);

  // The trace: every call a span, in the order made, in one trace; PostHog got the same spans.
  const shapes = r.output.spans.map(spanShape);
  assert.deepEqual(shapes, spans, `the EMF lines' spans${story(r)}`);
  // Each line's Errors and Refusals follow its outcome: a refusal, a denial or a timeout (`~`) is
  // not in the error-rate series the deployment alarms roll a release back on.
  assert.deepEqual(
    r.output.spans.map((s) => [spanShape(s), s.line[AGENT_METRICS.names.errors], s.line[AGENT_METRICS.names.refusals]]),
    r.output.spans.map((s) => [spanShape(s), s.outcome === CALL_OUTCOMES.error ? 1 : 0, s.outcome === CALL_OUTCOMES.refused ? 1 : 0]),
    `the EMF lines' Errors and Refusals${story(r)}`,
  );
  const traceIds = new Set(r.output.spans.map((s) => s.traceId));
  assert.equal(traceIds.size, 1, `one trace per ticket, got ${[...traceIds].join(", ")}`);
  assert.deepEqual(r.posthog.filter((e) => typeof e.uuid !== "string").map((e) => e.event), [], "every PostHog event carries the uuid PostHog dedupes re-sent batches on");
  const generations = r.posthog.filter((e) => e.event === POSTHOG_EVENTS.generation);
  const phSpans = r.posthog.filter((e) => e.event === POSTHOG_EVENTS.span);
  assert.equal(generations.length, r.output.spans.filter((s) => s.kind === "model").length, "one $ai_generation per model call");
  assert.deepEqual(
    phSpans.map((e) => e.properties.$ai_span_id).sort(),
    r.output.spans.filter((s) => s.kind === "tool").map((s) => s.spanId).sort(),
    "one $ai_span per tool span, with the same span ids as the EMF lines",
  );
  assert.equal(r.posthog.filter((e) => e.event === POSTHOG_EVENTS.trace).length, 1, "one $ai_trace for the ticket");
  assert.ok(r.posthog.every((e) => e.properties.$ai_trace_id === [...traceIds][0]), "every PostHog event is in the ticket's trace");

  // No planted credential anywhere in the trace, although each reached the agent: the ticket's
  // keys and the model's tool arguments went to the model (so through the traced calls), and the
  // agent's own API key authenticated its model calls.
  assert.deepEqual(r.leaks, [], `planted credentials in the trace${story(r)}`);
  const sentToModel = JSON.stringify(r.modelRequests.map((q) => q.body));
  for (const v of Object.values(r.planted.inTicket)) assert.ok(sentToModel.includes(v), "the ticket's pasted keys reached the model (and so the traced calls)");
  assert.ok(Object.values(r.planted.inArguments).some((v) => sentToModel.includes(v)), "a planted key was in a tool call's arguments");
  // The call with the planted key in its arguments is in the trace, its key redacted (not dropped).
  assert.ok(
    r.output.spans.some((s) => s.kind === "tool" && /\[REDACTED:\w+\]/.test(JSON.stringify(s.args))),
    `a tool span's arguments show the planted key redacted${story(r)}`,
  );
  const keyOf = (q: ScenarioRun["modelRequests"][number]) => q.headers["x-api-key"] ?? String(q.headers.authorization ?? "").replace(/^Bearer /, "");
  assert.ok(r.modelRequests.every((q) => keyOf(q) === r.planted.secrets["anthropic-api-key"]), "the agent called the model with its own key, injected as ECS injects secrets");
}

describe("the whole path on loopback: the example agent's process, the real approval gateway, Slack, the store and the trace", () => {
  before(() => startAll());

  it("given a ticket, when the agent drafts a reply and a person presses Approve in Slack, then the email is sent exactly once with the approved text and the ticket is recorded as answered", async () => {
    const r = await run("approved-reply");
    // The request reached Slack, with its buttons, and the approver approved it.
    assert.equal(r.acts.length, 1, story(r));
    const [act] = r.acts;
    assert.deepEqual(Object.keys(act!.posted.buttons).sort(), ["airlock.approve", "airlock.edit", "airlock.reject"]);
    assert.match(JSON.stringify(act!.posted.blocks), /send_customer_reply/);
    // Exactly one email, with the text the person saw and approved.
    assert.equal(r.emails.length, 1, story(r));
    assert.deepEqual([r.emails[0]!.to, r.emails[0]!.text], [["dana.reyes@customer.example.net"], REPLY_BODY]);
    assert.match(JSON.stringify(act!.posted.blocks), new RegExp(REPLY_BODY.slice(0, 40).replace(/[.$()]/g, "\\$&")));
    // The gateway was asked through the agent's alias: request, decision polls, one consume.
    const ops = r.gateway.map((i) => i.event.op);
    assert.equal(ops.filter((o) => o === "request").length, 1);
    assert.equal(ops.filter((o) => o === "consume").length, 1);
    assert.ok(r.gateway.every((i) => i.invokedFunctionArn.endsWith(":function:airlock-approvals:support-agent")));
    assert.deepEqual(
      r.audit.map((a) => a.kind),
      ["approval.requested", "approval.decided", "approval.executed"],
    );
    assert.equal(r.audit[1]!.actor, APPROVER);
    // The model was told the reply went out; the ticket holds the reply.
    assert.equal(toldAfter(r, "send_customer_reply").isError, false);
    assert.ok(JSON.stringify(r.ticketAfter).includes(REPLY_BODY), `the ticket records the reply: ${JSON.stringify(r.ticketAfter)}`);
    assertCommon(r, { approvals: 1, rejections: 0, edits: 0 }, ["model", "read_ticket", "model", "search_knowledge_base", "search_knowledge_base", "model", "approval-wait:send_customer_reply", "send_customer_reply", "model", "record_reply", "model"]);
  });

  it("given a ticket queued in the table, when the agent runs as the ECS service's task, then it claims it, the approved reply is sent once, the ticket is marked answered and SIGTERM ends the task with 0", async () => {
    const r = await run("service-queued-ticket");
    assert.equal(r.acts.length, 1, story(r));
    assert.equal(r.acts[0]!.did, "approve");
    assert.equal(r.emails.length, 1, story(r));
    assert.deepEqual([r.emails[0]!.to, r.emails[0]!.text], [["dana.reyes@customer.example.net"], REPLY_BODY]);
    // The loop's own access, through the ticket_queue tool: the status index, then a conditional claim, then the finish.
    const item = r.ticketAfter!;
    assert.deepEqual([item.status, item.outcome, item.lease_owner, item.lease_until], ["answered", "replied", undefined, undefined], story(r));
    assert.match(String(item.handled_by), /\/\d+\//);
    assert.ok(r.queueSpans.length >= 2 && r.queueSpans.every((s) => s.outcome !== "error"), `the queue calls: ${r.queueSpans.map((s) => s.outcome).join(", ")}${story(r)}`);
    const own = r.output.other.filter((o): o is Record<string, unknown> => typeof o === "object" && (o.event === "service" || o.event === "queue")).map((o) => `${String(o.event)}:${String(o.state)}`);
    assert.deepEqual(own, ["service:started", "queue:taken", "queue:answered", "service:stopping", "service:stopped"], story(r));
    assert.equal(r.exit.signal, null, "it exited on its own after SIGTERM");
    assertCommon(r, { approvals: 1, rejections: 0, edits: 0 }, ["model", "read_ticket", "model", "search_knowledge_base", "search_knowledge_base", "model", "approval-wait:send_customer_reply", "send_customer_reply", "model", "record_reply", "model"]);
  });

  it("given a drafted reply, when the approver presses Reject, then nothing is sent and the model's next request tells it a person rejected the call", async () => {
    const r = await run("rejected-reply");
    assert.equal(r.acts[0]?.did, "reject", story(r));
    assert.equal(r.emails.length, 0, "no email");
    const id = r.acts[0]!.requestId;
    assert.deepEqual(toldAfter(r, "send_customer_reply"), {
      isError: true,
      text: `A person (<@${APPROVER}>) rejected the call to "send_customer_reply" (approval request ${id}); it was not run. Do not retry it; tell the user, or ask what to change.`,
    });
    assert.equal(r.gateway.filter((i) => i.event.op === "consume").length, 0, "nothing was executed");
    assert.deepEqual(
      r.audit.map((a) => a.kind),
      ["approval.requested", "approval.decided"],
    );
    assertCommon(r, { approvals: 0, rejections: 1, edits: 0 }, ["model", "read_ticket", "model", "search_knowledge_base", "search_knowledge_base", "model", "approval-wait:send_customer_reply~", "model"]);
  });

  it("given a drafted reply, when the approver edits the body in the modal and submits it, then the customer receives the edited text, once, and never the draft", async () => {
    const r = await run("edited-reply");
    const act = r.acts[0];
    assert.equal(act?.did, "edit", story(r));
    assert.equal(act!.edit!.opened.body, REPLY_BODY, "the modal opened with the agent's draft");
    assert.equal(r.emails.length, 1, story(r));
    assert.equal(r.emails[0]!.text, EDITED_BODY);
    assert.ok(!JSON.stringify(r.emails).includes(REPLY_BODY.slice(0, 30)), "the draft was never sent");
    assert.deepEqual(
      r.audit.map((a) => a.kind),
      ["approval.requested", "approval.decided", "approval.executed"],
    );
    assert.equal(toldAfter(r, "send_customer_reply").isError, false);
    assertCommon(r, { approvals: 0, rejections: 0, edits: 1 }, ["model", "read_ticket", "model", "search_knowledge_base", "search_knowledge_base", "model", "approval-wait:send_customer_reply", "send_customer_reply", "model"]);
  });

  it("given a tool the manifest does not declare, when the model asks for it, then it is refused before anything runs and the model is told which tools it has", async () => {
    const r = await run("undeclared-tool");
    const told = toldAfter(r, "delete_ticket");
    assert.equal(told.isError, true);
    assert.match(told.text, /^Tool "delete_ticket" is not available to this agent, and the call was not run\. The tools you can call are: .*read_ticket.*send_customer_reply/);
    assert.deepEqual([r.gateway.length, r.slack.filter((c) => c.method === "chat.postMessage").length, r.audit.length], [0, 0, 0], "no one was asked");
    assert.ok(!r.dynamodbOps.includes("DeleteItem"));
    const refused = r.output.spans.find((s) => s.name === "delete_ticket");
    assert.equal(refused?.errorClass, "ToolRefusedError");
    assertCommon(r, { approvals: 0, rejections: 0, edits: 0 }, ["model", "read_ticket", "model", "delete_ticket~", "model"]);
  });

  it("given a refund above the manifest's $100.00 condition, when the model asks for it, then the argument policy forbids it without asking anyone: no request to the gateway, no Slack post", async () => {
    const r = await run("forbidden-refund");
    const told = toldAfter(r, "issue_refund");
    assert.equal(told.isError, true);
    assert.match(told.text, /^The call to "issue_refund" is forbidden by this agent's policy: .+ It was not run and no one was asked; do not retry it with the same arguments\.$/);
    assert.deepEqual([r.gateway.length, r.slack.filter((c) => c.method === "chat.postMessage").length, r.audit.length], [0, 0, 0], "no one was asked");
    assert.equal(r.acts.length, 0);
    assertCommon(r, { approvals: 0, rejections: 0, edits: 0 }, ["model", "read_ticket", "model", "issue_refund~", "model"]);
  });

  it("given a drafted reply, when nobody decides before the agent's deadline, then the call comes back to the model as timed out and nothing is sent", async () => {
    const r = await run("approval-timeout");
    assert.equal(r.acts[0]?.did, "nothing", story(r));
    const id = r.acts[0]!.requestId;
    const told = toldAfter(r, "send_customer_reply");
    assert.equal(told.isError, true);
    assert.match(told.text, new RegExp(`^No one decided on the call to "send_customer_reply" \\(approval request ${id}\\) before the deadline, \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; it was not run\\.`));
    assert.equal(r.emails.length, 0);
    assert.deepEqual(
      r.audit.map((a) => a.kind),
      ["approval.requested"],
    );
    assertCommon(r, { approvals: 0, rejections: 0, edits: 0 }, ["model", "read_ticket", "model", "search_knowledge_base", "search_knowledge_base", "model", "approval-wait:send_customer_reply~", "model"]);
  });

  it("given the model writes analysis code, when it calls the code-executing tool, then the code runs as a sandbox task with no public IP and no AWS credentials, and the model answers from its output", async () => {
    const r = await run("sandbox-analysis");
    assert.equal(r.sandboxRuns.length, 1, story(r));
    const [task] = r.sandboxRuns;
    const sandboxEnv = r.sandboxEnv;
    // RunTask of the sandbox task definition, on the sandbox cluster, in its isolated subnets with its security group.
    assert.equal(task!.runTask.cluster, sandboxEnv[TASK_ENV.sandboxCluster]);
    assert.equal(task!.runTask.taskDefinition, sandboxEnv[TASK_ENV.sandboxTaskDefinition]);
    assert.deepEqual(task!.runTask.networkConfiguration, {
      awsvpcConfiguration: { subnets: sandboxEnv[TASK_ENV.sandboxSubnets]!.split(","), securityGroups: [sandboxEnv[TASK_ENV.sandboxSecurityGroup]], assignPublicIp: "DISABLED" },
    });
    // The task got its input through the overrides and nothing of the agent's: no credentials, no secrets.
    const envNames = Object.keys(task!.environment);
    assert.ok(envNames.includes(SANDBOX_ENV.input), `the run's input is in the task's environment: ${envNames.join(", ")}`);
    for (const name of envNames) assert.doesNotMatch(name, /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|CONTAINER_CREDENTIALS)|API_KEY|TOKEN$/, `the sandbox task has no credential variable (${name})`);
    const values = JSON.stringify(task!.environment);
    for (const secret of Object.values(r.planted.secrets)) assert.ok(!values.includes(secret), "none of the agent's secrets reached the sandbox");
    // The output came back from the task's log stream; the model was told the code's value.
    assert.ok(r.ecsOps.includes("GetLogEvents"), `the runner read the task's log stream: ${r.ecsOps.join(", ")}`);
    const told = toldAfter(r, "analyze_ticket_history");
    assert.equal(told.isError, false, told.text);
    const value = (JSON.parse(told.text) as { value: { total: number; open: string[] } }).value;
    assert.deepEqual(value, { total: 4, open: ["T-1048", "T-1001"] });
    assert.deepEqual([r.gateway.length, r.audit.length], [0, 0], "no one was asked");
    assertCommon(r, { approvals: 0, rejections: 0, edits: 0 }, ["model", "read_ticket", "model", "sandbox-run:analyze_ticket_history", "analyze_ticket_history", "model"]);
  });

  it("runs every scenario the harness defines", () => {
    assert.deepEqual([...byId.keys()], ["approved-reply", "service-queued-ticket", "rejected-reply", "edited-reply", "undeclared-tool", "forbidden-refund", "approval-timeout", "sandbox-analysis"] satisfies Scenario["id"][]);
  });
});
