/**
 * The example support agent's world for its own tests (and reusable by the end-to-end test): the
 * stand-ins of every service its tools call, the release's shipped model in a directory of its
 * own, and the environment its entry reads, with every endpoint on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadManifest, type AgentModel } from "@airlock/core";
import { encodeList, TASK_ENV } from "@airlock/core/contracts";
import { MODEL_FILE } from "@airlock/runtime";
import { agentEnvironment } from "../../packages/pulumi/src/agent/task-definitions.ts";
import { BillingStandIn } from "./billing-standin.ts";
import { DynamoDbStandIn } from "./dynamodb-standin.ts";
import { GitHubStandIn, type KbArticle } from "./github-standin.ts";
import { SesStandIn } from "./ses-standin.ts";

export const EXAMPLE_AGENT_DIR = fileURLToPath(new URL("../../examples/support-agent/", import.meta.url));
export const AGENT_ENTRY = join(EXAMPLE_AGENT_DIR, "agent/src/main.ts");
export const REGION = "us-east-1";
export const TICKETS = { table: "support-tickets", key: "ticket_id", customerIndex: "by-customer", customerKey: "customer_email", statusIndex: "by-status", statusKey: "status" } as const;

/** Credentials the stand-ins accept (made up, shaped as the services' own). */
export const SECRETS = {
  anthropic: "sk-ant-api03-standin-key-0000000000000000000000000000000000000000",
  github: "github_pat_11STANDIN0000000000000000000000000000000000",
  billing: "billing-standin-token-0123456789abcdef0123456789abcdef",
} as const;

export const KB_ARTICLES: readonly KbArticle[] = [
  { repository: "acme/support-kb", path: "articles/KB-118.md", text: "# Duplicate charges\n\nDuplicate charges are refunded after billing confirms them." },
  { repository: "acme/support-kb", path: "articles/KB-231.md", text: "# Resetting your password\n\nReset links expire after 30 minutes." },
  { repository: "acme/internal-secrets", path: "duplicate-charges-playbook.md", text: "# Duplicate charges (internal)\n\nNot for customers." },
];

let compiled: Promise<AgentModel> | undefined;
/** The example's compiled model, once per process. */
export function exampleAgentModel(): Promise<AgentModel> {
  compiled ??= loadManifest(join(EXAMPLE_AGENT_DIR, "agent.yaml"));
  return compiled;
}

/** A directory holding the release's agent-model.json, as the image's working directory does. */
export function releaseDir(model: object): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "airlock-example-agent-"));
  writeFileSync(join(dir, MODEL_FILE), JSON.stringify(model));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentServices {
  readonly dynamodb: DynamoDbStandIn;
  readonly ses: SesStandIn;
  readonly github: GitHubStandIn;
  readonly billing: BillingStandIn;
  /** The endpoint variables of the agent's environment. */
  readonly endpoints: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startAgentServices(): Promise<AgentServices> {
  const dynamodb = new DynamoDbStandIn({ [TICKETS.table]: { key: [TICKETS.key], indexes: { [TICKETS.customerIndex]: [TICKETS.customerKey], [TICKETS.statusIndex]: [TICKETS.statusKey] } } });
  const ses = new SesStandIn();
  const github = new GitHubStandIn(KB_ARTICLES);
  const billing = new BillingStandIn(SECRETS.billing);
  await Promise.all([dynamodb.start(), ses.start(), github.start(), billing.start()]);
  return {
    dynamodb,
    ses,
    github,
    billing,
    endpoints: {
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_ENDPOINT_URL_SESV2: ses.url,
      GITHUB_API_URL: github.url,
      BILLING_API_URL: billing.url,
    },
    stop: async () => {
      await Promise.all([dynamodb.stop(), ses.stop(), github.stop(), billing.stop()]);
    },
  };
}

/**
 * The agent's environment as its task has it: the task definition's (`agentEnvironment`: the
 * manifest's variables and Airlock's), the release, the secrets under their variables, the task's
 * Region and credentials, and `extra` (the endpoints).
 */
export function agentEnv(model: AgentModel, extra: Readonly<Record<string, string>>): Record<string, string> {
  const env = agentEnvironment(model, { stack: "support-agent/test", approvalAliasArn: `arn:aws:lambda:${REGION}:123456789012:function:airlock-approvals:${model.name}` }) as Record<string, string>;
  const secretValues: Record<string, string> = { "anthropic-api-key": SECRETS.anthropic, "github-token": SECRETS.github, "billing-api-token": SECRETS.billing };
  const out: Record<string, string> = { ...env, [TASK_ENV.release]: "rel-test-0001", AWS_REGION: REGION, AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
  for (const s of model.secrets) out[s.envName] = secretValues[s.name] ?? `value-of-${s.name}`;
  if (model.tools.some((t) => t.sandbox)) {
    // What AgentDeployment sets for a code-executing tool (agentEnvironment takes them as Outputs).
    out[TASK_ENV.sandboxCluster] = `arn:aws:ecs:${REGION}:123456789012:cluster/acme-agents-cluster`;
    out[TASK_ENV.sandboxTaskDefinition] = `arn:aws:ecs:${REGION}:123456789012:task-definition/support-agent-test-sandbox:1`;
    out[TASK_ENV.sandboxSubnets] = encodeList(["subnet-0isolated1", "subnet-0isolated2"]);
    out[TASK_ENV.sandboxSecurityGroup] = "sg-0sandbox";
    out[TASK_ENV.sandboxLogGroup] = "/airlock/test/agents/support-agent";
  }
  for (const [k, v] of Object.entries(out)) if (typeof v !== "string") delete out[k];
  return { ...out, ...extra };
}
