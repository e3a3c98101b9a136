/**
 * A loopback stand-in for the two AWS APIs the sandbox runner calls, driven by the real SDK
 * clients (`@aws-sdk/client-ecs`, `@aws-sdk/client-cloudwatch-logs`; AWS JSON 1.1, SigV4-signed
 * with test credentials, checked for the right service):
 *
 * - ECS `RunTask`, `DescribeTasks`, `StopTask` for one cluster and one sandbox task definition.
 *   RunTask checks what ECS would refuse (cluster, task definition, launch type, awsvpc subnets and
 *   security groups, the 8192-character overrides, the container's name) and then RUNS THE IMAGE:
 *   `image.command` (the override's `command` when given) as a child process whose environment is
 *   exactly the task definition's container environment plus the override's, nothing inherited.
 *   The child's stdout and stderr lines become the task's log stream
 *   (`<SANDBOX_TASK.streamPrefix>/<container>/<task id>` in the log group), as the awslogs driver
 *   writes them. Its exit sets the container's `exitCode` and the task STOPPED
 *   (`EssentialContainerExited`); StopTask kills it (SIGTERM, then SIGKILL) and records
 *   `UserInitiated` with the given reason.
 * - CloudWatch Logs `GetLogEvents` on those streams: from the head, pages of `pageEvents` events
 *   (10,000 by default, as AWS), `nextForwardToken` repeated at the end, ResourceNotFoundException
 *   for a stream not written yet.
 *
 * Tags: RunTask's `tags` are checked as ECS checks them (at most 50, keys of 1 to 128 characters,
 * values up to 256, no `aws:` prefix, no key twice) and kept on the task; DescribeTasks returns them
 * with `include: ["TAGS"]`. `addTask` puts a task the runner did not start in the cluster (another
 * agent's service task, say), running until stopped.
 *
 * IAM (`iam`): given the caller's identity policy (the agent's task role as the deployment writes
 * it), every call is first authorized by simulating that policy (@cloud-copilot/iam-simulate) with
 * the request context ECS and CloudWatch Logs give it: RunTask on the task definition with
 * `ecs:cluster`, `ecs:task-cpu`/`ecs:task-memory` when the overrides set them,
 * `ecs:enable-execute-command` when the request sets it, and its request tags; then, when tags are
 * given, `ecs:TagResource` on the new task with `ecs:CreateAction` = `RunTask`; DescribeTasks and
 * StopTask on each task with `ecs:cluster` and the task's tags (`aws:ResourceTag/…`); GetLogEvents
 * on the stream's ARN. A refusal is an `AccessDeniedException` for the whole call, in AWS's words.
 *
 * Scripting: `failNextRunTask` (a RunTask `failures` entry, as ECS returns for capacity and
 * placement problems), `throwNextRunTask` (an API error), `stopNextTaskByEcs` (the task stops
 * before its container runs: `TaskFailedToStart` with a reason, no exit code), `logLagMs` (lines
 * reach the stream late, as awslogs delivers them after the task stopped).
 *
 * Use (an agent process or a test):
 *
 * ```ts
 * const ecs = new EcsStandIn({ image: { command: [process.execPath, "--import", "tsx", "test/helpers/sandbox-image/main.ts"] } });
 * await ecs.start();
 * const runner = createSandboxRunner({ env: ecs.taskEnv(), ecs: ecs.ecsClient(), logs: ecs.logsClient() });
 * // or, for a child process with its own SDK clients: AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = ecs.url, plus ecs.taskEnv()
 * const out = await runner.run("run_js", { code: "return 1 + 1" });
 * ecs.ops("RunTask"); ecs.streamOf(taskArn); await ecs.stop();
 * ```
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simulateIam, tagContext } from "../../../../test/helpers/iam-simulation.ts";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { encodeList, SANDBOX_ENV, SANDBOX_TASK, TASK_ENV } from "@airlock/core/contracts";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/airlock-test`;
export const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/support-agent-test-sandbox:1`;
export const SUBNETS = ["subnet-0isolated1", "subnet-0isolated2"];
export const SECURITY_GROUP = "sg-0sandbox";
export const LOG_GROUP = "/airlock/test/agents/support-agent";
export const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}`;
/** The agent whose sandbox this is (its task's `TASK_ENV.agent`). */
export const AGENT = "support-agent";
const CREDENTIALS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
/** ECS: "A total of 8192 characters are allowed for overrides. This limit includes the JSON formatting characters of the override structure." */
const OVERRIDES_MAX = 8192;

export interface EcsStandInOptions {
  /** What the sandbox image runs: the command (absolute program first). */
  readonly image: { readonly command: readonly string[]; readonly cwd?: string };
  /** The sandbox container's environment in the task definition. @default - SANDBOX_ENV.sandbox "true", SANDBOX_ENV.agent "support-agent" */
  readonly environment?: Readonly<Record<string, string>>;
  /** Events per GetLogEvents page. @default 10000 */
  readonly pageEvents?: number;
  /** Authorize every call against this identity policy of `principal` (a role ARN). @default - every call is allowed */
  readonly iam?: { readonly principal: string; readonly policy: object };
}

/** One API call the stand-in served. */
export interface ApiCall {
  readonly service: "ecs" | "logs";
  readonly operation: string;
  readonly input: Record<string, any>;
  readonly authorization: string | undefined;
}

export interface StandInTask {
  readonly taskArn: string;
  readonly id: string;
  lastStatus: "PROVISIONING" | "RUNNING" | "STOPPED";
  exitCode?: number;
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
  /** The environment the container ran with. */
  readonly environment: Record<string, string>;
  /** Its tags, as RunTask (or `addTask`) gave them. */
  readonly tags: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  child?: ChildProcess;
  /** Resolves once the task is STOPPED. */
  readonly stoppedPromise: Promise<void>;
  markStopped(): void;
}

/**
 * RunTask's `tags` as a map, checked as ECS checks them ("Maximum number of tags per resource - 50 …
 * Maximum key length - 128 Unicode characters in UTF-8 … Maximum value length - 256 … Do not use
 * aws:, AWS:, or any upper or lowercase combination of such as a prefix for either keys or values").
 */
function tagsOf(given: unknown): Record<string, string> {
  if (given === undefined) return {};
  const bad = (why: string) => new ApiError("InvalidParameterException", `Tags: ${why}`);
  if (!Array.isArray(given)) throw bad("must be a list of { key, value }");
  if (given.length > 50) throw bad(`${given.length} tags; a resource carries at most 50`);
  const out: Record<string, string> = {};
  for (const t of given as { key?: unknown; value?: unknown }[]) {
    const key = t?.key;
    const value = t?.value ?? "";
    if (typeof key !== "string" || key.length < 1 || key.length > 128) throw bad(`key ${JSON.stringify(key)} must be 1 to 128 characters`);
    if (typeof value !== "string" || value.length > 256) throw bad(`the value of ${key} must be at most 256 characters`);
    if (/^aws:/i.test(key) || /^aws:/i.test(value)) throw bad(`${key}: the aws: prefix is reserved`);
    if (key in out) throw bad(`${key} is given twice`);
    out[key] = value;
  }
  return out;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class EcsStandIn {
  readonly calls: ApiCall[] = [];
  readonly tasks = new Map<string, StandInTask>();
  /** Log group → stream → lines (each one event). */
  readonly streams = new Map<string, Map<string, string[]>>();
  /** Delay before each output line reaches its stream. */
  logLagMs = 0;
  url = "";
  #server: Server | undefined;
  #failNext: { reason: string; detail?: string } | undefined;
  #throwNext: { type: string; message: string; status?: number } | undefined;
  #stopNext: { stopCode: string; reason: string } | undefined;
  #pending = new Set<NodeJS.Timeout>();
  #tmp: string | undefined;

  #dir(): string {
    return (this.#tmp ??= mkdtempSync(join(tmpdir(), "airlock-ecs-standin-")));
  }

  constructor(readonly options: EcsStandInOptions) {}

  get environment(): Readonly<Record<string, string>> {
    return this.options.environment ?? { [SANDBOX_ENV.sandbox]: "true", [SANDBOX_ENV.agent]: "support-agent" };
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The agent task's environment as AgentDeployment sets it for the sandbox (`TASK_ENV.sandbox*`). */
  taskEnv(): Record<string, string> {
    return {
      [TASK_ENV.agent]: AGENT,
      [TASK_ENV.sandboxCluster]: CLUSTER_ARN,
      [TASK_ENV.sandboxTaskDefinition]: TASK_DEFINITION_ARN,
      [TASK_ENV.sandboxSubnets]: encodeList(SUBNETS),
      [TASK_ENV.sandboxSecurityGroup]: SECURITY_GROUP,
      [TASK_ENV.sandboxLogGroup]: LOG_GROUP,
    };
  }

  /** An `ECSClient` pointed here (test credentials, no retries). */
  ecsClient(): ECSClient {
    return new ECSClient({ endpoint: this.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  }

  /** A `CloudWatchLogsClient` pointed here. */
  logsClient(): CloudWatchLogsClient {
    return new CloudWatchLogsClient({ endpoint: this.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  }

  /** The next RunTask returns this `failures` entry and no task (as ECS does for capacity problems). */
  failNextRunTask(reason: string, detail?: string): void {
    this.#failNext = { reason, ...(detail === undefined ? {} : { detail }) };
  }

  /** The next RunTask answers this API error. */
  throwNextRunTask(type: string, message: string, status = 400): void {
    this.#throwNext = { type, message, status };
  }

  /** The next task stops before its container runs (e.g. `TaskFailedToStart`, "CannotPullContainerError: …"). */
  stopNextTaskByEcs(stopCode: string, reason: string): void {
    this.#stopNext = { stopCode, reason };
  }

  /** A task the runner did not start, RUNNING in the cluster until stopped (e.g. another agent's service task). */
  addTask(tags: Readonly<Record<string, string>>): StandInTask {
    const task = this.#newTask(randomUUID().replace(/-/g, ""), {}, [], { ...tags });
    task.lastStatus = "RUNNING";
    return task;
  }

  /** Calls of one operation. */
  ops(operation: string): ApiCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  /** The log stream of a task (its lines so far). */
  streamOf(taskArn: string): string[] {
    const id = taskArn.slice(taskArn.lastIndexOf("/") + 1);
    return this.streams.get(LOG_GROUP)?.get(`${SANDBOX_TASK.streamPrefix}/${SANDBOX_TASK.container}/${id}`) ?? [];
  }

  /** Writes a line into a task's stream, as something else in the container might. */
  appendLine(taskArn: string, line: string): void {
    const id = taskArn.slice(taskArn.lastIndexOf("/") + 1);
    this.#append(`${SANDBOX_TASK.streamPrefix}/${SANDBOX_TASK.container}/${id}`, line);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await body(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const [prefix, operation = ""] = target.split(".");
    const service = prefix === "AmazonEC2ContainerServiceV20141113" ? "ecs" : prefix === "Logs_20140328" ? "logs" : undefined;
    const reply = (status: number, value: unknown, type?: string) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(type === undefined ? {} : { "x-amzn-errortype": type }) }).end(JSON.stringify(value));
    };
    const authorization = req.headers.authorization;
    if (service === undefined || req.method !== "POST") return reply(400, { __type: "UnknownOperationException", message: `no operation ${target}` }, "UnknownOperationException");
    const signed = new RegExp(`^AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/${REGION}/${service}/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$`);
    if (authorization === undefined || !signed.test(authorization)) return reply(403, { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" }, "MissingAuthenticationTokenException");
    const input = JSON.parse(text === "" ? "{}" : text) as Record<string, any>;
    this.calls.push({ service, operation, input, authorization });
    const id = randomUUID().replace(/-/g, "");
    try {
      const refusal = this.options.iam === undefined ? undefined : await this.#refusal(service, operation, input, id);
      if (refusal !== undefined) return reply(400, { __type: "AccessDeniedException", message: refusal }, "AccessDeniedException");
      const out = service === "ecs" ? this.#ecs(operation, input, id) : this.#logs(operation, input);
      reply(200, out);
    } catch (e) {
      if (e instanceof ApiError) reply(e.status, { __type: e.type, message: e.message }, e.type);
      else reply(500, { __type: "ServerException", message: (e as Error).message }, "ServerException");
    }
  }

  /** Why IAM refuses the call (AWS's message), or undefined when the policy allows every action it takes. */
  async #refusal(service: "ecs" | "logs", operation: string, input: Record<string, any>, id: string): Promise<string | undefined> {
    const checks: [string, string, Record<string, string | string[]>][] = [];
    if (service === "logs") checks.push([`logs:${operation}`, `${`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${input.logGroupName}`}:log-stream:${input.logStreamName}`, {}]);
    else if (operation === "RunTask") {
      const tags = tagsOf(input.tags);
      const ctx: Record<string, string | string[]> = { "ecs:cluster": String(input.cluster) };
      if (input.overrides?.cpu !== undefined) ctx["ecs:task-cpu"] = String(input.overrides.cpu);
      if (input.overrides?.memory !== undefined) ctx["ecs:task-memory"] = String(input.overrides.memory);
      if (input.enableExecuteCommand !== undefined) ctx["ecs:enable-execute-command"] = String(input.enableExecuteCommand);
      const requestTags = Object.keys(tags).length === 0 ? {} : tagContext(tags, "RequestTag");
      checks.push([`ecs:RunTask`, String(input.taskDefinition), { ...ctx, ...requestTags }]);
      // "If tags are specified in the resource-creating action, AWS performs additional authorization"
      if (Object.keys(tags).length > 0) checks.push(["ecs:TagResource", this.#taskArn(id), { "ecs:CreateAction": "RunTask", ...requestTags }]);
    } else {
      const arns: string[] = operation === "DescribeTasks" ? (input.tasks ?? []) : [input.task];
      for (const arn of arns) checks.push([`ecs:${operation}`, String(arn), { "ecs:cluster": String(input.cluster), ...tagContext(this.tasks.get(arn)?.tags ?? {}, "ResourceTag") }]);
    }
    const { principal, policy } = this.options.iam!;
    for (const [action, resource, contextVariables] of checks) {
      const result = await simulateIam({ principal, action, resource, accountId: ACCOUNT, contextVariables, identityPolicies: [{ name: "task-role", policy }] });
      if (result.startsWith("error: ")) throw new Error(`the IAM simulation of ${action} on ${resource} failed: ${result.slice("error: ".length)}`);
      if (result !== "Allowed") return `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
    }
    return undefined;
  }

  #taskArn(id: string): string {
    return `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER_ARN.slice(CLUSTER_ARN.lastIndexOf("/") + 1)}/${id}`;
  }

  #newTask(id: string, environment: Record<string, string>, command: readonly string[], tags: Record<string, string>): StandInTask {
    let markStopped!: () => void;
    const stoppedPromise = new Promise<void>((r) => (markStopped = r));
    const task: StandInTask = {
      taskArn: this.#taskArn(id),
      id,
      lastStatus: "PROVISIONING",
      environment,
      command,
      tags,
      stoppedPromise,
      markStopped: () => {
        task.lastStatus = "STOPPED";
        markStopped();
      },
    };
    this.tasks.set(task.taskArn, task);
    return task;
  }

  #ecs(operation: string, input: Record<string, any>, id: string): unknown {
    if (input.cluster !== CLUSTER_ARN) throw new ApiError("ClusterNotFoundException", `Cluster not found: ${input.cluster}`);
    if (operation === "RunTask") return this.#runTask(input, id);
    if (operation === "DescribeTasks") {
      const tasks = (input.tasks as string[]).map((arn) => this.tasks.get(arn));
      const withTags = Array.isArray(input.include) && input.include.includes("TAGS");
      return {
        tasks: tasks.filter((t) => t !== undefined).map((t) => ({ ...this.#describe(t!), ...(withTags ? { tags: Object.entries(t!.tags).map(([key, value]) => ({ key, value })) } : {}) })),
        failures: (input.tasks as string[]).filter((arn) => !this.tasks.has(arn)).map((arn) => ({ arn, reason: "MISSING" })),
      };
    }
    if (operation === "StopTask") {
      const t = this.tasks.get(input.task);
      if (t === undefined) throw new ApiError("InvalidParameterException", "The referenced task was not found.");
      if (t.lastStatus !== "STOPPED") {
        t.stopCode = "UserInitiated";
        t.stoppedReason = input.reason ?? "Task stopped by user";
        const child = t.child;
        if (child !== undefined && child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
          this.#pending.add(timer);
          child.once("exit", () => clearTimeout(timer));
        } else t.markStopped();
      }
      return { task: this.#describe(t) };
    }
    throw new ApiError("InvalidParameterException", `the stand-in does not serve ${operation}`);
  }

  #runTask(input: Record<string, any>, id: string): unknown {
    if (input.taskDefinition !== TASK_DEFINITION_ARN) throw new ApiError("InvalidParameterException", `TaskDefinition not found: ${input.taskDefinition}`);
    const tags = tagsOf(input.tags);
    if (input.launchType !== "FARGATE") throw new ApiError("InvalidParameterException", "the sandbox runs on Fargate only (launchType FARGATE)");
    const vpc = input.networkConfiguration?.awsvpcConfiguration;
    if (vpc === undefined || !Array.isArray(vpc.subnets) || vpc.subnets.length === 0) throw new ApiError("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    const overrides = input.overrides ?? {};
    if (JSON.stringify(overrides).length > OVERRIDES_MAX) throw new ApiError("InvalidParameterException", `Container Overrides length must be at most ${OVERRIDES_MAX}`);
    if (this.#throwNext !== undefined) {
      const e = this.#throwNext;
      this.#throwNext = undefined;
      throw new ApiError(e.type, e.message, e.status);
    }
    if (this.#failNext !== undefined) {
      const f = this.#failNext;
      this.#failNext = undefined;
      return { tasks: [], failures: [{ reason: f.reason, ...(f.detail === undefined ? {} : { detail: f.detail }) }] };
    }
    const containerOverrides = (overrides.containerOverrides ?? []) as { name?: string; command?: string[]; environment?: { name: string; value: string }[] }[];
    for (const o of containerOverrides) if (o.name !== SANDBOX_TASK.container) throw new ApiError("InvalidParameterException", `Override for container named ${o.name} is not a container in the TaskDefinition.`);
    const o = containerOverrides[0] ?? {};
    const environment: Record<string, string> = { ...this.environment };
    for (const kv of o.environment ?? []) environment[kv.name] = kv.value;
    const command = o.command ?? this.options.image.command;
    const task = this.#newTask(id, environment, command, tags);
    const stopped = this.#stopNext;
    this.#stopNext = undefined;
    if (stopped !== undefined) {
      task.stopCode = stopped.stopCode;
      task.stoppedReason = stopped.reason;
      task.markStopped();
    } else {
      this.#launch(task);
    }
    return { tasks: [this.#describe(task)], failures: [] };
  }

  #launch(task: StandInTask): void {
    const stream = `${SANDBOX_TASK.streamPrefix}/${SANDBOX_TASK.container}/${task.id}`;
    const [program, ...args] = task.command;
    // The container's stdout and stderr are one FIFO, as a container runtime gives them (a pipe,
    // which code in the container can reopen through /proc, unlike Node's socket pairs).
    const fifo = join(this.#dir(), `${task.id}.fifo`);
    execFileSync("mkfifo", ["-m", "600", fifo]);
    const writer = openSync(fifo, constants.O_RDWR);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const child = spawn(program!, args, { env: task.environment, cwd: this.options.image.cwd ?? process.cwd(), stdio: ["ignore", writer, writer] });
    closeSync(writer);
    task.child = child;
    task.lastStatus = "RUNNING";
    const output = new Socket({ fd: reader, readable: true, writable: false });
    const lines = (source: NodeJS.ReadableStream) => {
      let rest = "";
      source.setEncoding("utf8");
      source.on("data", (chunk: string) => {
        rest += chunk;
        let nl: number;
        while ((nl = rest.indexOf("\n")) >= 0) {
          this.#append(stream, rest.slice(0, nl));
          rest = rest.slice(nl + 1);
        }
      });
      source.on("end", () => rest !== "" && this.#append(stream, rest));
    };
    lines(output);
    output.on("error", () => {});
    child.on("error", (e) => {
      task.containerReason = `CannotStartContainerError: ${e.message}`;
      task.markStopped();
    });
    // The container stops when its process exits; lines still in the pipe reach the stream after, as with awslogs.
    child.on("exit", (code, signal) => {
      task.exitCode = code ?? (signal === "SIGKILL" ? 137 : signal === "SIGTERM" ? 143 : 128);
      task.stopCode ??= "EssentialContainerExited";
      task.stoppedReason ??= "Essential container in task exited";
      task.markStopped();
    });
  }

  #append(stream: string, line: string): void {
    const push = () => {
      let group = this.streams.get(LOG_GROUP);
      if (group === undefined) this.streams.set(LOG_GROUP, (group = new Map()));
      let s = group.get(stream);
      if (s === undefined) group.set(stream, (s = []));
      s.push(line);
    };
    if (this.logLagMs <= 0) return push();
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      push();
    }, this.logLagMs);
    this.#pending.add(timer);
  }

  #describe(t: StandInTask): Record<string, unknown> {
    return {
      taskArn: t.taskArn,
      clusterArn: CLUSTER_ARN,
      taskDefinitionArn: TASK_DEFINITION_ARN,
      launchType: "FARGATE",
      lastStatus: t.lastStatus,
      desiredStatus: t.lastStatus === "STOPPED" || t.stopCode !== undefined ? "STOPPED" : "RUNNING",
      ...(t.stopCode !== undefined && t.lastStatus === "STOPPED" ? { stopCode: t.stopCode, stoppedReason: t.stoppedReason } : {}),
      containers: [
        {
          name: SANDBOX_TASK.container,
          taskArn: t.taskArn,
          lastStatus: t.lastStatus,
          ...(t.exitCode !== undefined && t.lastStatus === "STOPPED" ? { exitCode: t.exitCode } : {}),
          ...(t.containerReason !== undefined ? { reason: t.containerReason } : {}),
        },
      ],
    };
  }

  #logs(operation: string, input: Record<string, any>): unknown {
    if (operation !== "GetLogEvents") throw new ApiError("InvalidParameterException", `the stand-in does not serve ${operation}`);
    const lines = this.streams.get(input.logGroupName)?.get(input.logStreamName);
    if (lines === undefined) throw new ApiError("ResourceNotFoundException", "The specified log stream does not exist.");
    if (input.startFromHead !== true) throw new ApiError("InvalidParameterException", "the stand-in reads from the head only (startFromHead: true)");
    const from = typeof input.nextToken === "string" ? Number(/^f\/(\d+)$/.exec(input.nextToken)?.[1] ?? Number.NaN) : 0;
    if (!Number.isInteger(from)) throw new ApiError("InvalidParameterException", "The specified nextToken is invalid.");
    const size = Math.min(input.limit ?? 10_000, this.options.pageEvents ?? 10_000);
    const page = lines.slice(from, from + size);
    const next = from + page.length;
    return { events: page.map((message, i) => ({ timestamp: Date.now(), message, ingestionTime: Date.now() + i })), nextForwardToken: `f/${next}`, nextBackwardToken: `b/${from}` };
  }

  /** Kills what still runs and closes the server. */
  async stop(): Promise<void> {
    for (const t of this.#pending) clearTimeout(t);
    for (const task of this.tasks.values()) if (task.child !== undefined && task.child.exitCode === null && task.child.signalCode === null) task.child.kill("SIGKILL");
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
    if (this.#tmp !== undefined) rmSync(this.#tmp, { recursive: true, force: true });
  }
}
