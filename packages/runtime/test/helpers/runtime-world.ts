/**
 * The SDK integrations' tests' world: the shipped test model, the real approval gateway behind the
 * Lambda Invoke stand-in (a person decides through its Slack path), a tracer recording every call,
 * and an agent runtime made of the guard, the checkpoint and that tracer, as an agent makes it.
 * The checkpoint's clock only moves when it sleeps, so a timed-out approval takes no real time.
 */
import { TASK_ENV } from "@airlock/core/contracts";
import { createTracer, type CallRecord, type Tracer } from "@airlock/trace";
import { createAgentRuntime, createCheckpoint, createToolGuard, type AgentRuntime, type ShippedModel } from "../../src/index.ts";
import { aliasArn, LambdaStandIn } from "./lambda-standin.ts";
import { shippedModel } from "./model.ts";

export const ARN = aliasArn("support-agent");

/** An Anthropic API key as the scanner knows them (13 + 93 characters, not a placeholder). */
export const API_KEY_SHAPED = `sk-ant-api03-${"Ab3_dE-9".repeat(11)}XyZ12`;

export const REPLY = { ticket: "T-1001", to: "ana@example.com", body: "Your refund was sent today." };

export interface RuntimeWorld {
  readonly lambda: LambdaStandIn;
  readonly model: ShippedModel;
  readonly records: CallRecord[];
  readonly tracer: Tracer;
  /** A runtime whose checkpoint waits `deadlineMs` of its own clock (5 s by default). */
  runtime(deadlineMs?: number): AgentRuntime;
  stop(): Promise<void>;
}

export async function startRuntimeWorld(): Promise<RuntimeWorld> {
  const lambda = new LambdaStandIn();
  const model = await shippedModel();
  await lambda.start([model]);
  const records: CallRecord[] = [];
  const tracer = createTracer({ agent: "support-agent", release: "rel-42", stack: "test", emf: false, onRecord: (r) => records.push(r) });
  const env = { [TASK_ENV.modelHash]: model.hash, [TASK_ENV.approvalFunction]: ARN, [TASK_ENV.release]: "rel-42" };
  return {
    lambda,
    model,
    records,
    tracer,
    runtime(deadlineMs = 5_000) {
      let clock = Date.now();
      const checkpoint = createCheckpoint({
        env,
        lambda: lambda.client(),
        deadlineMs,
        backoff: { initialMs: 5, maxMs: 40, factor: 2 },
        now: () => new Date(clock),
        sleep: async (ms) => {
          clock += ms;
          await new Promise((r) => setImmediate(r));
        },
      });
      return createAgentRuntime({ guard: createToolGuard({ model, env, tracer }), checkpoint, tracer });
    },
    stop: () => lambda.stop(),
  };
}
