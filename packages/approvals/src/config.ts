/**
 * Settings from the environment, as the deployed service reads them (ECS and Lambda fill the
 * secret ones from Secrets Manager), and a Slack client with retries short enough that an outage
 * leaves a request to the outbox instead of blocking the agent.
 */
import { WebClient } from "@slack/web-api";
import { APPROVALS_ENV } from "@airlock/core/contracts";
import { DEFAULT_DATA_DIR } from "./audit/db.ts";
import { ApprovalError } from "./errors.ts";

/** The variables `readApprovalEnv` reads (`APPROVALS_ENV` of `@airlock/core/contracts`). */
export const ENV = APPROVALS_ENV;

export interface ApprovalEnvConfig {
  /** Production store; when absent the embedded store in `dataDir` is used. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly botToken: string;
  /** Needed for the HTTP endpoint. */
  readonly signingSecret?: string;
  /** Needed for Socket Mode. */
  readonly appToken?: string;
  readonly channel: string;
  readonly approvers: readonly string[];
  readonly release: string;
  readonly slackApiUrl?: string;
}

/**
 * Reads the settings; throws one `ApprovalError` naming every missing or malformed variable.
 * Either a signing secret (HTTP endpoint) or an app token (Socket Mode) is required.
 */
export function approvalConfigFromEnv(env: Readonly<Record<string, string | undefined>>): ApprovalEnvConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const need = (name: string, what: string) => {
    const v = get(name);
    if (v === undefined) problems.push(`\`${name}\`: not set; ${what}`);
    return v ?? "";
  };
  const botToken = need(ENV.botToken, "set it to the Slack app's bot token (xoxb-…) from Secrets Manager");
  const channel = need(ENV.channel, "set it to the id of the channel approval requests go to (C…)");
  const release = need(ENV.release, "set it to the release id or image digest approvers should see");
  const approversRaw = need(ENV.approvers, "set it to the comma-separated Slack user ids allowed to decide (U…,U…)");
  const approvers = approversRaw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (approversRaw !== "" && approvers.length === 0) problems.push(`\`${ENV.approvers}\`: lists no user id; give U… ids separated by commas`);
  const signingSecret = get(ENV.signingSecret);
  const appToken = get(ENV.appToken);
  if (signingSecret === undefined && appToken === undefined) {
    problems.push(`\`${ENV.signingSecret}\` or \`${ENV.appToken}\`: set the signing secret (HTTP endpoint) or the app-level token xapp-… (Socket Mode)`);
  }
  const databaseUrl = get(ENV.databaseUrl);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`\`${ENV.databaseUrl}\`: is not a postgres:// connection string; use postgres://user:password@host:5432/database`);
  }
  if (problems.length > 0) throw new ApprovalError(`approval service environment is incomplete:\n  ${problems.join("\n  ")}`);
  const slackApiUrl = get(ENV.slackApiUrl);
  return {
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    dataDir: get(ENV.dataDir) ?? DEFAULT_DATA_DIR,
    botToken,
    ...(signingSecret === undefined ? {} : { signingSecret }),
    ...(appToken === undefined ? {} : { appToken }),
    channel,
    approvers,
    release,
    ...(slackApiUrl === undefined ? {} : { slackApiUrl }),
  };
}

export interface SlackClientOptions {
  /** @default "https://slack.com/api/" */
  readonly slackApiUrl?: string;
  /**
   * Retries per call before the request is left to the outbox. They apply to every method,
   * `chat.postMessage` included, which is not idempotent: a retry after Slack posted but answered
   * 500 or too late posts the request twice. Leave it at 0; the outbox retries, and looks in the
   * channel history for the earlier post first.
   * @default 0
   */
  readonly retries?: number;
  /**
   * Per-call timeout.
   * @default 10000
   */
  readonly timeoutMs?: number;
}

/**
 * A `WebClient` for the service, without the client's own retries: its default policy is "Retry up
 * to 10 times, over the span of about 30 minutes" (`retryPolicies.tenRetriesInAboutThirtyMinutes`,
 * https://docs.slack.dev/tools/node-slack-sdk/reference/web-api/variables/retryPolicies), for every
 * method, and a retried `chat.postMessage` is a second message. Failures go to the outbox, which
 * looks for an earlier post before posting again. Rate-limited calls are rejected
 * (`rejectRateLimitedCalls`) rather than waited out inside a request.
 */
export function createSlackClient(token: string, options: SlackClientOptions = {}): WebClient {
  return new WebClient(token, {
    ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
    retryConfig: { retries: options.retries ?? 0, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
    timeout: options.timeoutMs ?? 10_000,
    rejectRateLimitedCalls: true,
  });
}
