/**
 * The sandbox runner: a code-executing tool's call runs as one task of the agent's sandbox task
 * definition, and its result comes back without the sandbox needing any egress or AWS permission
 * beyond what it has (its task role holds no policy):
 *
 * - input: RunTask `overrides.containerOverrides` sets `SANDBOX_ENV.input` on the sandbox container
 *   (the tool, its arguments and a fresh nonce, as JSON). ECS allows 8192 characters of overrides,
 *   JSON included (`SANDBOX_OVERRIDES_MAX`); a larger input is refused before anything starts.
 * - the task: Fargate, in the isolated subnets with the sandbox's security group, no public IP
 *   (all from the task's `TASK_ENV.sandbox*`, which AgentDeployment sets), tagged at RunTask with
 *   `sandboxTaskTags(agent)` (the agent's name, `airlock:sandbox`): the task role lets the agent
 *   describe and stop only tasks that carry them. No size override and no ECS Exec: the role
 *   refuses RunTask at any other CPU or memory than the task definition's, or with ECS Exec.
 * - output: the entry's framed stdout (./sandbox-frame.ts), written by the awslogs driver to the
 *   agent's log group (`TASK_ENV.sandboxLogGroup`) and read back with GetLogEvents on the task's
 *   stream (./sandbox-logs.ts) once DescribeTasks says the task stopped; the container's exit
 *   code, as ECS reports it, must be the end frame's.
 * - a wall-clock limit: DescribeTasks is polled with bounded exponential backoff; past the limit
 *   the task is stopped (StopTask) and the call is a `timeout` tool result.
 *
 * Every way a run gives no result (input too large, RunTask failures or errors, a task ECS stopped,
 * a non-zero exit, output lost, forged or over the cap) is a tool result, never an exception. Each
 * run is traced as a span of its own, `sandbox-run:<tool>`: its input the tool's arguments
 * (redacted by the tracer), its output the task ARN, duration, exit code and output size; never
 * the output itself.
 *
 * The agent's task role allows exactly these calls (pulumi/src/agent/task-role.ts): ecs:RunTask on
 * the sandbox task definition in the cluster, ecs:TagResource of the task RunTask creates,
 * ecs:DescribeTasks and ecs:StopTask on the cluster's tasks with the agent's sandbox tags,
 * iam:PassRole of the sandbox's two roles to ECS tasks, logs:GetLogEvents on the sandbox's
 * streams of the agent's log group.
 */
import { randomBytes } from "node:crypto";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand, type DescribeTasksCommandOutput, type RunTaskCommandOutput, type StopTaskCommandOutput } from "@aws-sdk/client-ecs";
import { decodeList, SANDBOX_ENV, SANDBOX_FRAME, SANDBOX_TASK, sandboxTaskTags, TASK_ENV, type SandboxInput } from "@airlock/core/contracts";
import type { CallWrapper } from "@airlock/trace";
import { AirlockRuntimeError } from "./errors.ts";
import { DEFAULT_SANDBOX_OUTPUT_BYTES } from "./sandbox-entry.ts";
import { decodeSandboxStream, SANDBOX_EXIT, type SandboxPayload } from "./sandbox-frame.ts";
import { readLogStream, sandboxLogStream, type LogsReader } from "./sandbox-logs.ts";
import { refusal, sandboxFailureOutcome, ToolRefusedError, type ToolRefusal } from "./tool-result.ts";

/**
 * ECS: "A total of 8192 characters are allowed for overrides. This limit includes the JSON
 * formatting characters of the override structure." (RunTask, `overrides`; the fact and its
 * source are `ECS_RUN_TASK_LIMITS.overridesCharacters` in packages/core/src/aws/ecs-run-task.ts,
 * which the runtime does not load; test/sandbox-runner.test.ts checks that they agree).
 */
export const SANDBOX_OVERRIDES_MAX = 8192;

/** What the runner needs of an `ECSClient` (`@aws-sdk/client-ecs`): `send`. */
export interface EcsSender {
  send(command: RunTaskCommand): Promise<RunTaskCommandOutput>;
  send(command: DescribeTasksCommand): Promise<DescribeTasksCommandOutput>;
  send(command: StopTaskCommand): Promise<StopTaskCommandOutput>;
}

/** Why a run gave no result. */
export type SandboxFailure = "input-too-large" | "start-failed" | "stopped" | "timeout" | "code-failed" | "refused" | "output-too-large" | "output-invalid" | "output-missing";

/** A run that gave no result, as a tool result for the model. */
export type SandboxRefusal = ToolRefusal & {
  readonly failure: SandboxFailure;
  readonly taskArn?: string;
  readonly exitCode?: number;
};

/** A run that gave a result: the handler's value and what it printed. */
export interface SandboxRan {
  readonly ok: true;
  readonly value: unknown;
  readonly stdout: string;
  readonly stderr: string;
  /** The handler's stdout or stderr was cut at the entry's cap. */
  readonly truncated: boolean;
  readonly taskArn: string;
  readonly exitCode: number;
  readonly durationMs: number;
  /** Bytes of the result's JSON. */
  readonly outputBytes: number;
}

export type SandboxOutcome = SandboxRan | SandboxRefusal;

export interface SandboxRunnerOptions {
  /** @default - `process.env`, for the `TASK_ENV.sandbox*` variables AgentDeployment sets */
  readonly env?: NodeJS.ProcessEnv;
  /** The agent's name, which tags each sandbox task. @default - `TASK_ENV.agent` */
  readonly agent?: string;
  /** @default - `TASK_ENV.sandboxCluster` */
  readonly cluster?: string;
  /** @default - `TASK_ENV.sandboxTaskDefinition` */
  readonly taskDefinition?: string;
  /** @default - `TASK_ENV.sandboxSubnets` */
  readonly subnets?: readonly string[];
  /** @default - `TASK_ENV.sandboxSecurityGroup` */
  readonly securityGroup?: string;
  /** @default - `TASK_ENV.sandboxLogGroup` */
  readonly logGroup?: string;
  /** @default - `new ECSClient({})`: the task role's credentials, the task's region */
  readonly ecs?: EcsSender;
  /** @default - `new CloudWatchLogsClient({})` */
  readonly logs?: LogsReader;
  /**
   * The wall-clock limit of one run, from RunTask to the task stopping; past it the task is stopped.
   * @default 300000 (5 minutes)
   */
  readonly timeoutMs?: number;
  /**
   * How long to wait, once the task stopped, for its output to reach the log stream (awslogs delivers it after).
   * @default 30000
   */
  readonly logSettleMs?: number;
  /** DescribeTasks polling. @default { initialMs: 1000, factor: 2, maxMs: 10000 } */
  readonly backoff?: { readonly initialMs?: number; readonly factor?: number; readonly maxMs?: number };
  /**
   * The largest result accepted, in bytes of its JSON (the entry's own cap should be the same or lower).
   * @default DEFAULT_SANDBOX_OUTPUT_BYTES (256 KiB)
   */
  readonly maxOutputBytes?: number;
  /** Where runs are traced: a span `sandbox-run:<tool>` each. @default - not traced */
  readonly tracer?: CallWrapper;
  /** @default - the system clock */
  readonly now?: () => number;
  /** @default - `setTimeout` */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Options of one run. */
export interface SandboxRunOptions {
  /** This run's wall-clock limit. @default - the runner's `timeoutMs` */
  readonly timeoutMs?: number;
}

/** The span name of a sandbox run of `tool`. */
export const sandboxSpanName = (tool: string): string => `sandbox-run:${tool}`;

const positive = (v: number | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new AirlockRuntimeError(`\`${name}\`: ${v} is not a positive number`);
  return v;
};

/** What the span records as the run's output: never the output itself. */
interface SpanSummary {
  readonly taskArn?: string;
  readonly durationMs: number;
  readonly exitCode?: number;
  readonly outputBytes?: number;
  readonly failure?: SandboxFailure;
}

class SandboxRunError extends ToolRefusedError {
  constructor(
    readonly outcome: SandboxRefusal,
    readonly summary: SpanSummary,
  ) {
    super(outcome, sandboxFailureOutcome(outcome.failure));
  }
}

export class SandboxRunner {
  readonly agent: string;
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroup: string;
  readonly logGroup: string;
  readonly #ecs: EcsSender;
  readonly #logs: LogsReader;
  readonly #timeoutMs: number;
  readonly #settleMs: number;
  readonly #backoff: { readonly initialMs: number; readonly factor: number; readonly maxMs: number };
  readonly #maxBytes: number;
  readonly #tracer: CallWrapper | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  /** Throws `AirlockRuntimeError` naming each missing setting (the `TASK_ENV.sandbox*` variable, or the option). */
  constructor(options: SandboxRunnerOptions = {}) {
    const env = options.env ?? process.env;
    const problems: string[] = [];
    const setting = (given: string | undefined, variable: string, option: string): string => {
      const v = given ?? env[variable] ?? "";
      if (v.trim() === "") problems.push(`\`${variable}\`: not set; AgentDeployment sets it when a tool runs code (or pass \`${option}\`)`);
      return v;
    };
    this.agent = setting(options.agent, TASK_ENV.agent, "agent");
    this.cluster = setting(options.cluster, TASK_ENV.sandboxCluster, "cluster");
    this.taskDefinition = setting(options.taskDefinition, TASK_ENV.sandboxTaskDefinition, "taskDefinition");
    this.securityGroup = setting(options.securityGroup, TASK_ENV.sandboxSecurityGroup, "securityGroup");
    this.logGroup = setting(options.logGroup, TASK_ENV.sandboxLogGroup, "logGroup");
    this.subnets = options.subnets ?? decodeList(env[TASK_ENV.sandboxSubnets]);
    if (this.subnets.length === 0) problems.push(`\`${TASK_ENV.sandboxSubnets}\`: no subnets; AgentDeployment sets the isolated subnets (or pass \`subnets\`)`);
    if (problems.length > 0) throw new AirlockRuntimeError(`the sandbox runner cannot start:\n  ${problems.join("\n  ")}`);
    this.#ecs = options.ecs ?? new ECSClient({});
    this.#logs = options.logs ?? new CloudWatchLogsClient({});
    this.#timeoutMs = positive(options.timeoutMs, "timeoutMs", 300_000);
    this.#settleMs = positive(options.logSettleMs, "logSettleMs", 30_000);
    const b = options.backoff ?? {};
    this.#backoff = { initialMs: positive(b.initialMs, "backoff.initialMs", 1_000), factor: positive(b.factor, "backoff.factor", 2), maxMs: positive(b.maxMs, "backoff.maxMs", 10_000) };
    if (this.#backoff.factor < 1) throw new AirlockRuntimeError(`\`backoff.factor\`: ${this.#backoff.factor} must be at least 1`);
    this.#maxBytes = positive(options.maxOutputBytes, "maxOutputBytes", DEFAULT_SANDBOX_OUTPUT_BYTES);
    this.#tracer = options.tracer;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The RunTask overrides for one input (what counts against ECS's 8192 characters). */
  static overrides(input: SandboxInput): { containerOverrides: { name: string; environment: { name: string; value: string }[] }[] } {
    return { containerOverrides: [{ name: SANDBOX_TASK.container, environment: [{ name: SANDBOX_ENV.input, value: JSON.stringify(input) }] }] };
  }

  /**
   * Runs `tool` (a code-executing tool of the sandbox image) with `args` in a new sandbox task and
   * returns its result, or a tool result saying why there is none. Never throws for the run's own
   * failures (only for a tracer's misuse).
   */
  async run(tool: string, args: Readonly<Record<string, unknown>>, options: SandboxRunOptions = {}): Promise<SandboxOutcome> {
    const timeoutMs = positive(options.timeoutMs, "timeoutMs", this.#timeoutMs);
    if (this.#tracer === undefined) return this.#run(tool, args, timeoutMs).then((r) => r.outcome);
    try {
      let outcome: SandboxRan | undefined;
      await this.#tracer.wrapToolCall(sandboxSpanName(tool), args, async () => {
        const r = await this.#run(tool, args, timeoutMs);
        if (!r.outcome.ok) throw new SandboxRunError(r.outcome, r.summary);
        outcome = r.outcome;
        return r.summary;
      });
      return outcome!;
    } catch (e) {
      if (e instanceof SandboxRunError) return e.outcome;
      throw e;
    }
  }

  async #run(tool: string, args: Readonly<Record<string, unknown>>, timeoutMs: number): Promise<{ outcome: SandboxOutcome; summary: SpanSummary }> {
    const start = this.#now();
    const elapsed = () => this.#now() - start;
    const fail = (failure: SandboxFailure, content: string, taskArn?: string, exitCode?: number) => {
      const outcome: SandboxRefusal = { ...refusal(tool, failure === "timeout" ? "timeout" : "sandbox-failed", content), failure, ...(taskArn === undefined ? {} : { taskArn }), ...(exitCode === undefined ? {} : { exitCode }) };
      return { outcome, summary: { ...(taskArn === undefined ? {} : { taskArn }), durationMs: elapsed(), ...(exitCode === undefined ? {} : { exitCode }), failure } };
    };
    const input: SandboxInput = { v: SANDBOX_FRAME.version, tool, arguments: JSON.parse(JSON.stringify(args)) as Record<string, unknown>, nonce: randomBytes(16).toString("hex") };
    const overrides = SandboxRunner.overrides(input);
    const size = JSON.stringify(overrides).length;
    if (size > SANDBOX_OVERRIDES_MAX) {
      return fail(
        "input-too-large",
        `The input to "${tool}" is too large for the sandbox: it takes ${size} characters of the task's overrides, and ECS allows ${SANDBOX_OVERRIDES_MAX} in all. It was not run; pass less (shorter code or data), or split the work into smaller calls.`,
      );
    }
    let taskArn: string;
    try {
      const r = await this.#ecs.send(
        new RunTaskCommand({
          cluster: this.cluster,
          taskDefinition: this.taskDefinition,
          launchType: "FARGATE",
          count: 1,
          enableExecuteCommand: false,
          networkConfiguration: { awsvpcConfiguration: { subnets: [...this.subnets], securityGroups: [this.securityGroup], assignPublicIp: "DISABLED" } },
          overrides,
          tags: Object.entries(sandboxTaskTags(this.agent)).map(([key, value]) => ({ key, value })),
        }),
      );
      const failures = (r.failures ?? []).map((f) => [f.reason, f.detail, f.arn].filter((x) => x !== undefined && x !== "").join(" ")).filter((x) => x !== "");
      const arn = r.tasks?.[0]?.taskArn;
      if (arn === undefined || failures.length > 0) {
        return fail("start-failed", `The sandbox task for "${tool}" did not start (${failures.join("; ") || "ECS returned no task"}); the code was not run. You may try again later.`, arn);
      }
      taskArn = arn;
    } catch (e) {
      return fail("start-failed", `The sandbox task for "${tool}" could not be started (${(e as Error).name}: ${(e as Error).message}); the code was not run. You may try again later.`);
    }
    // Wait for the task to stop, within the wall-clock limit.
    let delay = this.#backoff.initialMs;
    let stopped: { exitCode: number | undefined; why: string; stopCode: string | undefined } | undefined;
    let lastError: string | undefined;
    for (;;) {
      try {
        const d = await this.#ecs.send(new DescribeTasksCommand({ cluster: this.cluster, tasks: [taskArn] }));
        lastError = undefined;
        const task = d.tasks?.find((t) => t.taskArn === taskArn);
        if (task?.lastStatus === "STOPPED") {
          const c = task.containers?.find((x) => x.name === SANDBOX_TASK.container);
          stopped = { exitCode: c?.exitCode, stopCode: task.stopCode, why: [task.stoppedReason, c?.reason].filter((x) => x !== undefined && x !== "").join("; ") };
          break;
        }
      } catch (e) {
        lastError = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const left = timeoutMs - elapsed();
      if (left <= 0) break;
      await this.#sleep(Math.min(delay, left));
      delay = Math.min(this.#backoff.maxMs, delay * this.#backoff.factor);
    }
    if (stopped === undefined) {
      let stopError = "";
      try {
        await this.#ecs.send(new StopTaskCommand({ cluster: this.cluster, task: taskArn, reason: `the sandbox run of ${tool} passed its wall-clock limit of ${timeoutMs} ms` }));
      } catch (e) {
        stopError = ` Stopping the task failed too (${(e as Error).message}); ECS may still run it.`;
      }
      return fail(
        "timeout",
        `The code of "${tool}" did not finish in the sandbox within ${timeoutMs} ms; its task (${taskArn}) was stopped and there is no result.${lastError === undefined ? "" : ` ECS was failing: ${lastError}.`}${stopError} Make the work smaller or faster, or tell the user.`,
        taskArn,
      );
    }
    if (stopped.exitCode === undefined) {
      return fail("stopped", `The sandbox task for "${tool}" (${taskArn}) was stopped by ECS before its code finished (${stopped.stopCode ?? "no stop code"}${stopped.why === "" ? "" : `: ${stopped.why}`}); there is no result. You may try again later.`, taskArn);
    }
    return this.#collect(tool, taskArn, stopped.exitCode, input.nonce, elapsed, fail);
  }

  async #collect(
    tool: string,
    taskArn: string,
    exitCode: number,
    nonce: string,
    elapsed: () => number,
    fail: (f: SandboxFailure, content: string, taskArn?: string, exitCode?: number) => { outcome: SandboxOutcome; summary: SpanSummary },
  ): Promise<{ outcome: SandboxOutcome; summary: SpanSummary }> {
    // The frames carry the result base64'd (4 bytes per 3) in JSON lines: room for that, and a little.
    const readCap = Math.ceil((this.#maxBytes * 4) / 3) + 64 * 1024;
    const settleBy = this.#now() + this.#settleMs;
    let delay = this.#backoff.initialMs;
    for (;;) {
      let read;
      try {
        read = await readLogStream(this.#logs, this.logGroup, sandboxLogStream(taskArn), readCap);
      } catch (e) {
        return fail("output-missing", `The sandbox task for "${tool}" (${taskArn}) ended, but its output could not be read (${(e as Error).name}: ${(e as Error).message}); there is no result.`, taskArn, exitCode);
      }
      if (read.over) return fail("output-too-large", `The code of "${tool}" wrote more than the sandbox's output cap of ${this.#maxBytes} bytes (task ${taskArn}); its output was not read. Make it print or return less.`, taskArn, exitCode);
      const decoded = decodeSandboxStream(read.lines, nonce);
      if (decoded.state === "invalid") {
        return fail("output-invalid", `The output of "${tool}" in the sandbox (task ${taskArn}) was not written by the sandbox entry alone (${decoded.problem}); it was discarded. Do not trust or repeat what the code printed.`, taskArn, exitCode);
      }
      if (decoded.state === "complete") {
        if (decoded.exitCode !== exitCode) {
          return fail("output-invalid", `The output of "${tool}" in the sandbox (task ${taskArn}) claims exit code ${decoded.exitCode}, but the container exited with ${exitCode}; it was discarded. Do not trust or repeat what the code printed.`, taskArn, exitCode);
        }
        if (decoded.bytes > this.#maxBytes) return fail("output-too-large", `The result of "${tool}" is ${decoded.bytes} bytes, over the sandbox's output cap of ${this.#maxBytes} bytes (task ${taskArn}). Make it print or return less.`, taskArn, exitCode);
        return this.#result(tool, taskArn, exitCode, decoded.status, decoded.payload, decoded.bytes, elapsed, fail);
      }
      const left = settleBy - this.#now();
      if (left <= 0) {
        const entry =
          exitCode === SANDBOX_EXIT.refused && decoded.frames === 0
            ? " The sandbox entry refused to run (exit code 2): the sandbox image and the agent do not agree on the input, or it is not the sandbox task."
            : "";
        return fail("output-missing", `The sandbox task for "${tool}" (${taskArn}) exited with code ${exitCode}, and its complete output did not reach the log stream within ${this.#settleMs} ms; there is no result.${entry}`, taskArn, exitCode);
      }
      await this.#sleep(Math.min(delay, left));
      delay = Math.min(this.#backoff.maxMs, delay * this.#backoff.factor);
    }
  }

  #result(
    tool: string,
    taskArn: string,
    exitCode: number,
    status: string,
    payload: SandboxPayload,
    bytes: number,
    elapsed: () => number,
    fail: (f: SandboxFailure, content: string, taskArn?: string, exitCode?: number) => { outcome: SandboxOutcome; summary: SpanSummary },
  ): { outcome: SandboxOutcome; summary: SpanSummary } {
    if (payload.ok && status === "ok") {
      const durationMs = elapsed();
      return {
        outcome: { ok: true, value: payload.value, stdout: payload.stdout, stderr: payload.stderr, truncated: payload.truncated, taskArn, exitCode, durationMs, outputBytes: bytes },
        summary: { taskArn, durationMs, exitCode, outputBytes: bytes },
      };
    }
    const error = payload.ok ? "no result" : payload.error;
    const printed = payload.stderr.trim() === "" ? "" : ` Its stderr ended with: ${payload.stderr.trim().slice(-2000)}`;
    if (status === "too-large") return fail("output-too-large", `The code of "${tool}" gave a result over the sandbox's output cap (${error}; task ${taskArn}). Make it print or return less.`, taskArn, exitCode);
    if (status === "refused") return fail("refused", `The sandbox did not run "${tool}": ${error} (task ${taskArn}).`, taskArn, exitCode);
    return fail("code-failed", `The code of "${tool}" failed in the sandbox (exit code ${exitCode}): ${error}.${printed} You may fix the code and try again.`, taskArn, exitCode);
  }
}

/** A {@link SandboxRunner} for the task's sandbox; throws `AirlockRuntimeError` when a setting is missing. */
export function createSandboxRunner(options: SandboxRunnerOptions = {}): SandboxRunner {
  return new SandboxRunner(options);
}
