/**
 * The example agent's entry as its container runs it (README.md's contract): `main.ts <ticketId>`
 * in a process of its own, the working directory holding the release's agent-model.json, the
 * task's environment with every endpoint on loopback (the Claude Messages API stand-in with
 * scripted turns, DynamoDB, SES, GitHub, billing), one JSON line per event on stdout beside the
 * tracer's EMF lines. Bad configuration exits 2 naming the variables, before any call is made.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { TASK_ENV } from "@airlock/core/contracts";
import { AnthropicStandIn, toolUse, type ScriptedTurn } from "../packages/runtime/test/helpers/anthropic-standin.ts";
import { LOOP_TOOLS } from "../examples/support-agent/agent/src/tools/index.ts";
import { AGENT_ENTRY, agentEnv, exampleAgentModel, releaseDir, SECRETS, startAgentServices, TICKETS, type AgentServices } from "./helpers/example-agent.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const TSX = import.meta.resolve("tsx");

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runEntry(argv: readonly string[], env: Record<string, string>, cwd: string): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, AGENT_ENTRY, ...argv], {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, TSX_TSCONFIG_PATH: `${REPO}tsconfig.json`, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, any>);
const events = (stdout: string) => lines(stdout).filter((l) => l._aws === undefined);
const emf = (stdout: string) => lines(stdout).filter((l) => l._aws !== undefined);

const INTERNAL = "billing-escalations@acme.example.com";
const turns: ScriptedTurn[] = [
  { content: [{ type: "text", text: "Reading the ticket." }, toolUse("read_ticket", { ticket_id: "T-1042" })] },
  { content: [toolUse("search_knowledge_base", { query: "duplicate charges", limit: 2 })] },
  // Replies to the company's own addresses run without a person (the manifest's condition).
  { content: [toolUse("send_customer_reply", { ticket_id: "T-1042", to: INTERNAL, subject: "Duplicate charge on A-7731", body: "Please confirm the duplicate charge (KB-118)." })] },
  { content: [toolUse("record_reply", { ticket_id: "T-1042", body: "Escalated to billing." })] },
  // Above $100.00 a refund is forbidden: nobody is asked and billing is never called.
  { content: [toolUse("issue_refund", { ticket_id: "T-1042", order_id: "A-7731", amount_cents: 25_000, reason: "goodwill" })] },
  { content: [toolUse("delete_ticket", { ticket_id: "T-1042" })] },
  { content: [{ type: "text", text: "Escalated to billing; the ticket is recorded." }], stop_reason: "end_turn" },
];

describe("the example agent's entry, src/main.ts", () => {
  let services: AgentServices;
  let model: Awaited<ReturnType<typeof exampleAgentModel>>;
  let release: ReturnType<typeof releaseDir>;

  before(async () => {
    services = await startAgentServices();
    model = await exampleAgentModel();
    release = releaseDir(model);
  });
  after(async () => {
    await services.stop();
    release.remove();
  });

  const envWith = (anthropic: AnthropicStandIn, extra: Record<string, string> = {}) =>
    agentEnv(model, { ...services.endpoints, ANTHROPIC_BASE_URL: anthropic.url, ...extra });

  it("given a ticket and scripted model turns, when it runs, then every tool goes through the runtime, one event a line, and it exits 0", async () => {
    services.dynamodb.put(TICKETS.table, { ticket_id: "T-1042", customer_email: "dana@customer.example.net", subject: "Charged twice", text: `Charged twice. My key: ${SECRETS.anthropic}`, status: "open" });
    const anthropic = new AnthropicStandIn(turns, { apiKey: SECRETS.anthropic });
    await anthropic.start();
    try {
      const exit = await runEntry(["T-1042"], envWith(anthropic), release.dir);
      assert.equal(exit.code, 0, exit.stderr);
      const ev = events(exit.stdout);
      assert.deepEqual(ev[0], { event: "start", ticket: "T-1042", agent: "support-agent", release: "rel-test-0001", model: "claude-sonnet-4-5", modelHash: model.hash });
      assert.deepEqual(
        ev.filter((e) => e.event === "tool").map((e) => [e.tool, e.outcome, e.isError]),
        [
          ["read_ticket", "ran", false],
          ["search_knowledge_base", "ran", false],
          ["send_customer_reply", "ran", false],
          ["record_reply", "ran", false],
          ["issue_refund", "forbidden", true],
          ["delete_ticket", "undeclared-tool", true],
        ],
      );
      const done = ev.at(-1)!;
      assert.deepEqual([done.event, done.outcome, done.stop, done.turns, done.text], ["done", "replied", "end_turn", 7, "Escalated to billing; the ticket is recorded."]);
      // What ran, ran against the services; what was refused touched nothing.
      assert.deepEqual(services.ses.sent.map((e) => [e.to, e.subject, e.configurationSet]), [[[INTERNAL], "Duplicate charge on A-7731", "support-replies"]]);
      assert.equal(services.dynamodb.get(TICKETS.table, { ticket_id: "T-1042" })!.status, "answered");
      assert.deepEqual(services.billing.requests, []);
      // The model was offered the declared tools with their input schemas, and the release's prompt.
      const first = anthropic.messages()[0]!.body as { system: string; tools: { name: string; input_schema: unknown }[] };
      // All but the service loop's own (ticket_queue): the model is never offered the queue.
      assert.deepEqual(first.tools.map((t) => t.name).sort(), model.tools.map((t) => t.name).filter((n) => !LOOP_TOOLS.includes(n)).sort());
      assert.deepEqual(LOOP_TOOLS, ["ticket_queue"]);
      assert.deepEqual(first.tools.find((t) => t.name === "issue_refund")!.input_schema, model.tools.find((t) => t.name === "issue_refund")!.input);
      assert.match(first.system, /^You are Acme's customer support agent\./);
      // The evals offer the model exactly these definitions and this prompt (evals/tools.mjs, prompt.mjs).
      const evalTools = (await import(new URL("../examples/support-agent/evals/tools.mjs", import.meta.url).href)) as { agentTools: () => Promise<unknown[]>; LOOP_TOOLS: string[] };
      assert.deepEqual(first.tools, await evalTools.agentTools());
      assert.deepEqual(evalTools.LOOP_TOOLS, LOOP_TOOLS);
      const { default: evalPrompt } = (await import(new URL("../examples/support-agent/evals/prompt.mjs", import.meta.url).href)) as { default: (a: { vars: unknown }) => string };
      assert.equal((JSON.parse(evalPrompt({ vars: { conversation: [{ role: "user", content: "x" }] } })) as { content: string }[])[0]!.content, first.system);
      // The tracer's EMF lines: one per model call and tool call, one trace.
      const spans = emf(exit.stdout);
      assert.equal(spans.filter((s) => s.Kind === "model").length, 7);
      assert.equal(new Set(spans.map((s) => s.TraceId)).size, 1);
      assert.equal(spans[0]!.TraceId, done.traceId);
      // The key pasted into the ticket reached the model (it is the ticket) but no output line.
      assert.ok(!exit.stdout.includes(SECRETS.anthropic) && !exit.stderr.includes(SECRETS.anthropic), "a credential was printed");
    } finally {
      await anthropic.stop();
    }
  });

  it("given missing and malformed variables, when it starts, then it exits 2 naming each one and calls nothing", async () => {
    const anthropic = new AnthropicStandIn([]);
    await anthropic.start();
    try {
      const env = envWith(anthropic, { KB_REPOSITORY: "not a repository", BILLING_API_URL: "ftp://billing" });
      delete env.TICKETS_TABLE;
      delete env.GITHUB_TOKEN;
      const exit = await runEntry(["T-1042"], env, release.dir);
      assert.equal(exit.code, 2);
      assert.match(exit.stderr, /the support agent cannot start:\n/);
      for (const text of ["`TICKETS_TABLE` is not set", "`GITHUB_TOKEN` is not set; ECS injects it from the secret `github-token`", '`KB_REPOSITORY`: "not a repository" is not a repository', '`BILLING_API_URL`: "ftp://billing" is not an http(s) URL']) {
        assert.ok(exit.stderr.includes(text), `stderr does not say ${text}:\n${exit.stderr}`);
      }
      assert.deepEqual(events(exit.stdout).map((e) => [e.event, e.kind]), [["error", "config"]]);
      assert.equal(anthropic.requests.length, 0);
    } finally {
      await anthropic.stop();
    }
  });

  it("given a model that is not the task's release, two arguments or a bad ticket id, when it starts, then it exits 2 saying which", async () => {
    const anthropic = new AnthropicStandIn([]);
    await anthropic.start();
    try {
      const wrong = await runEntry(["T-1042"], envWith(anthropic, { [TASK_ENV.modelHash]: "0".repeat(64) }), release.dir);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /is not the model this task was deployed with \(`AIRLOCK_MODEL_HASH` 000000000000…\)/);
      const two = await runEntry(["T-1042", "T-1043"], envWith(anthropic), release.dir);
      assert.equal(two.code, 2);
      assert.match(two.stderr, /usage: main\.js \[ticketId\]: no argument runs the service loop, one handles that ticket/);
      const bad = await runEntry(["1042; rm -rf /"], envWith(anthropic), release.dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /is not one; give it as the first argument, e.g\. T-1042/);
      assert.equal(anthropic.requests.length, 0);
    } finally {
      await anthropic.stop();
    }
  });
});
