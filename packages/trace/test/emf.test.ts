import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { DIMENSIONS, DIMENSION_SETS, EMF_NAMESPACE, METRICS, METRIC_UNITS, createTracer, emfDocument, emfLine, type CallRecord } from "@airlock/trace";
import { CALL_OUTCOMES, OUTCOME_PROPERTY } from "@airlock/core/contracts";
import { lineCollector, steppingClock } from "./helpers/receiver.ts";

/** Units the EMF specification accepts (CloudWatch MetricDatum units). */
const CLOUDWATCH_UNITS = new Set(
  "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None".split(
    " ",
  ),
);

/**
 * Checks one log line against the EMF specification and returns the problems found:
 * a single JSON object; `_aws.Timestamp` an integer of epoch milliseconds; `_aws.CloudWatchMetrics`
 * a non-empty array of directives, each with a 1-255 character Namespace, a non-empty Dimensions
 * array of sets of at most 30 keys that are string members of the root, and at most 100 Metrics
 * whose Name is a numeric (or numeric array) member of the root and whose Unit is a CloudWatch unit.
 */
function emfProblems(line: string): string[] {
  const problems: string[] = [];
  if (!line.endsWith("\n") || line.slice(0, -1).includes("\n")) problems.push("not exactly one line");
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return ["not JSON"];
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return ["root is not an object"];
  const aws = doc._aws as Record<string, unknown> | undefined;
  if (typeof aws !== "object" || aws === null) return ["no _aws object"];
  const ts = aws.Timestamp;
  if (typeof ts !== "number" || !Number.isInteger(ts)) problems.push("Timestamp is not an integer");
  else if (ts < 1e12 || ts > 1e13) problems.push(`Timestamp ${ts} is not epoch milliseconds`);
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, "CloudWatchMetrics is not a non-empty array"];
  for (const d of directives as Record<string, unknown>[]) {
    const ns = d.Namespace;
    if (typeof ns !== "string" || ns.length < 1 || ns.length > 255) problems.push("Namespace is not a 1-255 character string");
    const dims = d.Dimensions;
    if (!Array.isArray(dims) || dims.length === 0) problems.push("Dimensions is not a non-empty array");
    else {
      for (const set of dims) {
        if (!Array.isArray(set) || set.length > 30) problems.push(`dimension set ${JSON.stringify(set)} is not an array of at most 30 keys`);
        else for (const key of set) if (typeof doc[key] !== "string" || doc[key] === "") problems.push(`dimension ${key} is not a non-empty string member`);
      }
    }
    const metrics = d.Metrics;
    if (!Array.isArray(metrics) || metrics.length > 100) problems.push("Metrics is not an array of at most 100 definitions");
    else {
      for (const m of metrics as Record<string, unknown>[]) {
        const name = m.Name;
        if (typeof name !== "string" || name.length < 1 || name.length > 255) {
          problems.push("metric Name is not a 1-255 character string");
          continue;
        }
        const v = doc[name];
        const numeric = (x: unknown) => typeof x === "number" && Number.isFinite(x);
        if (!(numeric(v) || (Array.isArray(v) && v.length <= 100 && v.every(numeric)))) problems.push(`metric ${name} has no numeric member`);
        if (m.Unit !== undefined && !CLOUDWATCH_UNITS.has(m.Unit as string)) problems.push(`metric ${name} has unit ${String(m.Unit)}`);
        for (const k of Object.keys(m)) if (!["Name", "Unit", "StorageResolution"].includes(k)) problems.push(`metric ${name} has extra member ${k}`);
      }
    }
    for (const k of Object.keys(d)) if (!["Namespace", "Dimensions", "Metrics"].includes(k)) problems.push(`directive has extra member ${k}`);
  }
  return problems;
}

const START = Date.UTC(2026, 10, 25, 12, 0, 0);
const METRIC_DEFS = [
  { Name: "Calls", Unit: "Count" },
  { Name: "Errors", Unit: "Count" },
  { Name: "Refusals", Unit: "Count" },
  { Name: "LatencyMs", Unit: "Milliseconds" },
  { Name: "InputTokens", Unit: "Count" },
  { Name: "OutputTokens", Unit: "Count" },
  { Name: "CostUsd", Unit: "None" },
];

describe("EMF lines", () => {
  test("the spec check itself rejects seconds, missing members and non-string dimensions", () => {
    const bad = {
      _aws: {
        Timestamp: 1764072000,
        CloudWatchMetrics: [{ Namespace: "N", Dimensions: [["Agent"]], Metrics: [{ Name: "Calls", Unit: "Counts" }, { Name: "Gone" }] }],
      },
      Agent: 7,
      Calls: 1,
    };
    assert.deepEqual(emfProblems(`${JSON.stringify(bad)}\n`), [
      "Timestamp 1764072000 is not epoch milliseconds",
      "dimension Agent is not a non-empty string member",
      "metric Calls has unit Counts",
      "metric Gone has no numeric member",
    ]);
  });

  test("the exported names are the ones the alarms and dashboard reference", () => {
    assert.equal(EMF_NAMESPACE, "Airlock/Agents");
    assert.deepEqual(METRICS, {
      calls: "Calls",
      errors: "Errors",
      refusals: "Refusals",
      latencyMs: "LatencyMs",
      inputTokens: "InputTokens",
      outputTokens: "OutputTokens",
      costUsd: "CostUsd",
    });
    assert.deepEqual(METRIC_UNITS, { Calls: "Count", Errors: "Count", Refusals: "Count", LatencyMs: "Milliseconds", InputTokens: "Count", OutputTokens: "Count", CostUsd: "None" });
    assert.deepEqual(DIMENSIONS, { stack: "Stack", agent: "Agent", tool: "Tool", model: "Model" });
    assert.deepEqual(DIMENSION_SETS, { tool: [["Stack", "Agent"], ["Stack", "Agent", "Tool"]], model: [["Stack", "Agent"], ["Stack", "Agent", "Model"]] });
  });

  test("given a tool call, when it returns, then exactly one spec-valid line carries its metrics and ids", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "support-agent", release: "rel-7", stack: "test", emf: { sink }, clock: steppingClock(START, 250) });

    const result = await tracer.run({ name: "ticket", traceId: "trace-1" }, (run) =>
      run.wrapToolCall("github.create_issue", { repo: "acme/app", title: "Crash" }, async () => ({ number: 42 })),
    );

    assert.deepEqual(result, { number: 42 });
    assert.equal(sink.lines.length, 1);
    assert.deepEqual(emfProblems(sink.lines[0]!), []);
    const doc = JSON.parse(sink.lines[0]!);
    const spanId = doc.SpanId;
    assert.match(spanId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(doc, {
      _aws: {
        // The run read the clock once (monotonic 250), then the call started: now() = START + 1 read x 250.
        Timestamp: START + 250,
        CloudWatchMetrics: [{ Namespace: "Airlock/Agents", Dimensions: [["Stack", "Agent"], ["Stack", "Agent", "Tool"]], Metrics: METRIC_DEFS }],
      },
      Stack: "test",
      Agent: "support-agent",
      Tool: "github.create_issue",
      Calls: 1,
      Errors: 0,
      Refusals: 0,
      LatencyMs: 250,
      InputTokens: 0,
      OutputTokens: 0,
      CostUsd: 0,
      Kind: "tool",
      Release: "rel-7",
      Outcome: "ok",
      TraceId: "trace-1",
      SpanId: spanId,
      ParentId: "trace-1",
      Args: { repo: "acme/app", title: "Crash" },
    });
  });

  test("given a model call with usage, when it returns, then the line has tokens, cost and the Model dimension", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "support-agent", release: "rel-7", stack: "test", emf: { sink }, clock: steppingClock(START, 1500) });

    await tracer.wrapModelCall({ model: "claude-sonnet-4-5-20250929", input: [{ role: "user", content: "hi" }] }, async () => ({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "hello" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 2000, cache_creation_input_tokens: 400 },
    }));

    assert.equal(sink.lines.length, 1);
    assert.deepEqual(emfProblems(sink.lines[0]!), []);
    const doc = JSON.parse(sink.lines[0]!);
    assert.deepEqual(doc._aws.CloudWatchMetrics[0].Dimensions, [["Stack", "Agent"], ["Stack", "Agent", "Model"]]);
    assert.equal(doc.Model, "claude-sonnet-4-5-20250929");
    assert.equal(doc.Tool, undefined);
    assert.equal(doc.LatencyMs, 1500);
    assert.equal(doc.InputTokens, 1000);
    assert.equal(doc.OutputTokens, 500);
    assert.equal(doc.CacheReadInputTokens, 2000);
    assert.equal(doc.CacheCreationInputTokens, 400);
    // 1000 x $3 + 400 x $3.75 + 2000 x $0.30 + 500 x $15 per million = $0.0126
    assert.equal(doc.CostUsd, 0.0126);
    assert.equal(doc.CostKnown, true);
    assert.equal(doc.Provider, "anthropic");
    assert.equal(doc.HttpStatus, 200);
    assert.equal(doc.Args, undefined, "model input messages are not written to the log line");
    // Outside a run, the call is its own trace.
    assert.equal(doc.ParentId, doc.TraceId);
  });

  test("given a failing tool and a custom namespace, when it throws, then the line counts the error with class and redacted message", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "ops", release: "r1", stack: "test", emf: { sink, namespace: "Acme/Agents" } });
    const key = `sk-ant-api03-${"Q".repeat(93)}`;
    class UpstreamError extends Error {}

    await assert.rejects(
      tracer.wrapToolCall("http.get", { url: "https://api.example.com" }, () => {
        throw new UpstreamError(`401 from upstream with key ${key}`);
      }),
      UpstreamError,
    );

    const doc = JSON.parse(sink.lines[0]!);
    assert.deepEqual(emfProblems(sink.lines[0]!), []);
    assert.equal(doc._aws.CloudWatchMetrics[0].Namespace, "Acme/Agents");
    assert.equal(doc.Errors, 1);
    assert.equal(doc.Calls, 1);
    assert.equal(doc.Outcome, "error");
    assert.equal(doc.ErrorClass, "UpstreamError");
    assert.equal(doc.ErrorMessage, "401 from upstream with key [REDACTED:AnthropicApiKey]");
    assert.ok(!sink.lines[0]!.includes(key));
  });

  test("given a thrown value marked refused (OUTCOME_PROPERTY), then the line counts a refusal, not an error, with its class and redacted message", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "ops", release: "r1", stack: "test", emf: { sink } });
    const key = `sk-ant-api03-${"Q".repeat(93)}`;
    class PolicyRefusal extends Error {
      readonly [OUTCOME_PROPERTY] = CALL_OUTCOMES.refused;
    }
    class OtherMark extends Error {
      readonly [OUTCOME_PROPERTY] = "something-else";
    }

    await assert.rejects(tracer.wrapToolCall("billing.refund", { amount: 20_000 }, () => Promise.reject(new PolicyRefusal(`forbidden for ${key}`))), PolicyRefusal);
    await assert.rejects(tracer.wrapToolCall("billing.refund", {}, () => Promise.reject(new OtherMark("unknown mark"))), OtherMark);

    const docs = sink.lines.map((l) => JSON.parse(l));
    assert.deepEqual(sink.lines.flatMap(emfProblems), []);
    assert.deepEqual(
      docs.map((d) => [d.Outcome, d.Errors, d.Refusals, d.ErrorClass, d.ErrorMessage]),
      [
        ["refused", 0, 1, "PolicyRefusal", "forbidden for [REDACTED:AnthropicApiKey]"],
        ["error", 1, 0, "OtherMark", "unknown mark"],
      ],
    );
  });

  test("the fast line writer produces exactly the serialised document", async () => {
    const records: CallRecord[] = [];
    const tracer = createTracer({ agent: "a", release: "r", emf: false, onRecord: (r) => records.push(r) });
    await tracer.wrapToolCall("t", { a: [1, "x"] }, () => ({ ok: true }));
    await tracer.wrapModelCall({ model: "claude-haiku-4-5" }, async () => ({ type: "message", content: [], usage: { input_tokens: 3, output_tokens: 4 } }));
    await tracer.wrapToolCall("bad", {}, () => Promise.reject(new Error("no"))).catch(() => {});

    assert.equal(records.length, 3);
    for (const record of records) {
      for (const [namespace, includeArgs] of [["Airlock/Agents", true], ["Other/NS", false]] as const) {
        assert.equal(emfLine(record, namespace, includeArgs), `${JSON.stringify(emfDocument(record, namespace, includeArgs))}\n`);
      }
    }
  });

  test("given an unknown model, when it is called, then CostUsd is 0 and CostKnown is false", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "a", release: "r", stack: "test", emf: { sink } });
    await tracer.wrapModelCall({ model: "claude-opus-9" }, async () => ({ usage: { input_tokens: 10, output_tokens: 10 } }));
    const doc = JSON.parse(sink.lines[0]!);
    assert.equal(doc.CostUsd, 0);
    assert.equal(doc.CostKnown, false);
    assert.equal(doc.HttpStatus, undefined, "no status is claimed for a result that is not an SDK message");
  });

  test("given an EMF sink that throws, when a tool is called, then the tool's result still returns and the failure is reported", async () => {
    const reported: [string, string][] = [];
    const tracer = createTracer({
      agent: "a",
      release: "r",
      stack: "test",
      emf: {
        sink: {
          write() {
            throw new Error("EPIPE");
          },
        },
      },
      onTelemetryError: (error, stage) => reported.push([stage, (error as Error).message]),
    });

    const value = await tracer.wrapToolCall("t", {}, () => "done");

    assert.equal(value, "done");
    assert.deepEqual(reported, [["emf", "EPIPE"]]);
  });

  test("given captureContent false, when a tool is called, then the line has no Args", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "a", release: "r", stack: "test", emf: { sink }, captureContent: false });
    await tracer.wrapToolCall("t", { q: "private" }, () => 1);
    const doc = JSON.parse(sink.lines[0]!);
    assert.equal(doc.Args, undefined);
    assert.equal(doc.Calls, 1);
  });

  test("given the default sink, when a tool is called, then the line goes to stdout; with emf false, nothing does", () => {
    const script = (emf: string) =>
      `import { createTracer } from "@airlock/trace";
       const tracer = createTracer({ agent: "a", release: "r", stack: "test"${emf} });
       await tracer.wrapToolCall("t", { n: 1 }, () => 1);`;
    const runChild = (emf: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(emf)], { encoding: "utf8", cwd: import.meta.dirname });

    const withDefault = runChild("");
    const disabled = runChild(", emf: false");

    assert.equal(withDefault.status, 0, withDefault.stderr);
    const lines = withDefault.stdout.split("\n").filter((l) => l !== "");
    assert.equal(lines.length, 1);
    assert.deepEqual(emfProblems(`${lines[0]}\n`), []);
    assert.equal(JSON.parse(lines[0]!).Tool, "t");
    assert.equal(disabled.status, 0, disabled.stderr);
    assert.equal(disabled.stdout, "");
  });
});
