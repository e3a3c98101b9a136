/**
 * Expected outcomes are not errors (review 2, S-B): the deployment alarms roll a release back on
 * `Errors / Calls` per tool and per agent, so a policy refusal, a person's denial or the approval's
 * deadline, and the model's own code failing in the sandbox are traced `refused` (metric
 * `Refusals`), while a tool that throws and a sandbox that fails are still `error`. Read from the
 * tracer's real EMF lines, summed as CloudWatch sums them over `[Stack, Agent, Tool]` and
 * `[Stack, Agent]`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_METRICS, DIMENSIONS, OUTCOME_PROPERTY, TASK_ENV } from "@airlock/core/contracts";
import { loadManifest } from "@airlock/core";
import { createTracer } from "@airlock/trace";
import { approvalSpanName, createAgentRuntime, createCheckpoint, createToolGuard, refusal, refusalOutcome, sandboxFailureOutcome, ToolRefusedError, type RefusalReason, type SandboxFailure, type SandboxOutcome, type SandboxRunner, type ShippedModel } from "../src/index.ts";
import { aliasArn, LambdaStandIn } from "./helpers/lambda-standin.ts";
import { shippedModel } from "./helpers/model.ts";

const EXAMPLE = new URL("../../../examples/support-agent/agent.yaml", import.meta.url).pathname;
const ARN = aliasArn("support-agent");
const FAST = { backoff: { initialMs: 5, maxMs: 40, factor: 2 } } as const;
const REFUND = { ticket_id: "T-1046", order_id: "A-7731", reason: "Charged twice." };
const REPLY = { ticket: "T-1001", to: "ana@example.com", body: "Your refund was sent today." };
const { errors: ERRORS, refusals: REFUSALS, calls: CALLS } = AGENT_METRICS.names;

/** The tracer's EMF lines, and their sums as CloudWatch computes them per tool and per agent. */
function emfSink() {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    sink: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    /** The sum of `metric` over `[Stack, Agent, Tool]` for `tool`, or over `[Stack, Agent]` (every line). */
    sum(metric: string, tool?: string): number {
      return lines.filter((l) => tool === undefined || l[DIMENSIONS.tool] === tool).reduce((n, l) => n + Number(l[metric]), 0);
    },
  };
}

describe("expected outcomes are not errors in the deployment alarms' series", () => {
  test("given refunds above the policy's limit, when the guard refuses them, then issue_refund's Errors stay 0 and its Refusals count them", async () => {
    const model = await loadManifest(EXAMPLE);
    const emf = emfSink();
    const tracer = createTracer({ agent: "support-agent", release: "rel-1", stack: "test", emf: { sink: emf.sink } });
    const guard = createToolGuard({ model, modelHash: model.hash, tracer });

    for (const amount of [20_000, 50_000]) assert.equal(guard.check("issue_refund", { ...REFUND, amount_cents: amount }).verdict, "refuse");
    await new Promise((r) => setImmediate(r));

    assert.equal(emf.sum(CALLS, "issue_refund"), 2);
    assert.equal(emf.sum(ERRORS, "issue_refund"), 0, "a refused refund must not move the tool's error rate");
    assert.equal(emf.sum(REFUSALS, "issue_refund"), 2);
    assert.deepEqual(emf.lines.map((l) => [l.Outcome, l.ErrorClass]), [["refused", "ToolRefusedError"], ["refused", "ToolRefusedError"]]);
    assert.match(String(emf.lines[0]!.ErrorMessage), /^forbidden: The call to "issue_refund" is forbidden by this agent's policy: amount_cents > 10000/);
  });

  test("given a tool whose implementation throws, then its call is still an error (Errors 1, Refusals 0)", async () => {
    const model = await loadManifest(EXAMPLE);
    const emf = emfSink();
    const tracer = createTracer({ agent: "support-agent", release: "rel-1", stack: "test", emf: { sink: emf.sink } });
    const runtime = createAgentRuntime({ guard: createToolGuard({ model, modelHash: model.hash, tracer }), tracer });

    await assert.rejects(
      runtime.callTool("read_ticket", { ticket_id: "T-1046" }, () => {
        throw new Error("the ticket API answered 503");
      }),
      /503/,
    );

    assert.deepEqual(emf.lines.map((l) => [l[DIMENSIONS.tool], l.Outcome, l[ERRORS], l[REFUSALS]]), [["read_ticket", "error", 1, 0]]);
  });

  describe("a person's denial and the approval's deadline", () => {
    const standin = new LambdaStandIn();
    let model: ShippedModel;
    before(async () => {
      model = await shippedModel();
      await standin.start([model]);
    });
    after(async () => standin.stop());

    function world(deadlineMs: number) {
      const emf = emfSink();
      const tracer = createTracer({ agent: "support-agent", release: "rel-42", stack: "test", emf: { sink: emf.sink } });
      const env = { [TASK_ENV.modelHash]: model.hash, [TASK_ENV.approvalFunction]: ARN, [TASK_ENV.release]: "rel-42" };
      const runtime = createAgentRuntime({ guard: createToolGuard({ model, env, tracer }), checkpoint: createCheckpoint({ env, lambda: standin.client(), deadlineMs, ...FAST }), tracer });
      return { emf, runtime };
    }

    test("given a person rejects a reply, then the wait is refused and the agent's Errors stay 0", async () => {
      const { emf, runtime } = world(5_000);
      const calling = runtime.callTool("send_customer_reply", REPLY, () => assert.fail("must not run"));
      await standin.click(await standin.nextRequest(), "airlock.reject");
      const out = await calling;

      assert.equal(!out.ok && out.reason, "rejected");
      assert.deepEqual(emf.lines.map((l) => [l[DIMENSIONS.tool], l.Outcome]), [[approvalSpanName("send_customer_reply"), "refused"]]);
      assert.equal(emf.sum(ERRORS), 0, "a denied approval must not move the agent's error rate");
      assert.equal(emf.sum(REFUSALS), 1);
    });

    test("given no one decides before the deadline, then the wait is refused, not an error", async () => {
      const { emf, runtime } = world(300);
      const out = await runtime.callTool("send_customer_reply", REPLY, () => assert.fail("must not run"));

      assert.equal(!out.ok && out.reason, "timeout");
      assert.deepEqual(emf.lines.map((l) => [l[DIMENSIONS.tool], l.Outcome, l[ERRORS], l[REFUSALS]]), [[approvalSpanName("send_customer_reply"), "refused", 0, 1]]);
    });
  });

  describe("a sandboxed tool's run that gave no result", () => {
    /** A sandbox runner that answers every run with `outcome`. */
    const sandboxAnswering = (outcome: SandboxOutcome) => ({ run: async () => outcome }) as unknown as SandboxRunner;
    const failed = (failure: "code-failed" | "start-failed"): SandboxOutcome => ({
      ...refusal("analyze_ticket_history", "sandbox-failed", `The sandbox run failed (${failure}).`),
      failure,
      taskArn: "arn:aws:ecs:eu-west-1:123456789012:task/c/1",
    });

    async function traced(failure: "code-failed" | "start-failed") {
      const model = await shippedModel();
      const emf = emfSink();
      const tracer = createTracer({ agent: "support-agent", release: "rel-1", stack: "test", emf: { sink: emf.sink } });
      const runtime = createAgentRuntime({ guard: createToolGuard({ model, modelHash: model.hash, tracer }), tracer, sandbox: sandboxAnswering(failed(failure)) });
      const out = await runtime.callTool("analyze_ticket_history", { code: "return tickets[0].x.y", tickets: [] }, () => assert.fail("runs in the sandbox only"));
      assert.equal(!out.ok && out.reason, "sandbox-failed");
      return emf.lines.map((l) => [l[DIMENSIONS.tool], l.Outcome, l[ERRORS], l[REFUSALS]]);
    }

    test("given the model's own code failed, then the call is refused (the release did not regress)", async () => {
      assert.deepEqual(await traced("code-failed"), [["analyze_ticket_history", "refused", 0, 1]]);
    });

    test("given the sandbox task did not start, then the call is still an error the alarms see", async () => {
      assert.deepEqual(await traced("start-failed"), [["analyze_ticket_history", "error", 1, 0]]);
    });
  });

  test("which refusals are expected (refused) and which are failures (error), reason by reason and sandbox failure by failure", () => {
    const reasons: Record<RefusalReason, string> = {
      "undeclared-tool": "refused",
      "invalid-arguments": "refused",
      forbidden: "refused",
      rejected: "refused",
      timeout: "refused",
      "receipt-refused": "refused",
      // The approval gateway could not be asked: infrastructure.
      "approval-unavailable": "error",
      // Decided by the sandbox failure (below), never by the reason alone.
      "sandbox-failed": "error",
    };
    for (const [reason, outcome] of Object.entries(reasons)) {
      const r = refusal("t", reason as RefusalReason, "no");
      assert.equal(refusalOutcome(r), outcome, reason);
      assert.equal(new ToolRefusedError(r)[OUTCOME_PROPERTY], outcome, reason);
    }
    const failures: Record<SandboxFailure, string> = {
      "code-failed": "refused",
      "input-too-large": "refused",
      "output-too-large": "refused",
      "start-failed": "error",
      stopped: "error",
      timeout: "error",
      refused: "error",
      "output-invalid": "error",
      "output-missing": "error",
    };
    for (const [failure, outcome] of Object.entries(failures)) assert.equal(sandboxFailureOutcome(failure as SandboxFailure), outcome, failure);
  });
});
