/**
 * The platform's secret age monitor (src/secrets/lambda/secret-age.mjs) as the example plan deploys
 * it, run with a stubbed Secrets Manager: it measures exactly its own stack's and platform's
 * hand-rotated secrets (the gateway's credentials too), in the metric its owners' alarms read.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { Recording } from "../src/plan/record.ts";
import { all, exampleModel, find, recordDeployment } from "./harness.ts";
import { emfMetrics } from "./secret-functions-emf.ts";

const FN = "aws:lambda/function:Function";
const MONITOR = new URL("../src/secrets/lambda/secret-age.mjs", import.meta.url);

describe("the secret age monitor: its own stack and platform, in the metric the alarms read", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel());
  });

  /** Runs the monitor's handler with a stubbed Secrets Manager that lists `secrets`; returns the EMF lines it wrote. */
  async function runMonitor(env: Record<string, string>, secrets: { name: string; tags: Record<string, string> }[]): Promise<string[]> {
    const { createHandler } = (await import(MONITOR.href)) as { createHandler: (deps: object) => () => Promise<void> };
    const lines: string[] = [];
    const secretsManager = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        if (command.constructor.name === "ListSecretsCommand") {
          return { SecretList: secrets.map((s) => ({ ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${s.name}-AbCdEf`, Name: s.name, Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })) })) };
        }
        if (command.constructor.name === "ListSecretVersionIdsCommand") {
          return { Versions: [{ VersionId: "v1", VersionStages: ["AWSCURRENT"], CreatedDate: new Date(Date.UTC(2026, 0, 1)) }] };
        }
        throw new Error(`unexpected ${command.constructor.name}`);
      },
    };
    await createHandler({ secretsManager, env, now: () => Date.UTC(2026, 0, 31), log: (line: string) => lines.push(line), error: () => {} })();
    return lines;
  }

  it("measures every hand-rotated secret of its stack and platform (the gateway's credentials too), and no other stack's", async () => {
    const monitor = find(rec, FN, "platform-secret-fn-age-monitor");
    const env = (monitor.inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(env, { AIRLOCK_NAMESPACE: "Airlock/Secrets", AIRLOCK_PLATFORM: "platform", AIRLOCK_STACK: "test" });
    const planned = all(rec, "aws:secretsmanager/secret:Secret").map((s) => ({ name: String(s.inputs.name), tags: s.inputs.tags as Record<string, string> }));
    const watched = planned.filter((s) => s.tags["airlock:max-age-days"] !== undefined);
    assert.deepEqual(watched.map((s) => s.name).sort(), [
      "airlock/test/platform-approvals/database-url",
      "airlock/test/platform-approvals/slack-bot-token",
      "airlock/test/platform-approvals/slack-signing-secret",
      "airlock/test/support-agent/anthropic-api-key",
      "airlock/test/support-agent/github-token",
    ]);
    // The same secrets deployed by another stack of the program, in the same account.
    const prod = watched.map((s) => ({ name: s.name.replace("airlock/test/", "airlock/prod/"), tags: { ...s.tags, "airlock:stack": "prod" } }));
    const lines = await runMonitor(env, [...watched, ...prod, ...planned.filter((s) => !watched.includes(s))]);
    const measured = lines.map((l) => JSON.parse(l)).map((l) => `${l.Stack} ${l.Agent} ${l.Secret}`).sort();
    assert.deepEqual(measured, [
      "test platform-approvals database-url",
      "test platform-approvals slack-bot-token",
      "test platform-approvals slack-signing-secret",
      "test support-agent anthropic-api-key",
      "test support-agent github-token",
    ]);
  });

  it("writes the age metric each owner's alarm reads, with the stack's dimension", async () => {
    const monitor = find(rec, FN, "platform-secret-fn-age-monitor");
    const env = (monitor.inputs.environment as { variables: Record<string, string> }).variables;
    const planned = all(rec, "aws:secretsmanager/secret:Secret").map((s) => ({ name: String(s.inputs.name), tags: s.inputs.tags as Record<string, string> }));
    const written = (await runMonitor(env, planned)).flatMap(emfMetrics);
    for (const alarmName of ["support-agent-secrets-age", "platform-approvals-secrets-age"]) {
      const alarm = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", alarmName);
      const read = { namespace: alarm.inputs.namespace, metricName: alarm.inputs.metricName, dimensions: alarm.inputs.dimensions };
      assert.equal((read.dimensions as Record<string, string>).Stack, "test", alarmName);
      const match = written.filter((m) => m.namespace === read.namespace && m.metricName === read.metricName && JSON.stringify(m.dimensions) === JSON.stringify(read.dimensions));
      assert.ok(match.length > 0, `${alarmName} reads ${JSON.stringify(read)}; the monitor writes ${JSON.stringify(written.map((m) => [m.metricName, m.dimensions]))}`);
      // 30 days old against 90- and 60-day limits: under 100%, so the alarm is quiet.
      assert.ok(match.every((m) => typeof m.value === "number" && m.value < 100), alarmName);
    }
  });

  it("refuses to run without its stack, rather than measure every stack's secrets", async () => {
    await assert.rejects(runMonitor({ AIRLOCK_NAMESPACE: "Airlock/Secrets", AIRLOCK_PLATFORM: "platform" }, []), {
      message: "`AIRLOCK_STACK`: not set; the SecretFunctions component sets it to the stack the monitor belongs to",
    });
  });
});
