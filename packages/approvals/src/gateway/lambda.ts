/**
 * The approval gateway's Lambda: one function per platform, serving every agent of it through one
 * Slack app and one audit database. It has three roles:
 * - an agent invokes it (IAM-authenticated, through the VPC endpoint) to request an approval,
 *   `{ op: "request", release, action }`, to read the decision, `{ op: "decision", requestId }`,
 *   and to record, once, that it executes an approved request with the arguments of a given hash,
 *   `{ op: "consume", requestId, argumentsHash }` (a receipt's single use, across processes), so
 *   the agent itself needs no Slack token, no database credentials and no egress to either.
 *   Each agent has a Lambda alias named like the agent, and IAM lets it invoke only that alias,
 *   so the agent is read from the invoked ARN (`…:function:<name>:<agent>`), never from the event;
 *   an unqualified invocation or an alias that is no agent is refused;
 * - Slack calls its function URL with button clicks (authenticated by Slack's v0 signature, one
 *   signing secret for the app); an `ApprovalRouter` finds the request's agent in the store and
 *   lets that agent's service, with that agent's approvers, decide;
 * - a schedule retries every agent's Slack posts and writes one "approvals waiting too long"
 *   metric line per agent, with the dimensions `Stack` (the Pulumi stack, `AIRLOCK_STACK`) and
 *   `Agent`, so two stacks of one program in an account never feed each other's alarms. One agent's failure does not stop the others: it is logged and the
 *   invocation fails at the end, so the function's error metric shows it.
 *
 * `ApprovalGateway` (packages/pulumi) bundles this file as `index.mjs` with `gateway.json` beside
 * it: `{ "version": 2, "agents": { "<agent>": { "model": <AgentModel>, "slack": { "channelId",
 * "approverIds" } } } }`, validated at cold start (`parseGatewayConfig`).
 *
 * Secrets never sit in the function's configuration: the environment holds their ARNs, and the
 * values are read from Secrets Manager at cold start. The store is always a server (the
 * connection string secret): a Lambda has no disk that outlives it. Migrations are applied by an
 * operator with an owner role (`airlock audit migrate --database-url …`), never by the service's role.
 * `createGatewayHandler` is the whole behaviour without AWS (tests run it on the embedded store).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { APPROVAL_METRICS, DIMENSIONS, GATEWAY_CONFIG, GATEWAY_ENV, GATEWAY_OPS, type GatewayAgentEntry, type GatewayConfigFile, type GatewayInvocation } from "@airlock/core/contracts";
import { createSlackClient } from "../config.ts";
import { openDatabase, type Database } from "../audit/db.ts";
import { ApprovalError } from "../errors.ts";
import { createLambdaHandler, type FunctionUrlEvent } from "../slack/http.ts";
import { ApprovalRouter } from "./router.ts";
import { anchorFromEnv, runAnchorOp } from "./anchor-op.ts";
import type { AnchorLocation } from "../audit/anchor.ts";
import { ApprovalService, type SlackApi } from "../service/index.ts";
import { SLACK_CHANNEL_ID, SLACK_USER_ID } from "../slack/slack-ids.ts";
import type { ApprovalModel } from "../types.ts";

const PENDING = APPROVAL_METRICS.names;

/** One agent served by the gateway, as this function reads it. */
export type GatewayAgentConfig = GatewayAgentEntry<ApprovalModel>;

/** `gateway.json` (its shape and version are `@airlock/core/contracts`' `GATEWAY_CONFIG`), as this function reads it. */
export type GatewayConfig = GatewayConfigFile<ApprovalModel>;

export type { GatewayInvocation };

/** The part of the Lambda context the handler reads. */
export interface GatewayContext {
  readonly invokedFunctionArn?: string;
}

export type GatewayHandler = (event: unknown, context?: GatewayContext) => Promise<unknown>;

/** Lambda's rule for alias names: letters, digits, `-` and `_`, not only digits. */
const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks `gateway.json` and returns it typed; throws one `ApprovalError` naming every bad field
 * and its fix. `source` names the file in the message.
 */
export function parseGatewayConfig(raw: unknown, source: string = GATEWAY_CONFIG.file): GatewayConfig {
  const fail = (problems: readonly string[]): never => {
    throw new ApprovalError(`invalid ${source}:\n  ${problems.join("\n  ")}`);
  };
  if (!isObject(raw)) return fail([`the file must hold a JSON object { "version": ${GATEWAY_CONFIG.version}, "agents": { … } }`]);
  const problems: string[] = [];
  if (raw.version !== GATEWAY_CONFIG.version) {
    problems.push(
      `\`version\`: is ${JSON.stringify(raw.version) ?? "missing"}, this gateway reads version ${GATEWAY_CONFIG.version}; deploy the gateway bundle and gateway.json from the same airlock release`,
    );
  }
  if (!isObject(raw.agents) || Object.keys(raw.agents).length === 0) {
    problems.push("`agents`: lists no agent; give at least one agent's `model` and `slack` settings under its name");
    return fail(problems);
  }
  for (const [agent, value] of Object.entries(raw.agents)) {
    const at = `agents.${agent}`;
    if (!ALIAS_NAME.test(agent)) problems.push(`\`${at}\`: "${agent}" cannot name a Lambda alias; use the agent's kebab-case name`);
    if (!isObject(value)) {
      problems.push(`\`${at}\`: must be an object with the agent's \`model\` and \`slack\` settings`);
      continue;
    }
    const model = value.model;
    if (!isObject(model) || !Array.isArray(model.tools) || !Array.isArray(model.riskLines)) {
      problems.push(`\`${at}.model\`: must be the agent's compiled model (with \`name\`, \`tools\` and \`riskLines\`)`);
    } else if (model.name !== agent) {
      problems.push(`\`${at}.model.name\`: is ${JSON.stringify(model.name) ?? "missing"}; it must equal the agent's key "${agent}" (the name of the agent's alias)`);
    }
    const slack = value.slack;
    if (!isObject(slack)) {
      problems.push(`\`${at}.slack\`: must be an object with \`channelId\` and \`approverIds\``);
      continue;
    }
    if (typeof slack.channelId !== "string" || !SLACK_CHANNEL_ID.test(slack.channelId)) {
      problems.push(`\`${at}.slack.channelId\`: ${JSON.stringify(slack.channelId) ?? "missing"} is not a Slack channel id; use the C… id from the channel's details, not its name`);
    }
    if (!Array.isArray(slack.approverIds) || slack.approverIds.length === 0) {
      problems.push(`\`${at}.slack.approverIds\`: lists no approver; give at least one Slack user id (U…) allowed to decide`);
    } else {
      slack.approverIds.forEach((id: unknown, i) => {
        if (typeof id !== "string" || !SLACK_USER_ID.test(id)) {
          problems.push(`\`${at}.slack.approverIds[${i}]\`: ${JSON.stringify(id)} is not a Slack user id; use the U… id from the user's profile, not a name`);
        }
      });
    }
  }
  if (problems.length > 0) fail(problems);
  return raw as unknown as GatewayConfig;
}

/** Reads and checks a `gateway.json` file. */
export function readGatewayConfig(file: string | URL): GatewayConfig {
  const name = file instanceof URL ? file.pathname : file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ApprovalError(`cannot read ${name} (${(e as Error).message}); the ApprovalGateway component deploys it beside index.mjs`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ApprovalError(`invalid ${name}: not JSON (${(e as Error).message})`);
  }
  return parseGatewayConfig(raw, name);
}

/**
 * The agent of a direct invocation: the alias in the invoked ARN
 * (`arn:aws:lambda:<region>:<account>:function:<name>:<alias>`). Throws `ApprovalError` for an
 * unqualified ARN, `$LATEST` or a version number, and for an alias that is not one of `agents`.
 */
export function agentFromContext(context: GatewayContext | undefined, agents: readonly string[]): string {
  const arn = context?.invokedFunctionArn ?? "";
  const parts = arn.split(":");
  const isFunctionArn = parts[0] === "arn" && parts[2] === "lambda" && parts[5] === "function";
  const base = isFunctionArn ? parts.slice(0, 7).join(":") : "arn:aws:lambda:<region>:<account>:function:<gateway>";
  const how = `invoke the approval gateway through your agent's alias, ${base}:<agent-name>`;
  const qualifier = isFunctionArn && parts.length === 8 ? parts[7]! : undefined;
  if (qualifier === undefined || qualifier === "$LATEST" || /^\d+$/.test(qualifier)) {
    throw new ApprovalError(`the approval gateway was invoked as ${arn === "" ? "an unknown ARN" : `"${arn}"`}, not through an agent's alias; ${how}`);
  }
  if (!agents.includes(qualifier)) {
    throw new ApprovalError(`the approval gateway was invoked through alias "${qualifier}", which is not an agent in ${GATEWAY_CONFIG.file}; ${how}`);
  }
  return qualifier;
}

/** Whose metric a line is: the agent, its stack, and the namespace. */
export interface PendingMetricKey {
  readonly agent: string;
  readonly stack: string;
  readonly namespace: string;
}

/** One EMF line: how many of an agent's approvals wait, and for how long the oldest has. */
export function pendingMetricLine(key: PendingMetricKey, summary: { count: number; oldestAgeSeconds: number }, now = Date.now()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [{ Namespace: key.namespace, Dimensions: [[...APPROVAL_METRICS.dimensions]], Metrics: [{ Name: PENDING.oldestPendingSeconds, Unit: "Seconds" }, { Name: PENDING.pending, Unit: "Count" }] }],
    },
    [DIMENSIONS.stack]: key.stack,
    [DIMENSIONS.agent]: key.agent,
    [PENDING.oldestPendingSeconds]: summary.oldestAgeSeconds,
    [PENDING.pending]: summary.count,
  });
}

export interface GatewayHandlerOptions {
  /** The agents (checked again here with `parseGatewayConfig`). */
  readonly config: GatewayConfig;
  /** The shared store. */
  readonly db: Database;
  /** The Slack app's client (its bot token), shared by every agent. */
  readonly slackClient: SlackApi;
  /** The Slack app's signing secret. */
  readonly signingSecret: string;
  /** The stack the gateway belongs to: the `Stack` dimension of its metric (`AIRLOCK_STACK`). */
  readonly stack: string;
  /**
   * CloudWatch namespace of the pending-approvals metric.
   * @default "Airlock/Approvals"
   */
  readonly namespace?: string;
  /**
   * Where the scheduled run writes its metric lines (CloudWatch reads EMF from the log).
   * @default - `console.log`
   */
  readonly log?: (line: string) => void;
  /**
   * Where failures that do not reach the caller are reported (a click that could not be
   * recorded, one agent's scheduled run).
   * @default - `console.error`
   */
  readonly onError?: (message: string, error: unknown) => void;
  /**
   * Clock of the services and the metric lines (not of the Slack signature check).
   * @default - the system clock
   */
  readonly now?: () => Date;
  /**
   * Slack delivery warnings (failed posts left to the outbox).
   * @default - `console.warn`
   */
  readonly onWarning?: (message: string) => void;
  /**
   * Where `{ op: "anchor" }` (the schedule's) writes the signed audit head.
   * @default - none: the operation is refused
   */
  readonly anchor?: AnchorLocation;
}

/** The gateway's behaviour for a booted configuration: direct invocations, the schedule and Slack clicks. */
export function createGatewayHandler(options: GatewayHandlerOptions): GatewayHandler {
  const config = parseGatewayConfig(options.config);
  if (typeof options.stack !== "string" || options.stack === "") throw new ApprovalError("`stack`: give the stack the gateway belongs to (the ApprovalGateway component sets `AIRLOCK_STACK`); it keys the pending-approvals metric");
  const agents = Object.keys(config.agents);
  const namespace = options.namespace ?? APPROVAL_METRICS.namespace;
  const log = options.log ?? ((line: string) => console.log(line));
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  // One service per agent and release (a request records the release the agent ran).
  const services = new Map<string, ApprovalService>();
  const service = (agent: string, release: string): ApprovalService => {
    const key = `${agent}\u0000${release}`;
    let s = services.get(key);
    if (s === undefined) {
      const { model, slack } = config.agents[agent]!;
      s = new ApprovalService({
        db: options.db,
        model,
        release,
        slack: { client: options.slackClient, channel: slack.channelId, approvers: slack.approverIds },
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
        // Each decision is anchored as soon as it commits; the schedule's anchor is the retry.
        ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
      });
      services.set(key, s);
    }
    return s;
  };
  // Deciding, the outbox and the metric do not depend on the release: one "gateway" service each.
  const gatewayService = (agent: string) => service(agent, "gateway");
  const router = new ApprovalRouter({ db: options.db, services: new Map(agents.map((a) => [a, gatewayService(a)])) });
  const http = createLambdaHandler(router, { signingSecret: options.signingSecret, onError: (e) => onError("airlock approvals: interaction failed:", e) });

  const scheduled = async (): Promise<{ pending: number }> => {
    let pending = 0;
    const failed: string[] = [];
    for (const agent of agents) {
      const s = gatewayService(agent);
      let ok = true;
      try {
        await s.flushOutbox();
      } catch (e) {
        ok = false;
        onError(`airlock approvals: outbox run for agent ${agent} failed:`, e);
      }
      try {
        // Measured even when the outbox failed: the alarm is what tells a person.
        const summary = await s.pendingSummary();
        log(pendingMetricLine({ agent, stack: options.stack, namespace }, summary, (options.now?.() ?? new Date()).getTime()));
        pending += summary.count;
      } catch (e) {
        ok = false;
        onError(`airlock approvals: pending summary for agent ${agent} failed:`, e);
      }
      if (!ok) failed.push(agent);
    }
    if (failed.length > 0) {
      throw new Error(`scheduled run failed for ${failed.length} of ${agents.length} agents (${failed.join(", ")}); the other agents were served; see the log for each error`);
    }
    return { pending };
  };

  return async (event, context) => {
    if (isObject(event) && event.source === "aws.events") return scheduled();
    if (isObject(event) && event.op === GATEWAY_OPS.anchor) return runAnchorOp(options.db, options.anchor, context?.invokedFunctionArn);
    if (isObject(event) && "op" in event) {
      const agent = agentFromContext(context, agents);
      const inv = event as unknown as GatewayInvocation;
      if (inv.op === GATEWAY_OPS.request) {
        if (typeof inv.release !== "string" || inv.release.trim() === "") throw new ApprovalError("`release`: the agent's release id (AIRLOCK_RELEASE) is required");
        // The service refuses arguments too deep to walk, or with text the store would alter.
        return service(agent, inv.release).requestApproval(inv.action);
      }
      if (inv.op === GATEWAY_OPS.decision) {
        if (typeof inv.requestId !== "string") throw new ApprovalError("`requestId`: give the id the `request` operation returned");
        // The agent's own service: another agent's request reads as undecided (null).
        return (await gatewayService(agent).getDecision(inv.requestId)) ?? null;
      }
      if (inv.op === GATEWAY_OPS.consume) {
        // The agent's own service: another agent's request is "not-found", and nothing is recorded.
        return gatewayService(agent).consume({ requestId: inv.requestId, argumentsHash: inv.argumentsHash });
      }
      throw new ApprovalError(`\`op\`: ${JSON.stringify(event.op)} is not an operation of the approval gateway; use one of: ${[GATEWAY_OPS.request, GATEWAY_OPS.decision, GATEWAY_OPS.consume].map((o) => `"${o}"`).join(", ")}`);
    }
    return http(event as FunctionUrlEvent);
  };
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === "") throw new Error(`\`${name}\`: not set; the ApprovalGateway component sets it`);
  return v;
}

/** Cold start: gateway.json beside the bundle, the three secrets, the store. */
async function boot(env: NodeJS.ProcessEnv): Promise<GatewayHandler> {
  const stack = need(env, GATEWAY_ENV.stack);
  // gateway.json travels beside the bundle, in the function's code directory: LAMBDA_TASK_ROOT
  // ("The path to your Lambda function code", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
  const config = readGatewayConfig(join(env.LAMBDA_TASK_ROOT ?? process.cwd(), GATEWAY_CONFIG.file));
  const sm = new SecretsManagerClient({});
  const secret = async (arnVar: string) => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: need(env, arnVar) }));
    if (out.SecretString === undefined || out.SecretString === "") throw new Error(`the secret in \`${arnVar}\` has no value yet; put it with \`aws secretsmanager put-secret-value\``);
    return out.SecretString;
  };
  const [botToken, signingSecret, databaseUrl] = await Promise.all([secret(GATEWAY_ENV.botTokenArn), secret(GATEWAY_ENV.signingSecretArn), secret(GATEWAY_ENV.databaseUrlArn)]);
  const db = await openDatabase({ url: databaseUrl, maxConnections: 2, reconnectTimeoutMs: 10_000 });
  const namespace = env[GATEWAY_ENV.namespace];
  const anchor = anchorFromEnv(env);
  return createGatewayHandler({
    config,
    db,
    slackClient: createSlackClient(botToken),
    signingSecret,
    stack,
    ...(namespace === undefined || namespace === "" ? {} : { namespace }),
    ...(anchor === undefined ? {} : { anchor }),
  });
}

let runtime: Promise<GatewayHandler> | undefined;

export const handler = async (event: unknown, context?: GatewayContext): Promise<unknown> => {
  runtime ??= boot(process.env).catch((e: unknown) => {
    runtime = undefined; // a later invocation tries again (e.g. once the secret has a value)
    throw e;
  });
  return (await runtime)(event, context);
};
