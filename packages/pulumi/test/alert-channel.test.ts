/**
 * AlertChannel and the task-stopped rule as the plan deploys them: who may publish to the encrypted
 * topic (CloudWatch alarms of this account; EventBridge only for the rule that targets it, as
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html
 * asks: "For EventBridge event bus rule targets, the value of aws:SourceArn must be the rule ARN"),
 * and which stopped tasks page someone (service tasks that stop on their own; never the sandbox
 * tasks an agent starts with RunTask).
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { Recording } from "../src/plan/record.ts";
import { all, exampleModel, find, json, recordDeployment } from "./harness.ts";

const T = {
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
};
const ACCOUNT = "123456789012";
const CLUSTER = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/platform-cluster`;

/**
 * EventBridge's matching for the pattern features Airlock uses: a field's list of exact values or
 * `{ prefix }` objects, nested fields, and every pattern field required in the event.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, want]) => {
    const have = event[key];
    if (Array.isArray(want)) {
      const values = Array.isArray(have) ? have : [have];
      return values.some((v) =>
        want.some((w) => {
          if (w !== null && typeof w === "object") {
            const ops = Object.keys(w);
            if (ops.length !== 1 || ops[0] !== "prefix") throw new Error(`matcher: unsupported operator ${JSON.stringify(w)}`);
            return typeof v === "string" && v.startsWith((w as { prefix: string }).prefix);
          }
          return v === w;
        }),
      );
    }
    if (want !== null && typeof want === "object") return have !== null && typeof have === "object" && matches(want as Record<string, unknown>, have as Record<string, unknown>);
    throw new Error(`matcher: a pattern leaf must be a list, got ${JSON.stringify(want)} at ${key}`);
  });
}

/** An ECS task state change event as ECS sends it (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html). */
function taskStopped(detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: "0",
    id: "3317b2af-7005-947d-b652-f55e762e571a",
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: ACCOUNT,
    time: "2026-12-01T12:00:00Z",
    region: "us-east-1",
    resources: [`arn:aws:ecs:us-east-1:${ACCOUNT}:task/platform-cluster/0123456789abcdef`],
    detail: {
      clusterArn: CLUSTER,
      lastStatus: "STOPPED",
      desiredStatus: "STOPPED",
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
      taskArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/platform-cluster/0123456789abcdef`,
      launchType: "FARGATE",
      ...detail,
    },
  };
}

const SANDBOX_TASK = taskStopped({ group: "family:support-agent-sandbox", startedBy: "support-agent" });

describe("AlertChannel: the encrypted topic's publishers", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel(), { deployment: { alerts: { emails: ["oncall@example.com"] } } });
  });

  it("lets CloudWatch alarms of this account publish, and EventBridge only through the task-stopped rule that targets the topic", () => {
    for (const [channel, ruleName] of [
      ["platform-alerts", "platform-task-stopped"],
      ["support-agent-alerts", "support-agent-task-stopped"],
    ] as const) {
      const topic = find(rec, T.topic, `${channel}-topic`);
      const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:${String(topic.inputs.name)}`;
      const rule = find(rec, T.rule, ruleName);
      const ruleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/${String(rule.inputs.name)}`;
      assert.equal(find(rec, T.target, ruleName).inputs.arn, topicArn, "the rule targets this channel's topic");
      assert.equal(find(rec, T.target, ruleName).inputs.roleArn, undefined, "no role on an SNS target (EventBridge uses the topic policy)");
      assert.deepEqual(json(find(rec, T.topicPolicy, `${channel}-topic`), "policy").Statement, [
        {
          Sid: "AlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["sns:Publish"],
          Resource: [topicArn],
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
        {
          Sid: "TaskStoppedRulePublishes",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: ["sns:Publish"],
          Resource: [topicArn],
          Condition: { ArnEquals: { "aws:SourceArn": ruleArn }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
        { Sid: "DenyWithoutTls", Effect: "Deny", Principal: "*", Action: ["sns:Publish"], Resource: [topicArn], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]);
    }
  });

  it("names the topics, rules and the Slack channel configuration by stack, within their limits", () => {
    assert.deepEqual(all(rec, T.topic).map((t) => t.inputs.name).sort(), ["airlock-test-platform-alarms", "airlock-test-support-agent-alarms"]);
    assert.deepEqual(all(rec, T.rule).filter((r) => r.name.endsWith("-task-stopped")).map((r) => r.inputs.name).sort(), ["airlock-test-platform-task-stopped", "airlock-test-support-agent-task-stopped"]);
    for (const r of all(rec, T.rule)) if (typeof r.inputs.name === "string") assert.ok(r.inputs.name.length <= 64, r.name);
  });
});

describe("taskStoppedRule: who gets paged", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel(), { deployment: { alerts: { emails: ["oncall@example.com"] } } });
  });

  const patternOf = (name: string) => json(find(rec, T.rule, name), "eventPattern");
  /** A task of the agent's service (named as the plan names it) stopping on its own. */
  const serviceTask = () => taskStopped({ group: `service:${String(find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.name)}`, startedBy: "ecs-svc/1234567890123456789" });

  it("pages the platform for any service task of its cluster that stops on its own, never for a sandbox task started with RunTask", () => {
    const pattern = patternOf("platform-task-stopped");
    assert.deepEqual(pattern.detail.group, [{ prefix: "service:" }]);
    assert.equal(matches(pattern, serviceTask()), true);
    assert.equal(matches(pattern, taskStopped({ group: "service:billing-agent" })), true);
    assert.equal(matches(pattern, SANDBOX_TASK), false);
    assert.equal(matches(pattern, { ...serviceTask(), detail: { ...(serviceTask().detail as object), stopCode: "UserInitiated" } }), false, "a stop someone asked for");
    assert.equal(matches(pattern, { ...serviceTask(), detail: { ...(serviceTask().detail as object), clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/other` } }), false);
  });

  it("pages an agent's own channel for its own service's tasks only", () => {
    const pattern = patternOf("support-agent-task-stopped");
    assert.equal(matches(pattern, serviceTask()), true);
    assert.equal(matches(pattern, taskStopped({ group: "service:billing-agent" })), false);
    assert.equal(matches(pattern, SANDBOX_TASK), false);
  });
});
