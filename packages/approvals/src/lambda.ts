/**
 * The approval gateway's Lambda, in three roles:
 * - the agent invokes it (IAM-authenticated, through the VPC endpoint) to request an approval,
 *   `{ op: "request", release, action }`, and to read the decision, `{ op: "decision", requestId }`,
 *   so the agent itself needs no Slack token, no database credentials and no egress to either;
 * - Slack calls its function URL with button clicks (authenticated by Slack's v0 signature);
 * - a schedule retries Slack posts and writes the "approvals waiting too long" metric.
 * `ApprovalGateway` (packages/pulumi) bundles this file with the agent's compiled model beside it.
 *
 * Secrets never sit in the function's configuration: the environment holds their ARNs, and the
 * values are read from Secrets Manager at cold start. The store is always a server (the
 * connection string secret): a Lambda has no disk that outlives it. Migrations are applied by an
 * operator with an owner role (`airlock audit migrate --database-url …`), never by the service's role.
 */
import { readFileSync } from "node:fs";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { AgentModel } from "@airlock/core";
import { createSlackClient } from "./config.ts";
import { openDatabase } from "./db.ts";
import { createLambdaHandler, type FunctionUrlEvent } from "./http.ts";
import { ApprovalService } from "./service.ts";
import type { ApprovalAction } from "./types.ts";

/** Environment variables the function reads (set by ApprovalGateway). */
export const GATEWAY_ENV = {
  botTokenArn: "AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN",
  signingSecretArn: "AIRLOCK_SLACK_SIGNING_SECRET_ARN",
  databaseUrlArn: "AIRLOCK_DATABASE_URL_SECRET_ARN",
  channel: "AIRLOCK_SLACK_CHANNEL",
  approvers: "AIRLOCK_SLACK_APPROVERS",
  namespace: "AIRLOCK_NAMESPACE",
} as const;

/** CloudWatch metric the pending-approvals alarm reads. */
export const PENDING_METRIC = { namespace: "Airlock/Approvals", name: "OldestPendingSeconds", count: "PendingApprovals" } as const;

/** A direct invocation by the agent. */
export type GatewayInvocation =
  | { readonly op: "request"; readonly release: string; readonly action: ApprovalAction }
  | { readonly op: "decision"; readonly requestId: string };

interface Runtime {
  /** One service per release (requests record the release the agent ran). */
  service(release: string): ApprovalService;
  readonly http: (event: FunctionUrlEvent) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
}

let runtime: Promise<Runtime> | undefined;

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === "") throw new Error(`\`${name}\`: not set; the ApprovalGateway component sets it`);
  return v;
}

async function boot(env: NodeJS.ProcessEnv): Promise<Runtime> {
  const sm = new SecretsManagerClient({});
  const secret = async (arnVar: string) => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: need(env, arnVar) }));
    if (out.SecretString === undefined || out.SecretString === "") throw new Error(`the secret in \`${arnVar}\` has no value yet; put it with \`aws secretsmanager put-secret-value\``);
    return out.SecretString;
  };
  const [botToken, signingSecret, databaseUrl] = await Promise.all([secret(GATEWAY_ENV.botTokenArn), secret(GATEWAY_ENV.signingSecretArn), secret(GATEWAY_ENV.databaseUrlArn)]);
  const model = JSON.parse(readFileSync(new URL("./model.json", import.meta.url), "utf8")) as AgentModel;
  const db = await openDatabase({ url: databaseUrl, maxConnections: 2, reconnectTimeoutMs: 10_000 });
  const slack = { client: createSlackClient(botToken), channel: need(env, GATEWAY_ENV.channel), approvers: need(env, GATEWAY_ENV.approvers).split(",").map((s) => s.trim()).filter(Boolean) };
  const services = new Map<string, ApprovalService>();
  const service = (release: string) => {
    let s = services.get(release);
    if (s === undefined) {
      s = new ApprovalService({ db, model, release, slack });
      services.set(release, s);
    }
    return s;
  };
  return { service, http: createLambdaHandler(service("gateway"), { signingSecret }) };
}

/** One EMF line: how many approvals wait, and for how long the oldest has. */
export function pendingMetricLine(agent: string, namespace: string, summary: { count: number; oldestAgeSeconds: number }, now = Date.now()): string {
  return JSON.stringify({
    _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [["Agent"]], Metrics: [{ Name: PENDING_METRIC.name, Unit: "Seconds" }, { Name: PENDING_METRIC.count, Unit: "Count" }] }] },
    Agent: agent,
    [PENDING_METRIC.name]: summary.oldestAgeSeconds,
    [PENDING_METRIC.count]: summary.count,
  });
}

function isScheduled(event: unknown): boolean {
  return typeof event === "object" && event !== null && (event as { source?: unknown }).source === "aws.events";
}

function isInvocation(event: unknown): event is GatewayInvocation {
  const op = typeof event === "object" && event !== null ? (event as { op?: unknown }).op : undefined;
  return op === "request" || op === "decision";
}

export const handler = async (event: unknown): Promise<unknown> => {
  runtime ??= boot(process.env).catch((e: unknown) => {
    runtime = undefined; // a later invocation tries again (e.g. once the secret has a value)
    throw e;
  });
  const rt = await runtime;
  if (isScheduled(event)) {
    const service = rt.service("gateway");
    await service.flushOutbox();
    const summary = await service.pendingSummary();
    console.log(pendingMetricLine(service.agent, process.env[GATEWAY_ENV.namespace] ?? PENDING_METRIC.namespace, summary));
    return { pending: summary.count };
  }
  if (isInvocation(event)) {
    if (event.op === "request") {
      if (typeof event.release !== "string" || event.release === "") throw new Error("`release`: the agent's release id (AIRLOCK_RELEASE) is required");
      return rt.service(event.release).requestApproval(event.action);
    }
    return (await rt.service("gateway").getDecision(event.requestId)) ?? null;
  }
  return rt.http(event as FunctionUrlEvent);
};
