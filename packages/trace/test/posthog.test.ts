import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { CALL_OUTCOMES, OUTCOME_PROPERTY } from "@airlock/core/contracts";
import { createTracer, type Tracer } from "@airlock/trace";
import { closedPortUrl, lineCollector, startReceiver, steppingClock, type Receiver, type ReceivedEvent } from "./helpers/receiver.ts";

const ANTHROPIC = `sk-ant-api03-${"Zz9_yY-8".repeat(11)}QwErT`; // 13 + 93 characters
const GITHUB = `ghp_${"Rt5yU6iO7p".repeat(3)}A1sD2f`;
const START = Date.UTC(2026, 10, 25, 12, 0, 0);

/** Only the `$ai_*` properties, which PostHog's LLM analytics reads. */
function ai(event: ReceivedEvent | undefined): Record<string, unknown> {
  assert.ok(event, "event missing");
  return Object.fromEntries(Object.entries(event.properties).filter(([k]) => k.startsWith("$ai_")));
}

const receivers: Receiver[] = [];
async function receiver(mode: "ok" | "500" | "hang" = "ok"): Promise<Receiver> {
  const r = await startReceiver(mode);
  receivers.push(r);
  return r;
}
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

/** An Anthropic Messages API response, as the SDK returns it. */
function message(text: string, usage: Record<string, number>) {
  return { id: "msg_01", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", content: [{ type: "text", text }], stop_reason: "end_turn", usage };
}

describe("PostHog LLM analytics events", () => {
  test("given an agent run with a model call, a nested tool call and a failing tool, when it ends, then the receiver gets $ai_generation, $ai_span and $ai_trace with exact properties", async () => {
    const ph = await receiver();
    const sink = lineCollector();
    const tracer = createTracer({
      agent: "support-agent",
      release: "rel-42",
      stack: "test",
      emf: { sink },
      posthog: { apiKey: "phc_testproject", host: ph.url },
      clock: steppingClock(START, 100),
    });
    class ToolFailure extends Error {}
    const messages = [{ role: "user", content: `my key is ${ANTHROPIC}, please rotate it` }];

    const reply = await tracer.run(
      { name: "rotate-key", traceId: "run-0001", sessionId: "thread-7", distinctId: "U123", input: { text: messages[0]!.content } },
      async (run) => {
        const answer = await run.wrapModelCall({ model: "claude-sonnet-4-5-20250929", input: messages }, async () =>
          message("Rotating now.", { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000 }),
        );
        await run.wrapToolCall("secrets.rotate", { name: "anthropic", old: ANTHROPIC }, async () => {
          // A call made inside another call is its child, even through the tracer itself.
          await tracer.wrapToolCall("audit.log", { line: "rotating" }, () => "logged");
          return { rotated: true, newKeyPrefix: "sk-ant-…" };
        });
        await run
          .wrapToolCall("github.comment", { token: GITHUB, body: "done" }, () => {
            throw new ToolFailure(`403 for ${GITHUB}`);
          })
          .catch((e: unknown) => assert.ok(e instanceof ToolFailure));
        return answer.content[0]!.text;
      },
    );
    await tracer.shutdown(5000);

    assert.equal(reply, "Rotating now.");
    const batch = ph.requests.filter((r) => r.path === "/batch/");
    assert.equal(batch[0]?.contentEncoding, "gzip", "posthog-node compresses by default");
    assert.equal(batch[0]?.body.api_key, "phc_testproject");
    const events = ph.events();
    assert.deepEqual(
      events.map((e) => [e.event, e.properties.$ai_span_name]),
      [
        ["$ai_generation", "claude-sonnet-4-5-20250929"],
        ["$ai_span", "audit.log"],
        ["$ai_span", "secrets.rotate"],
        ["$ai_span", "github.comment"],
        ["$ai_trace", "rotate-key"],
      ],
    );
    assert.ok(events.every((e) => e.distinct_id === "U123"));
    assert.ok(events.every((e) => e.properties.airlock_agent === "support-agent" && e.properties.airlock_release === "rel-42" && e.properties.airlock_stack === "test"));
    assert.ok(events.every((e) => !("$process_person_profile" in e.properties)), "a run with a user keeps person profiles");
    const [gen, audit, rotate, comment, trace] = events;
    const id = (e: ReceivedEvent | undefined) => e?.properties.$ai_span_id as string;

    // Clock reads (100 ms each): run start 1; model 2-3; rotate 4, audit 5-6, rotate end 7; comment 8-9; run end 10.
    assert.deepEqual(ai(gen), {
      $ai_lib: "@airlock/trace",
      $ai_session_id: "thread-7",
      $ai_trace_id: "run-0001",
      $ai_span_id: id(gen),
      $ai_parent_id: "run-0001",
      $ai_span_name: "claude-sonnet-4-5-20250929",
      $ai_model: "claude-sonnet-4-5-20250929",
      $ai_provider: "anthropic",
      $ai_input: [{ role: "user", content: "my key is [REDACTED:AnthropicApiKey], please rotate it" }],
      $ai_output_choices: [{ role: "assistant", content: [{ type: "text", text: "Rotating now." }] }],
      $ai_input_tokens: 1200,
      $ai_output_tokens: 300,
      $ai_cache_read_input_tokens: 5000,
      // 1200 x $3 + 5000 x $0.30 = $0.0051 input; 300 x $15 = $0.0045 output
      $ai_input_cost_usd: 0.0051,
      $ai_output_cost_usd: 0.0045,
      $ai_total_cost_usd: 0.0096,
      $ai_latency: 0.1,
      $ai_http_status: 200,
      $ai_stop_reason: "end_turn",
      $ai_is_error: false,
    });
    assert.deepEqual(ai(rotate), {
      $ai_lib: "@airlock/trace",
      $ai_session_id: "thread-7",
      $ai_trace_id: "run-0001",
      $ai_span_id: id(rotate),
      $ai_parent_id: "run-0001",
      $ai_span_name: "secrets.rotate",
      $ai_input_state: { name: "anthropic", old: "[REDACTED:AnthropicApiKey]" },
      $ai_output_state: { rotated: true, newKeyPrefix: "sk-ant-…" },
      $ai_latency: 0.3,
      $ai_is_error: false,
    });
    assert.deepEqual(ai(audit), {
      $ai_lib: "@airlock/trace",
      $ai_session_id: "thread-7",
      $ai_trace_id: "run-0001",
      $ai_span_id: id(audit),
      $ai_parent_id: id(rotate),
      $ai_span_name: "audit.log",
      $ai_input_state: { line: "rotating" },
      $ai_output_state: "logged",
      $ai_latency: 0.1,
      $ai_is_error: false,
    });
    assert.deepEqual(ai(comment), {
      $ai_lib: "@airlock/trace",
      $ai_session_id: "thread-7",
      $ai_trace_id: "run-0001",
      $ai_span_id: id(comment),
      $ai_parent_id: "run-0001",
      $ai_span_name: "github.comment",
      $ai_input_state: { token: "[REDACTED:SensitiveKey]", body: "done" },
      $ai_output_state: null,
      $ai_latency: 0.1,
      $ai_is_error: true,
      $ai_error: "ToolFailure: 403 for [REDACTED:GitHubToken]",
    });
    assert.deepEqual(ai(trace), {
      $ai_lib: "@airlock/trace",
      $ai_session_id: "thread-7",
      $ai_trace_id: "run-0001",
      $ai_span_name: "rotate-key",
      $ai_input_state: { text: "my key is [REDACTED:AnthropicApiKey], please rotate it" },
      $ai_output_state: "Rotating now.",
      $ai_latency: 0.9,
      $ai_is_error: false,
    });
    assert.equal(gen?.timestamp, new Date(START + 100).toISOString(), "events are stamped with the call's start");
    const everything = JSON.stringify(ph.requests) + sink.lines.join("");
    assert.ok(!everything.includes(ANTHROPIC) && !everything.includes(GITHUB), "no credential left the process");
    assert.equal(sink.lines.length, 4, "one EMF line per call, none for the run");
  });

  test("given compression off and a failing model call, when flushed, then the JSON batch has the error, HTTP status and no cost", async () => {
    const ph = await receiver();
    const tracer = createTracer({
      agent: "a",
      release: "r",
      emf: false,
      posthog: { apiKey: "phc_x", host: ph.url, disableCompression: true },
      clock: steppingClock(START, 2000),
    });
    class RateLimitError extends Error {
      readonly status = 429;
    }

    await assert.rejects(
      tracer.wrapModelCall({ model: "claude-haiku-4-5", name: "triage", input: "hello" }, () => Promise.reject(new RateLimitError(`rate limited, key ${ANTHROPIC}`))),
      RateLimitError,
    );
    await tracer.flush();

    assert.equal(ph.requests[0]?.contentEncoding, undefined);
    const [gen] = ph.events();
    const traceId = gen?.properties.$ai_trace_id;
    assert.deepEqual(ai(gen), {
      $ai_lib: "@airlock/trace",
      $ai_trace_id: traceId,
      $ai_span_id: gen?.properties.$ai_span_id,
      $ai_parent_id: traceId,
      $ai_span_name: "triage",
      $ai_model: "claude-haiku-4-5",
      $ai_provider: "anthropic",
      $ai_input: "hello",
      $ai_output_choices: null,
      $ai_input_tokens: 0,
      $ai_output_tokens: 0,
      $ai_input_cost_usd: 0,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0,
      $ai_latency: 2,
      $ai_http_status: 429,
      $ai_is_error: true,
      $ai_error: "RateLimitError: rate limited, key [REDACTED:AnthropicApiKey]",
    });
    assert.equal(gen?.distinct_id, "airlock-agent:a");
    assert.equal(gen?.properties.$process_person_profile, false);
    await tracer.shutdown();
  });

  test("given a refused tool call, then its $ai_span is not an error and says why in airlock_refusal", async () => {
    const captured: { event: string; properties?: Record<string, unknown> }[] = [];
    const client = { capture: (e: { event: string; properties?: Record<string, unknown> }) => void captured.push(e), flush: async () => undefined, shutdown: async () => undefined };
    const tracer = createTracer({ agent: "a", release: "r", emf: false, posthog: { client } });
    const refused = Object.assign(new Error("forbidden: above the limit"), { name: "ToolRefusedError", [OUTCOME_PROPERTY]: CALL_OUTCOMES.refused });

    await assert.rejects(tracer.wrapToolCall("issue_refund", { amount_cents: 20_000 }, () => Promise.reject(refused)));
    await assert.rejects(tracer.wrapToolCall("issue_refund", {}, () => Promise.reject(new Error("billing API 503"))));

    const props = captured.map((e) => e.properties ?? {});
    assert.deepEqual(
      props.map((p) => [p.$ai_is_error, p.$ai_error, p.airlock_outcome, p.airlock_refusal]),
      [
        [false, undefined, "refused", "ToolRefusedError: forbidden: above the limit"],
        [true, "Error: billing API 503", undefined, undefined],
      ],
    );
    await tracer.shutdown();
  });

  test("given calls outside any run, when flushed, then each is its own trace and no $ai_trace is sent", async () => {
    const ph = await receiver();
    const tracer = createTracer({ agent: "a", release: "r", emf: false, posthog: { apiKey: "phc_x", host: ph.url } });

    await tracer.wrapToolCall("one", {}, () => 1);
    await tracer.wrapToolCall("two", {}, () => 2);
    await tracer.shutdown();

    const events = ph.events();
    assert.deepEqual(events.map((e) => e.event), ["$ai_span", "$ai_span"]);
    const [one, two] = events.map((e) => e.properties);
    assert.notEqual(one?.$ai_trace_id, two?.$ai_trace_id);
    assert.equal(one?.$ai_parent_id, one?.$ai_trace_id);
  });

  test("given two runs interleaved, when their calls go through the tracer, then each call lands in its own run's trace", async () => {
    const ph = await receiver();
    const tracer = createTracer({ agent: "a", release: "r", emf: false, posthog: { apiKey: "phc_x", host: ph.url } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));

    await Promise.all([
      tracer.run({ name: "A", traceId: "trace-A" }, async () => {
        await gate;
        await tracer.wrapToolCall("in-A", {}, () => "a");
      }),
      tracer.run({ name: "B", traceId: "trace-B" }, async () => {
        await tracer.wrapToolCall("in-B", {}, () => "b");
        release();
      }),
    ]);
    await tracer.shutdown();

    const byName = Object.fromEntries(ph.events().map((e) => [e.properties.$ai_span_name, e.properties.$ai_trace_id]));
    assert.deepEqual(byName, { "in-A": "trace-A", "in-B": "trace-B", A: "trace-A", B: "trace-B" });
  });

  test("given a run started and ended by hand, when ended twice with an error, then one failing $ai_trace is sent", async () => {
    const ph = await receiver();
    const tracer = createTracer({ agent: "a", release: "r", emf: false, captureContent: false, posthog: { apiKey: "phc_x", host: ph.url } });

    const run = tracer.startRun({ name: "loop", input: { secret: "kept home" } });
    await run.wrapToolCall("step", { q: 1 }, () => ({ a: 1 }));
    run.end({ error: new TypeError("loop broke") });
    run.end({ output: "ignored" });
    await tracer.shutdown();

    const events = ph.events();
    assert.deepEqual(events.map((e) => e.event), ["$ai_span", "$ai_trace"]);
    assert.equal(events[1]?.properties.$ai_is_error, true);
    assert.equal(events[1]?.properties.$ai_error, "TypeError: loop broke");
    assert.equal(events[1]?.properties.$ai_trace_id, run.traceId);
    for (const e of events) {
      for (const k of ["$ai_input_state", "$ai_output_state"]) assert.ok(!(k in e.properties), `${k} sent although captureContent is false`);
    }
  });
});

describe("PostHog outages never reach the traced call", () => {
  /** 30 tool calls (10 of them failing) through a tracer pointed at `host`; returns what the caller saw. */
  async function thirtyCalls(tracer: Tracer) {
    const results: unknown[] = [];
    const thrown: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      try {
        results.push(
          await tracer.wrapToolCall(`tool-${i % 3}`, { i }, () => {
            if (i % 3 === 2) throw new Error(`fail ${i}`);
            return i;
          }),
        );
      } catch (error) {
        thrown.push((error as Error).message);
      }
    }
    return { results, thrown };
  }

  const expectedResults = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 2);
  const expectedThrown = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 === 2).map((i) => `fail ${i}`);

  function checkEmf(lines: string[]) {
    assert.equal(lines.length, 30);
    const docs = lines.map((l) => JSON.parse(l) as { Tool: string; Errors: number; Args: { i: number } });
    assert.deepEqual(
      docs.map((d) => d.Args.i),
      Array.from({ length: 30 }, (_, i) => i),
    );
    assert.equal(docs.filter((d) => d.Errors === 1).length, 10);
  }

  test("given PostHog's port is closed, when 30 calls run and the tracer shuts down, then every call returns, every EMF line is written and nothing throws", async () => {
    const sink = lineCollector();
    const errors: unknown[] = [];
    const tracer = createTracer({
      agent: "a",
      release: "r",
      stack: "test",
      emf: { sink },
      posthog: { apiKey: "phc_x", host: await closedPortUrl(), flushAt: 5, retryCount: 0, requestTimeoutMs: 1000 },
      onTelemetryError: (error, stage) => errors.push([stage, error]),
    });

    const { results, thrown } = await thirtyCalls(tracer);
    await tracer.shutdown(3000);

    assert.deepEqual(results, expectedResults);
    assert.deepEqual(thrown, expectedThrown);
    checkEmf(sink.lines);
    assert.ok(errors.length > 0, "the outage is reported to onTelemetryError");
    assert.ok(errors.every((e) => (e as [string])[0] === "posthog"));
  });

  test("given PostHog answers 500, when 30 calls run and the tracer shuts down, then every call returns and every EMF line is written", async () => {
    const ph = await receiver("500");
    const sink = lineCollector();
    const errors: string[] = [];
    const tracer = createTracer({
      agent: "a",
      release: "r",
      stack: "test",
      emf: { sink },
      posthog: { apiKey: "phc_x", host: ph.url, flushAt: 10, retryCount: 1, retryDelayMs: 10 },
      onTelemetryError: (error) => errors.push(String((error as Error).message)),
    });

    const { results, thrown } = await thirtyCalls(tracer);
    await tracer.shutdown(3000);

    assert.deepEqual(results, expectedResults);
    assert.deepEqual(thrown, expectedThrown);
    checkEmf(sink.lines);
    assert.ok(ph.requests.length >= 2, "the batches did reach the failing server (and were retried)");
    assert.ok(errors.some((m) => m.includes("500")), `a 500 is reported, got ${JSON.stringify(errors)}`);
  });

  test("given PostHog accepts requests and never answers, when calls run, then they return before any batch is answered and shutdown still ends", async () => {
    const ph = await receiver("hang");
    const sink = lineCollector();
    const tracer = createTracer({
      agent: "a",
      release: "r",
      stack: "test",
      emf: { sink },
      posthog: { apiKey: "phc_x", host: ph.url, flushAt: 1, retryCount: 0, requestTimeoutMs: 5000 },
      onTelemetryError: () => {},
    });

    const { results, thrown } = await thirtyCalls(tracer);
    // Give posthog-node's background flush a chance to reach the server before looking.
    while (ph.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    assert.deepEqual(results, expectedResults);
    assert.deepEqual(thrown, expectedThrown);
    checkEmf(sink.lines);
    assert.ok(ph.pending() >= 1, "a batch is still unanswered while every call has already returned");
    await tracer.shutdown(1000);
  });
});

describe("createTracer input checks", () => {
  test("given bad options, when the tracer is created, then the error names the field and the fix", () => {
    const cases: [unknown, string][] = [
      [{ release: "r" }, "createTracer: `agent` must be a non-empty string (the agent's name from agent.yaml), got undefined"],
      [{ agent: "a", release: " " }, 'createTracer: `release` must be a non-empty string (the release id the agent is running), got " "'],
      [{ agent: "a", release: "r", emf: { namespace: "AWS/Lambda" } }, 'createTracer: `emf.namespace` must be 1-255 characters and not start with "AWS/" (reserved), got "AWS/Lambda"'],
      [{ agent: "a", release: "r", stack: "test", emf: { sink: {} } }, "createTracer: `emf.sink` must have a write(line) method, like process.stdout"],
      [{ agent: "a", release: "r", posthog: { apiKey: "" } }, 'createTracer: `posthog.apiKey` must be a non-empty string (the PostHog project API key, phc_…), got ""'],
      [{ agent: "a", release: "r", posthog: { apiKey: "phc_x", host: "eu.i.posthog.com" } }, 'createTracer: `posthog.host` must be an http(s) URL such as https://eu.i.posthog.com, got "eu.i.posthog.com"'],
      [{ agent: "a", release: "r", posthog: { apiKey: "phc_x", flushAt: 2.5 } }, "createTracer: `posthog.flushAt` must be a whole number >= 0, got 2.5"],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createTracer(options as never), { name: "TypeError", message });
    }
  });

  test("given a bad trace id or tool name, when used, then the error says what is allowed", async () => {
    const tracer = createTracer({ agent: "a", release: "r", emf: false });
    assert.throws(() => tracer.startRun({ traceId: "has space" }), {
      message: "startRun: `traceId` must be 1-200 letters, digits or -_~.@()!':| (PostHog's rule), got \"has space\"",
    });
    await assert.rejects(tracer.wrapToolCall("", {}, () => 1), { message: 'wrapToolCall: `name` must be the tool\'s non-empty name, got ""' });
    await assert.rejects(tracer.wrapModelCall({ model: "" }, () => 1), {
      message: 'wrapModelCall: `model` must be the model id, e.g. "claude-sonnet-4-5", got ""',
    });
  });
});
