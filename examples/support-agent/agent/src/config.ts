/**
 * The agent's configuration, read once from its environment before anything is called: the
 * manifest's `runtime.environment` (the ticket table, the knowledge-base repository, the reply
 * address and configuration set), the secrets ECS injects under the variables the shipped model
 * names (`secrets[].envName`), the variables Airlock sets (`TASK_ENV`) and the example's own
 * optional settings. Every problem is collected and reported at once, each naming its variable
 * and the fix; nothing starts with a half-read configuration.
 */
import { TASK_ENV } from "@airlock/core/contracts";
import type { ShippedModel } from "@airlock/runtime";

/** The example's own variable names (not Airlock's: they cross no boundary of Airlock's). */
export const AGENT_ENV = {
  /** The ticket table (the manifest's `runtime.environment`). */
  ticketsTable: "TICKETS_TABLE",
  /** The knowledge-base repository, `owner/name` (the manifest's `runtime.environment`). */
  kbRepository: "KB_REPOSITORY",
  /** The address replies are sent from (the manifest's `runtime.environment`). */
  replyFrom: "REPLY_FROM",
  /** The SES configuration set replies are sent with (the manifest's `runtime.environment`). */
  replyConfigurationSet: "REPLY_CONFIGURATION_SET",
  /** GitHub's REST API base URL. Default https://api.github.com. */
  githubApiUrl: "GITHUB_API_URL",
  /** The billing API's base URL. Default: https:// and the host `issue_refund` declares. */
  billingApiUrl: "BILLING_API_URL",
  /** How long a call that needs a person waits for the decision, in ms. Default 600000. */
  approvalDeadlineMs: "APPROVAL_DEADLINE_MS",
  /** The most model calls for one ticket. Default 16. */
  maxTurns: "AGENT_MAX_TURNS",
  /** The system prompt's file. Default: the example's prompts/system.md beside the agent's code. */
  promptFile: "AGENT_PROMPT_FILE",
  /** How long the service loop's claim on a ticket lasts, in ms (renewed at a third of it while the ticket is handled). Default 120000. */
  leaseMs: "AGENT_LEASE_MS",
  /** After SIGTERM, how long the ticket in hand may still run before it is given back, in ms. Default 20000 (ECS waits the container's stopTimeout, 30 s, then SIGKILL). */
  stopGraceMs: "AGENT_STOP_GRACE_MS",
  /** The service loop's longest wait between looks at an empty queue, in ms (the wait doubles from 1000). Default 20000. */
  idleMaxMs: "AGENT_IDLE_MAX_MS",
  /** PostHog project key (public, `phc_…`); unset: no PostHog events. */
  posthogApiKey: "POSTHOG_API_KEY",
  /** PostHog ingestion host. Default https://us.i.posthog.com. */
  posthogHost: "POSTHOG_HOST",
} as const;

/** The AWS SDK's Region variables (read by every client; Fargate sets AWS_REGION). */
const REGION_VARS = ["AWS_REGION", "AWS_DEFAULT_REGION"] as const;

/** The secrets of the manifest the agent's code reads, by their manifest names. */
export const SECRETS = { model: "anthropic-api-key", github: "github-token", billing: "billing-api-token" } as const;

export interface AgentConfig {
  readonly region: string;
  readonly ticketsTable: string;
  readonly kb: { readonly owner: string; readonly repo: string };
  readonly replyFrom: string;
  readonly replyConfigurationSet: string;
  readonly githubToken: string;
  readonly githubApiUrl: string;
  readonly billingToken: string;
  readonly billingApiUrl: string;
  /** Anthropic's key variable (the SDK reads it and ANTHROPIC_BASE_URL itself). */
  readonly anthropicApiKey: string;
  readonly release: string;
  readonly stack: string;
  readonly approvalDeadlineMs: number;
  readonly maxTurns: number;
  readonly promptFile: string | undefined;
  readonly posthog: { readonly apiKey: string; readonly host?: string } | undefined;
  /** The service loop's settings (the one-ticket mode reads none of them). */
  readonly service: ServiceSettings;
}

/** The service loop's settings, in ms. */
export interface ServiceSettings {
  readonly leaseMs: number;
  readonly stopGraceMs: number;
  readonly idleMaxMs: number;
}

/** The service loop's defaults: the grace after SIGTERM stays well inside ECS's stop timeout. */
export const SERVICE_DEFAULTS: ServiceSettings = { leaseMs: 120_000, stopGraceMs: 20_000, idleMaxMs: 20_000 };

/** A configuration the agent cannot start with: every problem, one a line. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`the support agent cannot start:\n  ${problems.join("\n  ")}`);
  }
}

const REPOSITORY = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/;
const ADDRESS = /^[^@\s,;<>"]+@[^@\s,;<>"]+$/;

/** The secret's variable as the shipped model names it (`secrets[].envName`). */
export function secretVariable(model: Pick<ShippedModel, "secrets">, secret: string): string | undefined {
  return model.secrets.find((s) => s.name === secret)?.envName;
}

/** The billing API's base URL the manifest declares: the HTTPS system of `issue_refund` in the permission map. */
export function declaredBillingUrl(model: Pick<ShippedModel, "permissions">): string | undefined {
  const row = model.permissions.find((p) => p.tool === "issue_refund" && p.system.startsWith("https:"));
  return row?.resources[0]?.replace(/\/+$/, "");
}

/** Reads and checks the configuration; throws {@link ConfigError} naming every variable that is missing or malformed. */
export function readConfig(model: Pick<ShippedModel, "secrets" | "permissions">, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
  };
  const required = (name: string, fix: string): string => {
    const v = value(name);
    if (v === undefined) problems.push(`\`${name}\` is not set; ${fix}`);
    return v ?? "";
  };
  const fromManifest = "the manifest's `agent.runtime.environment` sets it (AgentDeployment puts it in the task definition)";
  const url = (name: string, fallback: string | undefined, what: string): string => {
    const v = value(name) ?? fallback;
    if (v === undefined) {
      problems.push(`\`${name}\` is not set and the manifest declares no ${what}; set it to the API's base URL`);
      return "";
    }
    try {
      const u = new URL(v);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
    } catch {
      problems.push(`\`${name}\`: "${v}" is not an http(s) URL; give the API's base URL, e.g. ${fallback ?? "https://api.example.com"}`);
    }
    return v.replace(/\/+$/, "");
  };
  const whole = (name: string, fallback: number, min: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
      problems.push(`\`${name}\`: "${v}" is not a whole number of at least ${min}`);
      return fallback;
    }
    return n;
  };
  const secret = (name: string): string => {
    const variable = secretVariable(model, name);
    if (variable === undefined) {
      problems.push(`the shipped model declares no secret \`${name}\`; declare it under \`secrets\` in agent.yaml`);
      return "";
    }
    return required(variable, `ECS injects it from the secret \`${name}\` (Secrets Manager); outside a task, export it`);
  };

  const region = REGION_VARS.map(value).find((v) => v !== undefined);
  if (region === undefined) problems.push(`\`${REGION_VARS[0]}\` is not set; Fargate sets it in every task (outside one, export the Region, e.g. us-east-1)`);
  const ticketsTable = required(AGENT_ENV.ticketsTable, fromManifest);
  const kbText = required(AGENT_ENV.kbRepository, fromManifest);
  const kb = REPOSITORY.exec(kbText);
  if (kbText !== "" && kb === null) problems.push(`\`${AGENT_ENV.kbRepository}\`: "${kbText}" is not a repository; write owner/name, e.g. acme/support-kb`);
  const replyFrom = required(AGENT_ENV.replyFrom, fromManifest);
  if (replyFrom !== "" && !ADDRESS.test(replyFrom)) problems.push(`\`${AGENT_ENV.replyFrom}\`: "${replyFrom}" is not one email address`);
  const replyConfigurationSet = required(AGENT_ENV.replyConfigurationSet, fromManifest);
  const anthropicApiKey = secret(SECRETS.model);
  const githubToken = secret(SECRETS.github);
  const billingToken = secret(SECRETS.billing);
  const githubApiUrl = url(AGENT_ENV.githubApiUrl, "https://api.github.com", "GitHub API");
  const billingApiUrl = url(AGENT_ENV.billingApiUrl, declaredBillingUrl(model), "billing host for `issue_refund`");
  const release = required(TASK_ENV.release, "AgentDeployment sets it to the release the task runs");
  const stack = required(TASK_ENV.stack, "AgentDeployment sets it to the Pulumi stack (the tracer's `Stack` dimension)");
  const approvalDeadlineMs = whole(AGENT_ENV.approvalDeadlineMs, 600_000, 1);
  const maxTurns = whole(AGENT_ENV.maxTurns, 16, 1);
  const service: ServiceSettings = {
    leaseMs: whole(AGENT_ENV.leaseMs, SERVICE_DEFAULTS.leaseMs, 1_000),
    stopGraceMs: whole(AGENT_ENV.stopGraceMs, SERVICE_DEFAULTS.stopGraceMs, 0),
    idleMaxMs: whole(AGENT_ENV.idleMaxMs, SERVICE_DEFAULTS.idleMaxMs, 1),
  };
  const posthogKey = value(AGENT_ENV.posthogApiKey);
  const posthogHost = value(AGENT_ENV.posthogHost);
  if (posthogHost !== undefined && posthogKey === undefined) problems.push(`\`${AGENT_ENV.posthogHost}\` is set but \`${AGENT_ENV.posthogApiKey}\` is not; give the project key (phc_…) or unset both`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    region: region!,
    ticketsTable,
    kb: { owner: kb![1]!, repo: kb![2]! },
    replyFrom,
    replyConfigurationSet,
    githubToken,
    githubApiUrl,
    billingToken,
    billingApiUrl,
    anthropicApiKey,
    release,
    stack,
    approvalDeadlineMs,
    maxTurns,
    promptFile: value(AGENT_ENV.promptFile),
    posthog: posthogKey === undefined ? undefined : { apiKey: posthogKey, ...(posthogHost === undefined ? {} : { host: posthogHost }) },
    service,
  };
}
