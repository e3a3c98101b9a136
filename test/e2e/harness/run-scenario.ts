/**
 * One scenario, start to end: the loopback world and services up, the ticket in the table, the
 * agent's process started as its container starts it, the approver acting in Slack while it runs,
 * then everything each party recorded, the operator's `airlock audit verify` and
 * `airlock autonomy report` on the store, and the search for planted credentials in the trace.
 * The end-to-end test asserts on what this returns; `npm run demo` prints its timeline.
 */
import { join } from "node:path";
import { readAudit, type AuditRow, type AuditVerification } from "@airlock/approvals";
import type { SlackCall } from "../../../packages/approvals/test/helpers/slack-receiver.ts";
import { REGION, type Invocation } from "../../../packages/runtime/test/helpers/lambda-standin.ts";
import { TASK_ENV } from "@airlock/core/contracts";
import type { ReceivedEvent } from "../../../packages/trace/test/helpers/receiver.ts";
import type { SentEmail } from "../../helpers/ses-standin.ts";
import { AGENT, type AgentContract } from "./agent-contract.ts";
import { auditVerify, autonomyReport, type AutonomyReportJson, type CliRun } from "./airlock-cli.ts";
import { runAgentProcess, REPO_ROOT, type AgentExit } from "./agent-process.ts";
import { toolResults, type StandInRequest } from "./model-script.ts";
import type { PostedRequest } from "./person.ts";
import { plantCredentials, type Planted } from "./planted.ts";
import { agentEnv, exampleAgentModel, EXAMPLE_AGENT_DIR, releaseDir, TICKETS } from "../../helpers/example-agent.ts";
import { ticketOf, type Scenario } from "./scenarios.ts";
import { startServices, type Services } from "./services.ts";
import { readAgentOutput, findLeaks, type AgentOutput, type Leak } from "./trace.ts";
import { short, Timeline, type TimelineEvent } from "./timeline.ts";
import { POSTHOG_PROJECT_KEY, startWorld } from "./world.ts";

/** What the approver saw and did. */
export interface PersonAct {
  readonly requestId: string;
  readonly posted: PostedRequest;
  readonly did: "approve" | "reject" | "edit" | "nothing";
  /** For an edit: the arguments the modal opened with and the ones submitted. */
  readonly edit?: { readonly opened: Record<string, unknown>; readonly submitted: Record<string, unknown> };
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly planted: Planted;
  readonly exit: AgentExit;
  readonly output: AgentOutput;
  /** The service loop's ticket_queue calls (service mode), kept apart from the ticket's trace. */
  readonly queueSpans: AgentOutput["spans"];
  readonly posthog: readonly ReceivedEvent[];
  /** Every messages request the agent sent the model, in order. */
  readonly modelRequests: readonly StandInRequest[];
  readonly slack: readonly SlackCall[];
  readonly gateway: readonly Invocation[];
  readonly acts: readonly PersonAct[];
  readonly emails: readonly SentEmail[];
  /** The ticket's item after the run (plain values). */
  readonly ticketAfter: Record<string, unknown> | undefined;
  readonly dynamodbOps: readonly string[];
  /** The sandbox tasks: each RunTask's input, and the environment and log stream of the task it started. */
  readonly sandboxRuns: readonly { readonly runTask: Record<string, any>; readonly environment: Readonly<Record<string, string>>; readonly log: readonly string[] }[];
  /** Every ECS and CloudWatch Logs operation the agent called, in order. */
  readonly ecsOps: readonly string[];
  /** The sandbox's variables the agent's task had. */
  readonly sandboxEnv: Readonly<Record<string, string>>;
  readonly audit: readonly AuditRow[];
  readonly verify: CliRun<AuditVerification & { store: string }>;
  readonly autonomy: CliRun<AutonomyReportJson>;
  readonly leaks: readonly Leak[];
  readonly timeline: Timeline;
  readonly storeKind: "pglite" | "postgres";
}

export interface RunOptions {
  /** Told each timeline event as it happens (the demo prints them live). */
  readonly onEvent?: (event: TimelineEvent) => void;
  /** The agent's entry contract. @default AGENT */
  readonly agent?: AgentContract;
}

/** The person's part, run beside the agent: acts on each request the gateway posts until the agent exits. */
async function playPerson(scenario: Scenario, world: Awaited<ReturnType<typeof startWorld>>, agentDone: Promise<unknown>, acts: PersonAct[]): Promise<void> {
  for (;;) {
    const next = await Promise.race([world.gateway.nextRequest(), agentDone.then(() => undefined)]);
    if (next === undefined) return;
    const posted = world.person.posted(next);
    world.timeline.add("slack", `#${posted.channel}: "${posted.text}" with ${Object.values(posted.buttons).map((b) => (b.text as { text: string }).text).join(" / ")}`);
    const plan = scenario.person;
    const at = Date.now();
    if (plan.kind === "approve" || plan.kind === "reject") {
      const r = await world.person.press(posted, plan.kind);
      world.timeline.add("person", `pressed ${plan.kind === "approve" ? "Approve" : "Reject"} (signed block_actions to the gateway's function URL → ${r.statusCode})`, at);
      acts.push({ requestId: next, posted, did: plan.kind });
    } else if (plan.kind === "edit") {
      const e = await world.person.edit(posted, plan.change);
      world.timeline.add("person", `pressed Edit, changed the body in the modal and submitted it (view_submission → ${e.statusCode})\nnew body: ${short(String(e.submitted.body ?? ""), 90)}`, at);
      acts.push({ requestId: next, posted, did: "edit", edit: { opened: e.opened, submitted: e.submitted } });
    } else {
      world.timeline.add("person", plan.kind === "away" ? "is away: nobody presses anything" : "was not to be asked, yet a request reached Slack");
      acts.push({ requestId: next, posted, did: "nothing" });
    }
  }
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const contract = options.agent ?? AGENT;
  const planted = plantCredentials();
  const model = await exampleAgentModel();
  const timeline = new Timeline();
  if (options.onEvent !== undefined) {
    const add = timeline.add.bind(timeline);
    timeline.add = (actor, text, at = Date.now()) => {
      add(actor, text, at);
      options.onEvent!({ actor, text, at });
    };
  }
  const world = await startWorld(model, timeline);
  let services: Services | undefined;
  const release = releaseDir(model);
  try {
    services = await startServices(scenario.turns(planted));
    const ticket = ticketOf(scenario, planted);
    services.dynamodb.put(TICKETS.table, { [TICKETS.key]: ticket.id, [TICKETS.customerKey]: ticket.customerEmail, subject: ticket.subject, text: ticket.text, status: "open" });
    for (const h of scenario.history ?? []) services.dynamodb.put(TICKETS.table, { [TICKETS.key]: h.id, [TICKETS.customerKey]: ticket.customerEmail, subject: h.subject, text: "(earlier ticket)", status: h.status });
    timeline.add("dynamodb", `ticket ${ticket.id} from ${ticket.customerEmail}: "${short(ticket.text, 70)}" (with keys pasted in)`);

    // The task's environment as the example's own tests build it (the task definition's, the
    // secrets, the task role's credentials), with this world's gateway alias and endpoints.
    const env = agentEnv(model, {
      [TASK_ENV.approvalFunction]: world.approvalAlias,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_LAMBDA: world.gateway.url,
      ...services.endpoints,
      // The sandbox's variables, which AgentDeployment sets when a tool runs code.
      ...(model.tools.some((t) => t.sandbox) ? services.sandboxEnv : {}),
      REPLY_CONFIGURATION_SET: "support-replies",
      ...contract.env({ posthogHost: world.posthog.url, posthogKey: POSTHOG_PROJECT_KEY, ...(scenario.approvalDeadlineMs === undefined ? {} : { approvalDeadlineMs: scenario.approvalDeadlineMs }) }),
    });
    const service = scenario.mode === "service";
    const argv = service ? [] : contract.argv(ticket.id);
    timeline.add("harness", `agent process started: node ${contract.entry.replace(REPO_ROOT, "")} ${argv.join(" ")} (release ${model.hash.slice(0, 12)}…, ${Object.keys(env).length} environment variables)`);

    let done!: () => void;
    const agentDone = new Promise<void>((r) => (done = r));
    const acts: PersonAct[] = [];
    const person = playPerson(scenario, world, agentDone, acts);
    // The service is stopped as ECS stops a task, once the loop marked the ticket (handled_by set).
    const stopWhen = service ? () => services!.dynamodb.get(TICKETS.table, { [TICKETS.key]: ticket.id })?.handled_by !== undefined : undefined;
    const exit = await runAgentProcess({ entry: contract.entry, argv, env, cwd: release.dir, ...(stopWhen === undefined ? {} : { stopWhen }) });
    done();
    await person;
    timeline.add("agent", `exited ${exit.code ?? exit.signal}${exit.killed ? " (killed: it ran too long)" : ""}`, exit.endedAt);

    const all = readAgentOutput(exit.stdout);
    // The service loop's own queue calls are traces of their own, beside the ticket's.
    const queueSpans = all.spans.filter((s) => s.name === "ticket_queue");
    const output = { ...all, spans: all.spans.filter((s) => s.name !== "ticket_queue") };
    const queueTraces = new Set(queueSpans.map((s) => s.traceId));
    // The n-th model call sent the n-th request: what the agent told the model, at the call's start.
    const modelCalls = output.spans.filter((s) => s.kind === "model").sort((a, b) => a.startedAt - b.startedAt);
    services.model.messages().forEach((req, i) => {
      const results = toolResults(req);
      const told = results.map((t) => `${t.isError ? "[error] " : ""}${short(t.text, 110)}`).join(" | ");
      timeline.add("model", results.length === 0 ? `request ${i + 1}: "${short(String((req.body.messages as { content: unknown }[] | undefined)?.[0]?.content ?? ""), 60)}"` : `request ${i + 1}, told: ${told}`, (modelCalls[i]?.startedAt ?? exit.endedAt) - 0.5);
    });
    for (const s of queueSpans) timeline.add("agent", `tool ticket_queue (the service loop's own call, never the model's) → ${s.outcome} [${s.latencyMs.toFixed(0)} ms]`, s.startedAt);
    if (service) timeline.add("harness", "the ticket is marked in the table: SIGTERM to the task, as ECS stops it", exit.endedAt - 1);
    for (const s of output.spans) timeline.add("agent", `${s.kind === "model" ? `model call ${s.name}` : `tool ${s.name}`} → ${s.outcome}${s.errorClass === undefined ? "" : ` (${s.errorClass}: ${short(s.errorMessage ?? "", 80)})`} [${s.latencyMs.toFixed(0)} ms]`, s.startedAt);
    for (const e of services.ses.sent) timeline.add("ses", `email ${e.messageId.slice(0, 18)}… to ${e.to.join(", ")}: "${short(e.text, 80)}"`, e.at);
    const tasks = [...services.ecs.tasks.values()];
    const sandboxRuns = services.ecs.ops("RunTask").map((c, i) => ({ runTask: c.input, environment: tasks[i]?.environment ?? {}, log: tasks[i] === undefined ? [] : services!.ecs.streamOf(tasks[i]!.taskArn) }));
    const sandboxSpans = output.spans.filter((s) => s.name.startsWith("sandbox-run:"));
    sandboxRuns.forEach((r, i) => {
      const vpc = r.runTask.networkConfiguration?.awsvpcConfiguration ?? {};
      timeline.add("ecs", `RunTask ${String(r.runTask.taskDefinition).split("/").pop()} in ${(vpc.subnets ?? []).join(", ")} (security group ${(vpc.securityGroups ?? []).join(", ")}, public IP ${vpc.assignPublicIp}); the task's log stream: ${r.log.length} lines`, (sandboxSpans[i]?.startedAt ?? exit.endedAt) + 1);
    });
    const audit = await readAudit(world.gateway.db);
    for (const row of audit) timeline.add("audit", `#${row.seq} ${row.kind}${row.requestId === undefined ? "" : ` (request ${String(row.requestId).slice(0, 8)}…)`}`, row.at.getTime());
    const gateway = [...world.gateway.invocations];
    const slack = [...world.gateway.slack.calls];
    const ticketAfter = services.dynamodb.get(TICKETS.table, { [TICKETS.key]: ticket.id });
    // posthog-node re-sends a batch whose request timed out (fetchRetryCount), so under load the
    // receiver can get an event twice; PostHog dedupes on the event's uuid ("emit both events with
    // the same deterministic uuid so PostHog can dedupe them", @posthog/types capture.d.ts), and so
    // does this count. An event without a uuid is kept, and fails the scenario's uuid check.
    const seen = new Set<string>();
    const posthog = world.posthog.events().filter((e) => {
      if (queueTraces.has(String(e.properties.$ai_trace_id))) return false;
      if (e.uuid === undefined) return true;
      if (seen.has(e.uuid)) return false;
      seen.add(e.uuid);
      return true;
    });
    const posthogRaw = JSON.stringify(world.posthog.requests);
    await world.stop();

    const verify = await auditVerify(world.store.cliArgs, REPO_ROOT);
    timeline.add("cli", `airlock audit verify → exit ${verify.exitCode}: ${verify.json.ok ? `intact, ${verify.json.rows} row${verify.json.rows === 1 ? "" : "s"}` : `FAILED (${verify.json.problems.length} problems)`}`);
    const autonomy = await autonomyReport(world.store.cliArgs, join(EXAMPLE_AGENT_DIR, "agent.yaml"), REPO_ROOT);
    timeline.add("cli", `airlock autonomy report → exit ${autonomy.exitCode}: ${autonomy.json.assessments.map((a) => `${a.actionType} approvals ${a.approvals} · rejections ${a.rejections} · edits ${a.edits}`).join("; ")}`);

    const leaks = findLeaks(planted.all, { "agent stdout (EMF lines)": exit.stdout, "agent stderr": exit.stderr, "PostHog events": posthogRaw, "Slack messages": JSON.stringify(slack) });
    timeline.add("posthog", `${posthog.length} events received; planted credentials found in the trace: ${leaks.length === 0 ? "none" : leaks.map((l) => `${l.secret} in ${l.place}`).join(", ")}`);
    return {
      scenario,
      planted,
      exit,
      output,
      queueSpans,
      posthog,
      modelRequests: services.model.messages(),
      slack,
      gateway,
      acts,
      emails: [...services.ses.sent],
      ticketAfter,
      dynamodbOps: services.dynamodb.calls.map((c) => c.operation),
      sandboxRuns,
      ecsOps: services.ecs.calls.map((c) => c.operation),
      sandboxEnv: services.sandboxEnv,
      audit,
      verify,
      autonomy,
      leaks,
      timeline,
      storeKind: world.store.kind,
    };
  } finally {
    await world.stop();
    await services?.stop();
    await world.store.remove();
    release.remove();
  }
}
