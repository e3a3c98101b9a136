/**
 * The approval gateway's stack-scoped names and metric: the pending-approvals alarm reads exactly
 * what the function's scheduled run writes, with the stack's dimension.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { pendingMetricLine } from "../../approvals/src/gateway/lambda.ts";
import type { Recording } from "../src/plan/record.ts";
import { exampleModel, find, recordDeployment } from "./harness.ts";
import { emfMetrics } from "./secret-functions-emf.ts";

const T = {
  fn: "aws:lambda/function:Function",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
};

describe("ApprovalGateway: one stack's names and metric", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel());
  });

  it("names the function, its log group and the pending alarm by stack, and the function writes the metric the alarm reads", () => {
    const fn = find(rec, T.fn, "platform-approvals-function");
    assert.equal(fn.inputs.name, "airlock-test-platform-approvals");
    assert.equal(find(rec, T.logGroup, "platform-approvals-logs").inputs.name, "/airlock/test/platform/platform/approvals");
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(env.AIRLOCK_STACK, "test");

    const alarm = find(rec, T.alarm, "support-agent-approvals-pending");
    assert.equal(alarm.inputs.name, "airlock-test-support-agent-approvals-pending");
    // What the function's scheduled run writes, with the environment it is deployed with.
    const line = pendingMetricLine({ agent: "support-agent", stack: env.AIRLOCK_STACK!, namespace: env.AIRLOCK_NAMESPACE! }, { count: 1, oldestAgeSeconds: 2400 }, 1764000000000);
    const written = emfMetrics(line);
    const read = { namespace: alarm.inputs.namespace, metricName: alarm.inputs.metricName, dimensions: alarm.inputs.dimensions };
    assert.deepEqual(read, { namespace: "Airlock/Approvals", metricName: "OldestPendingSeconds", dimensions: { Agent: "support-agent", Stack: "test" } });
    assert.ok(
      written.some((m) => m.namespace === read.namespace && m.metricName === read.metricName && JSON.stringify(m.dimensions) === JSON.stringify(read.dimensions)),
      `the alarm reads ${JSON.stringify(read)}; the function writes ${JSON.stringify(written)}`,
    );
  });
});
