/**
 * The example agent's code-executing tool, `analyze_ticket_history`, end to end through the
 * sandbox: a call through the agent's runtime (the guard with the tool's declared input, then the
 * SandboxRunner with real ECS and CloudWatch Logs clients) against the loopback ECS stand-in,
 * which runs the example's own sandbox entry
 * (src/sandbox/entry.ts) as the sandbox task, with only the task definition's and the run's
 * environment. The model's code runs there, never in the agent's process.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { createAgentRuntime, createSandboxRunner, createToolGuard, type AgentRuntime } from "@airlock/runtime";
import { EcsStandIn } from "../packages/runtime/test/helpers/ecs-standin.ts";
import { EXAMPLE_AGENT_DIR, exampleAgentModel } from "./helpers/example-agent.ts";

const ENTRY = `${EXAMPLE_AGENT_DIR}agent/src/sandbox/entry.ts`;
const TICKETS = [
  { ticket_id: "T-1042", subject: "Charged twice", status: "open" },
  { ticket_id: "T-0990", subject: "Shipping time", status: "answered" },
  { ticket_id: "T-0871", subject: "Charged twice again", status: "open" },
];

describe("analyze_ticket_history in the sandbox task", () => {
  let ecs: EcsStandIn;
  let runtime: AgentRuntime;
  const never = () => {
    throw new Error("a sandboxed tool ran in the agent's process");
  };
  const call = (args: Record<string, unknown>) => runtime.callTool("analyze_ticket_history", args, never);

  before(async () => {
    ecs = new EcsStandIn({ image: { command: [process.execPath, "--import", import.meta.resolve("tsx"), ENTRY] } });
    await ecs.start();
    const runner = createSandboxRunner({ env: ecs.taskEnv(), ecs: ecs.ecsClient(), logs: ecs.logsClient(), backoff: { initialMs: 50, maxMs: 200 }, logSettleMs: 2_000, timeoutMs: 60_000 });
    runtime = createAgentRuntime({ guard: createToolGuard({ model: await exampleAgentModel(), modelHash: false }), sandbox: runner });
  });
  after(() => ecs.stop());

  it("given the model's code and tickets, when the tool runs, then the sandbox task computes the result and the agent gets it", async () => {
    const r = await call({ code: "return tickets.filter((t) => t.status === 'open').map((t) => t.ticket_id);", tickets: TICKETS });
    assert.deepEqual(r, { ok: true, value: { value: ["T-1042", "T-0871"], stdout: "", stderr: "" } });
    const run = ecs.ops("RunTask").at(-1)!;
    assert.equal(run.input.networkConfiguration.awsvpcConfiguration.assignPublicIp, "DISABLED");
  });

  it("given code that reaches for Node or never ends, when the tool runs, then the sandbox run fails and the model is told why", async () => {
    const node = await call({ code: "return process.env;", tickets: TICKETS });
    assert.deepEqual([node.ok, !node.ok && node.reason], [false, "sandbox-failed"]);
    assert.match(!node.ok ? node.content : "", /process is not defined/);
    const loop = await call({ code: "while (true) {}", tickets: [] });
    assert.match(!loop.ok ? loop.content : "", /Script execution timed out/);
  });

  it("given arguments outside the tool's declared input, when called, then the guard refuses them and no task starts", async () => {
    const before = ecs.ops("RunTask").length;
    const r = await call({ code: "return 1", tickets: [{ ticket_id: "DROP TABLE" }] });
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, "invalid-arguments"]);
    assert.equal(ecs.ops("RunTask").length, before);
  });
});
