/**
 * The sandbox runner under the agent's real task role (review of 2026-12-02, S4, S5): the ECS and
 * CloudWatch Logs stand-in authorizes every call by simulating the task role's policy as the
 * deployment writes it (pulumi/src/agent/task-role.ts, for a compiled manifest, on the stand-in's
 * ARNs). The runner's own calls are all allowed, because it tags the task it starts; what a
 * compromised agent would try with the same credentials is refused: watching or stopping another
 * agent's task or an untagged one, a bigger task, ECS Exec, another agent's tags.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { TAGS, sandboxTaskTags } from "@airlock/core/contracts";
import { compile } from "../../core/src/index.ts";
import { taskRoleStatements } from "../../pulumi/src/agent/task-role.ts";
import { createSandboxRunner } from "../src/index.ts";
import { ACCOUNT, AGENT, CLUSTER_ARN, EcsStandIn, LOG_GROUP, LOG_GROUP_ARN, REGION, SECURITY_GROUP, SUBNETS, TASK_DEFINITION_ARN } from "./helpers/ecs-standin.ts";

const MAIN = fileURLToPath(new URL("./helpers/sandbox-image/main.ts", import.meta.url));
const CWD = fileURLToPath(new URL("..", import.meta.url));
const IMAGE = { command: [process.execPath, "--import", "tsx", MAIN], cwd: CWD } as const;
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:role/${AGENT}-task`;

/** The task role's policy document for a support agent with one code-executing tool, on the stand-in's ARNs. */
async function taskRolePolicy(): Promise<object> {
  const model = await compile({
    apiVersion: "airlock/v1",
    agent: {
      name: AGENT,
      owner: "support@example.com",
      image: { digest: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${AGENT}@sha256:${"a".repeat(64)}` },
      model: { provider: "anthropic", id: "claude-sonnet-4-5", secret: "anthropic-api-key" },
    },
    tools: [{ name: "run_js", description: "Runs JavaScript in the sandbox.", access: "write", sandbox: true }],
    sandbox: { image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${AGENT}-sandbox@sha256:${"b".repeat(64)}`, cpu: 256, memory: 512 },
    secrets: [{ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
  });
  const statements = taskRoleStatements(model, {
    sandbox: {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${AGENT}-sandbox-task`,
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${AGENT}-sandbox-execution`,
      clusterArn: CLUSTER_ARN,
      logGroupArn: LOG_GROUP_ARN,
    },
  });
  return { Version: "2012-10-17", Statement: statements };
}

describe("the sandbox runner under the agent's task role", () => {
  let s: EcsStandIn;
  before(async () => {
    s = new EcsStandIn({ image: IMAGE, iam: { principal: PRINCIPAL, policy: await taskRolePolicy() } });
    await s.start();
  });
  after(async () => s.stop());
  const ecs = () => s.ecsClient();
  const denied = async (p: Promise<unknown>, action: string) => {
    await assert.rejects(p, (e: Error) => e.name === "AccessDeniedException" && e.message.includes(`is not authorized to perform: ${action} on resource:`));
  };

  test("every call of a run is allowed: RunTask with the agent's sandbox tags, TagResource as it starts, DescribeTasks of the tagged task, GetLogEvents of its stream", async () => {
    const runner = createSandboxRunner({ env: s.taskEnv(), ecs: s.ecsClient(), logs: s.logsClient(), backoff: { initialMs: 20, factor: 2, maxMs: 200 }, timeoutMs: 60_000, logSettleMs: 5_000 });
    const r = await runner.run("run_js", { code: "return 6 * 7" });
    assert.equal(r.ok, true, JSON.stringify(r));
    if (!r.ok) return;
    assert.equal(r.value, 42);
    assert.deepEqual(s.tasks.get(r.taskArn)!.tags, sandboxTaskTags(AGENT));
  });

  test("S4: another agent's task, this agent's own service task and an untagged task can be neither described nor stopped; they keep running", async () => {
    const others = [s.addTask(sandboxTaskTags("billing-agent")), s.addTask({ [TAGS.agent]: "billing-agent", [TAGS.release]: "v3" }), s.addTask({ [TAGS.agent]: AGENT }), s.addTask({})];
    for (const t of others) {
      await denied(ecs().send(new DescribeTasksCommand({ cluster: CLUSTER_ARN, tasks: [t.taskArn] })), "ecs:DescribeTasks");
      await denied(ecs().send(new StopTaskCommand({ cluster: CLUSTER_ARN, task: t.taskArn, reason: "denial of service" })), "ecs:StopTask");
      assert.equal(t.lastStatus, "RUNNING");
    }
    // A sandbox task of its own (tagged as the runner tags it) it may stop
    const own = s.addTask(sandboxTaskTags(AGENT));
    await ecs().send(new StopTaskCommand({ cluster: CLUSTER_ARN, task: own.taskArn }));
    assert.equal(own.stopCode, "UserInitiated");
  });

  test("S4, S5: RunTask at another size, with ECS Exec, or tagged as another agent's is refused, and no task starts", async () => {
    const base: RunTaskCommandInput = {
      cluster: CLUSTER_ARN,
      taskDefinition: TASK_DEFINITION_ARN,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS, securityGroups: [SECURITY_GROUP], assignPublicIp: "DISABLED" } },
      tags: Object.entries(sandboxTaskTags(AGENT)).map(([key, value]) => ({ key, value })),
    };
    const before = s.tasks.size;
    await denied(ecs().send(new RunTaskCommand({ ...base, overrides: { cpu: "4096" } })), "ecs:RunTask");
    await denied(ecs().send(new RunTaskCommand({ ...base, overrides: { memory: "30720" } })), "ecs:RunTask");
    await denied(ecs().send(new RunTaskCommand({ ...base, enableExecuteCommand: true })), "ecs:RunTask");
    await denied(ecs().send(new RunTaskCommand({ ...base, tags: Object.entries(sandboxTaskTags("billing-agent")).map(([key, value]) => ({ key, value })) })), "ecs:TagResource");
    await denied(ecs().send(new RunTaskCommand({ ...base, tags: [...base.tags!, { key: TAGS.owner, value: "someone" }] })), "ecs:TagResource");
    assert.equal(s.tasks.size, before);
  });

  test("the agent reads only the sandbox's streams of its log group", async () => {
    if (!s.streams.has(LOG_GROUP)) s.streams.set(LOG_GROUP, new Map());
    s.streams.get(LOG_GROUP)!.set("agent/agent/0123", ["a line of the agent's own"]);
    await denied(s.logsClient().send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: "agent/agent/0123", startFromHead: true })), "logs:GetLogEvents");
  });
});
