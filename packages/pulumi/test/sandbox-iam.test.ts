/**
 * The sandbox's IAM held to the agent's own tasks (review of 2026-12-02, S4, S5, N2), checked by
 * simulating the planned policy JSON itself (@cloud-copilot/iam-simulate, test-only) with the
 * request context ECS would give each call:
 * - S4: the agent may tag only the tasks RunTask creates, with exactly its sandbox tags, and may
 *   describe or stop only tasks carrying them: not another agent's task, not an untagged one;
 * - S5: RunTask only at the sandbox task definition's CPU and memory, without ECS Exec;
 * - N2: the sandbox's execution role writes only the sandbox's streams, so passing it as a task
 *   role gives the code no way into the agent's own streams.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { TAGS, sandboxTaskTags } from "@airlock/core/contracts";
import type { Recording } from "../src/plan/record.ts";
import { find, json, modelOf, recordDeployment } from "./harness.ts";
import { simulateIam, tagContext, type IamContext } from "../../../test/helpers/iam-simulation.ts";

const ACCOUNT = "123456789012";
const CLUSTER = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/platform-cluster`;
const TASK_DEFINITION = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/data-agent-test-sandbox:1`;
const OWN_TASK = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/platform-cluster/0123456789abcdef0123456789abcdef`;
const OTHER_TASK = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/platform-cluster/fedcba9876543210fedcba9876543210`;

function manifest() {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "data-agent",
      owner: "data@example.com",
      image: { digest: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/data-agent@sha256:${"d".repeat(64)}` },
      model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" },
    },
    tools: [{ name: "run_python", description: "Runs analysis code.", access: "write", sandbox: true }],
    sandbox: { image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/code-runner@sha256:${"c".repeat(64)}`, cpu: 512, memory: 1024 },
  };
}

function decide(policy: object, principal: string, action: string, resource: string, contextVariables: IamContext): Promise<string> {
  return simulateIam({ principal, action, resource, accountId: ACCOUNT, contextVariables, identityPolicies: [{ name: "policy", policy }] });
}

describe("the sandbox's IAM, simulated on the planned policies", () => {
  let rec: Recording;
  let task: object;
  const role = `arn:aws:iam::${ACCOUNT}:role/data-agent-task`;
  before(async () => {
    rec = await recordDeployment(await modelOf(manifest()));
    task = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "data-agent-task"), "policy");
  });

  it("S5: RunTask of the sandbox at its own size runs; more CPU or memory, or ECS Exec, is refused", async () => {
    const base = { "ecs:cluster": CLUSTER };
    // What the runner sends: no size override, ECS Exec off
    assert.equal(await decide(task, role, "ecs:RunTask", TASK_DEFINITION, { ...base, "ecs:enable-execute-command": "false" }), "Allowed");
    assert.equal(await decide(task, role, "ecs:RunTask", TASK_DEFINITION, { ...base, "ecs:task-cpu": "512", "ecs:task-memory": "1024" }), "Allowed");
    // What a compromised agent might send
    assert.equal(await decide(task, role, "ecs:RunTask", TASK_DEFINITION, { ...base, "ecs:task-cpu": "4096" }), "ImplicitlyDenied");
    assert.equal(await decide(task, role, "ecs:RunTask", TASK_DEFINITION, { ...base, "ecs:task-memory": "30720" }), "ImplicitlyDenied");
    assert.equal(await decide(task, role, "ecs:RunTask", TASK_DEFINITION, { ...base, "ecs:enable-execute-command": "true" }), "ImplicitlyDenied");
    assert.equal(await decide(task, role, "ecs:RunTask", TASK_DEFINITION, { "ecs:cluster": `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/other` }), "ImplicitlyDenied");
  });

  it("S4: the agent tags a task only while RunTask creates it, only with its own sandbox tags", async () => {
    const own = sandboxTaskTags("data-agent");
    const atRunTask = { "ecs:CreateAction": "RunTask" };
    assert.equal(await decide(task, role, "ecs:TagResource", OWN_TASK, { ...atRunTask, ...tagContext(own, "RequestTag") }), "Allowed");
    // Another agent's name, an extra tag, no tags at all, or an existing task: refused
    assert.equal(await decide(task, role, "ecs:TagResource", OWN_TASK, { ...atRunTask, ...tagContext(sandboxTaskTags("billing-agent"), "RequestTag") }), "ImplicitlyDenied");
    assert.equal(await decide(task, role, "ecs:TagResource", OWN_TASK, { ...atRunTask, ...tagContext({ ...own, [TAGS.owner]: "x" }, "RequestTag") }), "ImplicitlyDenied");
    assert.equal(await decide(task, role, "ecs:TagResource", OWN_TASK, atRunTask), "ImplicitlyDenied");
    assert.equal(await decide(task, role, "ecs:TagResource", OTHER_TASK, tagContext(own, "RequestTag")), "ImplicitlyDenied");
  });

  it("S4: DescribeTasks and StopTask only on the agent's own sandbox tasks, never on another agent's task or an untagged one", async () => {
    const own = tagContext(sandboxTaskTags("data-agent"), "ResourceTag");
    const others: IamContext[] = [
      tagContext(sandboxTaskTags("billing-agent"), "ResourceTag"),
      // another agent's service task: its agent tag and no sandbox tag
      tagContext({ [TAGS.agent]: "billing-agent", [TAGS.release]: "v3" }, "ResourceTag"),
      // this agent's own service task: not a sandbox
      tagContext({ [TAGS.agent]: "data-agent" }, "ResourceTag"),
      {},
    ];
    for (const action of ["ecs:DescribeTasks", "ecs:StopTask"]) {
      assert.equal(await decide(task, role, action, OWN_TASK, { "ecs:cluster": CLUSTER, ...own }), "Allowed", action);
      for (const ctx of others) assert.equal(await decide(task, role, action, OTHER_TASK, { "ecs:cluster": CLUSTER, ...ctx }), "ImplicitlyDenied", `${action} ${JSON.stringify(ctx)}`);
    }
  });

  it("N2: the sandbox's execution role writes only the sandbox's streams, never the agent's own", async () => {
    const execution = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "data-agent-sandbox-execution"), "policy");
    const logs = (execution.Statement as any[]).find((s) => s.Sid === "WriteSandboxStreams");
    assert.deepEqual(logs.Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
    const [resource] = logs.Resource as string[];
    assert.match(resource!, /^arn:aws:logs:us-east-1:123456789012:log-group:\/airlock\/.+:log-stream:sandbox\/sandbox\/\*$/);
    const group = resource!.replace(/:log-stream:.*$/, "");
    const as = `arn:aws:iam::${ACCOUNT}:role/data-agent-sandbox-execution`;
    for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
      assert.equal(await decide(execution, as, action, `${group}:log-stream:sandbox/sandbox/0123456789abcdef`, {}), "Allowed", action);
      // The agent's own container streams (its JSON lines are its metrics), and any other
      for (const stream of ["agent/agent/0123456789abcdef", "support-agent/x", "sandbox/other/1"]) {
        assert.equal(await decide(execution, as, action, `${group}:log-stream:${stream}`, {}), "ImplicitlyDenied", `${action} ${stream}`);
      }
    }
  });
});
