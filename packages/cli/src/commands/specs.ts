/**
 * Every command's arguments and options: the one table each command parses with and `--help`
 * prints. Kept apart from the commands so that help loads nothing heavy (no Pulumi, no Postgres).
 */
import { DEFAULT_ALPHA, DEFAULT_EVAL_POLICY } from "@airlock/core";
import { APPROVALS_ENV, AUDIT_ANCHOR, AUDIT_ANCHOR_ENV } from "@airlock/core/contracts";
import { defineCommand } from "../options.ts";

const STACK = { type: "string", short: "s", arg: "<name>", default: "dev", description: "the stack whose config file (`Pulumi.<name>.yaml`, under Pulumi.yaml's `stackConfigDir`) is used" } as const;
const JSON_OUT = { type: "boolean", description: "print JSON instead of text" } as const;
const MANIFEST = { type: "string", short: "m", arg: "<agent.yaml>", defaultText: "agent.yaml in the working directory", description: "the agent's manifest (a file, or a directory holding agent.yaml)" } as const;
const DATABASE_URL = {
  type: "string",
  arg: "<url>",
  defaultText: `$${APPROVALS_ENV.databaseUrl}, else the embedded store`,
  description: "postgres:// connection string of the approvals database (Supabase, RDS)",
} as const;
const DATA_DIR = { type: "string", arg: "<dir>", defaultText: ".airlock/approvals", description: "data directory of the embedded approvals store (PGlite); exclusive with --database-url" } as const;
/** The audit anchor's options, taken by `audit verify` and `autonomy report` (read by anchor-flags.ts). */
export const ANCHOR_OPTIONS = {
  "anchor-bucket": { type: "string", arg: "<bucket>", defaultText: `$${AUDIT_ANCHOR_ENV.bucket}, else no anchor`, description: "the S3 bucket the approval gateway writes its signed audit anchors to" },
  "anchor-prefix": { type: "string", arg: "<prefix>", defaultText: `$${AUDIT_ANCHOR_ENV.prefix}, else ${AUDIT_ANCHOR.prefix}`, description: "the anchors' key prefix in the bucket" },
  "anchor-key-id": { type: "string", arg: "<key arn>", defaultText: `$${AUDIT_ANCHOR_ENV.keyId}`, description: "the KMS key that signs the anchors (the signature is verified with this key, never one the anchor names)" },
  "anchor-max-age-minutes": { type: "string", arg: "<minutes>", default: "30", description: "refuse when the newest valid anchor is older than this (the gateway writes one every 5 minutes)" },
} as const;

const IMAGE = {
  type: "string",
  arg: "<repo@sha256:…>",
  defaultText: "the manifest's `agent.image.digest`",
  description: "the release's image, pinned by digest; needed when the manifest builds its image",
} as const;
/** A Pulumi policy-pack config file, for every command that runs the guardrails. */
export const POLICY_CONFIG = {
  type: "string",
  arg: "<file>",
  defaultText: "every policy at the pack's own enforcement level",
  description:
    "a Pulumi policy-pack config file: JSON with per-policy enforcement levels, the same file `pulumi preview --policy-pack-config` takes (e.g. {\"all\": \"mandatory\", \"<policy name>\": \"advisory\"}; policy names as `pulumi preview --policy-pack` prints them)",
} as const;

export const PLAN = defineCommand({
  path: "plan",
  summary: "plan a Pulumi program or an agent.yaml offline and print resources, permissions and findings",
  arguments: [{ name: "dir|agent.yaml", defaultText: ".", description: "a Pulumi project directory (Pulumi.yaml and its stack config) or a bare agent.yaml, planned with Airlock's defaults" }],
  options: {
    stack: STACK,
    region: {
      type: "string",
      arg: "<region>",
      defaultText: "the region of the manifest's ECR image, `<account>.dkr.ecr.<region>.amazonaws.com/…`, else required",
      description: "AWS region a bare agent.yaml is planned for (a project's region is its stack's `aws:region`)",
    },
    json: { type: "boolean", description: "print the plan as JSON (resources, agents, permissions, findings) in a stable order, so two plans diff cleanly" },
    out: { type: "string", short: "o", arg: "<file>", defaultText: "not written", description: "also write the JSON plan to this file (for `airlock diff`)" },
    "no-guardrails": { type: "boolean", description: "skip the policy pack's rules (AIR-G…, AIR-D…); the manifest's own findings are still reported" },
    "policy-config": POLICY_CONFIG,
    "fail-on": { type: "string", arg: "<severity>", choices: ["error", "warning", "never"], default: "error", description: "exit 1 when a finding of this severity or worse is found (`never`: always exit 0 after planning)" },
  },
  examples: [
    ["airlock plan . --stack prod", "plan the Pulumi project in this directory with stacks/Pulumi.prod.yaml (or Pulumi.prod.yaml)"],
    ["airlock plan agent.yaml --region eu-west-1 --json --out plan.json", "plan a bare manifest for eu-west-1 and keep the JSON for `airlock diff`"],
  ],
  notes: ["exit codes: 0 planned, 1 a finding at --fail-on or worse, 2 bad input (missing file, invalid manifest, bad flag)"],
});

export const INIT = defineCommand({
  path: "init",
  summary: "write a commented starter agent.yaml, its prompt and a Pulumi program (index.ts) that deploys it",
  arguments: [{ name: "dir", defaultText: ".", description: "the project directory to write into (made if missing); a `pulumi new aws-typescript` project works" }],
  options: {
    name: { type: "string", short: "n", arg: "<agent>", defaultText: "the directory's name, if it is a valid agent name", description: "the agent's name: kebab-case, lowercase letters, digits and `-`, 2 to 32 characters" },
    force: { type: "boolean", short: "f", description: "overwrite files that already exist (index.ts from `pulumi new`, an earlier agent.yaml)" },
  },
  examples: [
    ["airlock init", "start an agent in this directory, named after it"],
    ["airlock init support-bot --name support-bot --force", "write into ./support-bot, replacing the index.ts `pulumi new` made"],
  ],
  notes: ["exit codes: 0 written, 2 bad input (a file exists without --force, a bad --name); nothing is written unless every file can be"],
});

export const AUDIT_VERIFY = defineCommand({
  path: "audit verify",
  summary: "recompute the approvals audit log's hash chain and name every edited, deleted or reordered row (exit 1 when tampered)",
  arguments: [],
  options: {
    "database-url": DATABASE_URL,
    "data-dir": DATA_DIR,
    "expect-head": { type: "string", arg: "<seq:hash>", defaultText: "not checked", description: "the head an earlier verify printed; rows cut from the end are then found too" },
    ...ANCHOR_OPTIONS,
    json: JSON_OUT,
  },
  examples: [
    ["airlock audit verify --data-dir .airlock/approvals", "verify the embedded store"],
    ["airlock audit verify --database-url \"$DB\" --expect-head 42:<64 hex>", "verify a server and that nothing after row 42 was cut"],
    ["airlock audit verify --database-url \"$DB\" --anchor-bucket airlock-anchors --anchor-key-id arn:aws:kms:…", "verify a server against the gateway's newest signed anchor"],
  ],
});

export const AUDIT_MIGRATE = defineCommand({
  path: "audit migrate",
  summary: "apply the approvals database's migrations as an owner role, once, before the gateway's service role connects",
  arguments: [],
  options: {
    "database-url": { ...DATABASE_URL, defaultText: "$AIRLOCK_APPROVALS_DATABASE_URL", description: "postgres:// connection string of an owner role (migrations create the schema and the service role's grants)" },
  },
  examples: [["airlock audit migrate --database-url postgres://owner:…@db.example.com:5432/approvals", "create or update the schema"]],
});

export const AUTONOMY_REPORT = defineCommand({
  path: "autonomy report",
  summary: "per action type, the approvals evidence and the reviewed manifest change that would widen approve to auto",
  arguments: [],
  options: {
    manifest: MANIFEST,
    "database-url": DATABASE_URL,
    "data-dir": DATA_DIR,
    "min-streak": { type: "string", arg: "<n>", default: "50", description: "approvals in a row, with no rejection, edit or incident, before an action type is eligible" },
    "min-window-days": { type: "string", arg: "<days>", default: "14", description: "days the evidence must span before an action type is eligible" },
    "min-distinct-days": { type: "string", arg: "<days>", default: "10", description: "distinct days the streak's approvals must fall on (a burst is not a track record)" },
    "min-approvers": { type: "string", arg: "<n>", default: "2", description: "distinct approvers the streak's approvals must come from" },
    ...ANCHOR_OPTIONS,
    unanchored: { type: "boolean", description: "accept an audit log checked without a signed anchor (a local embedded store); otherwise nothing is eligible without one" },
    json: JSON_OUT,
  },
  examples: [["airlock autonomy report --manifest agent.yaml --data-dir .airlock/approvals", "what the record says about each action type"]],
});

export const ROLLBACK = defineCommand({
  path: "rollback",
  summary: "point the service back at the previous good release (only the task definition changes; verified offline)",
  arguments: [{ name: "dir", defaultText: ".", description: "the Pulumi project directory" }],
  options: {
    stack: STACK,
    to: { type: "string", arg: "<release>", defaultText: "the nearest good release declared before the active one", description: "the release to roll back to" },
    write: { type: "boolean", description: "edit `activeRelease` in the stack config file (keeping its comments) instead of deploying" },
    "print-only": { type: "boolean", description: "only print the config change, even when a Pulumi CLI is on PATH" },
    "skip-verify": { type: "boolean", description: "do not plan both releases to prove that only the service's task definition changes" },
  },
  examples: [
    ["airlock rollback --stack prod", "plan, verify and deploy the previous good release (pulumi up through the Automation API)"],
    ["airlock rollback --to v3 --write", "set activeRelease to v3 in the stack file for a reviewed commit"],
  ],
});

export const DIFF = defineCommand({
  path: "diff",
  summary: "semantic diff of two plans for reviewers: permissions, egress, secrets, approvals, findings (exit 1 when anything widens)",
  arguments: [
    { name: "old-plan.json", required: true, description: "the plan before the change, written by `airlock plan --out`" },
    { name: "new-plan.json", required: true, description: "the plan after the change" },
  ],
  options: {
    format: { type: "string", short: "f", arg: "<format>", choices: ["text", "markdown", "json"], default: "text", description: "how the diff is printed (markdown for a pull-request comment)" },
  },
  examples: [["airlock diff main.json branch.json --format markdown", "what the branch widens or narrows, for a review comment"]],
});

export const SCAN = defineCommand({
  path: "scan",
  summary: "find credentials in prompts, tool definitions, .env files, code and conversation logs (exit 1 when any is found)",
  arguments: [{ name: "paths", variadic: true, defaultText: ".", description: "files or directories to scan" }],
  options: { json: { type: "boolean", description: "print the findings, the files read and those skipped as JSON" } },
  examples: [
    ["airlock scan", "scan the working directory"],
    ["airlock scan prompts logs/export.jsonl --json", "scan the prompts and an exported conversation log"],
  ],
});

export const RUNBOOK = defineCommand({
  path: "runbook",
  summary: "write the agent's runbook (Markdown): incident response with real names, permission map, autonomy evidence, diagram",
  arguments: [{ name: "dir|agent.yaml", defaultText: ".", description: "a directory holding agent.yaml, or the manifest itself" }],
  options: {
    plan: { type: "string", arg: "<plan.json>", defaultText: "names derived from the manifest", description: "a plan from `airlock plan --out`, for the real resource names" },
    evidence: { type: "string", arg: "<autonomy.json>", defaultText: "no evidence section", description: "the autonomy report (`airlock autonomy report --json`)" },
    region: { type: "string", arg: "<region>", defaultText: "the region in the plan's ARNs, else a <region> placeholder", description: "AWS region the commands in the runbook name" },
    out: { type: "string", short: "o", arg: "<file>", defaultText: "printed", description: "write the runbook to this file" },
  },
  examples: [["airlock plan --out plan.json && airlock runbook . --plan plan.json --out RUNBOOK.md", "a runbook with the deployed names"]],
});

export const EVALS_CHECK = defineCommand({
  path: "evals check",
  summary: "whether a release passes its eval gate, and the reviewer's table of cases (exit 0 pass, 1 fail, 2 bad input)",
  arguments: [
    {
      name: "report.json",
      required: true,
      variadic: true,
      description: "the release's eval report (promptfoo `-o results.json` or Airlock's native format); several files of one release are merged (same fingerprint)",
    },
  ],
  options: {
    release: { type: "string", short: "r", arg: "<id>", required: true, description: "the id of the release the report is for (e.g. v2 or the commit)" },
    manifest: MANIFEST,
    image: IMAGE,
    previous: { type: "string", arg: "<report.json>", multiple: true, defaultText: "no regression check", description: "the eval report of the last release that deployed (repeat for several files)" },
    "previous-release": { type: "string", arg: "<id>", defaultText: "not named", description: "that release's id, named in the reasons" },
    policy: {
      type: "string",
      arg: "<policy.json>",
      defaultText: "the options below",
      description: "the eval policy as JSON: minPassRate, alpha, k, requireAllRepeats, quarantine ([{ case, reason }]); the options below override its fields",
    },
    "previous-policy": {
      type: "string",
      arg: "<policy.json>",
      defaultText: "not judged",
      description: "the policy the last good release passed with (e.g. from the base branch): a case quarantined now and not then is a finding",
    },
    "min-pass-rate": { type: "string", arg: "<fraction>", defaultText: String(DEFAULT_EVAL_POLICY.minPassRate), description: "the lowest pass rate of the counted cases that passes, from 0 to 1" },
    alpha: { type: "string", arg: "<level>", defaultText: String(DEFAULT_ALPHA), description: "significance level of the one-sided exact sign test against --previous: a drop is a regression when p ≤ alpha" },
    k: { type: "string", arg: "<n>", defaultText: "the fewest runs of any counted case", description: "the k of the pass@k and pass^k figures" },
    "require-all-repeats": { type: "string", arg: "<case id>", multiple: true, defaultText: "none", description: "a case that must pass on every repeat (never quarantined)" },
    repeats: { type: "string", arg: "<n>", defaultText: "3", description: "repeats each --require-all-repeats case must have run" },
    format: { type: "string", short: "f", arg: "<format>", choices: ["text", "markdown", "json"], default: "text", description: "how the verdict and table are printed (markdown for a pull-request comment)" },
    json: { type: "boolean", description: "the same as --format json" },
  },
  examples: [
    ["airlock evals check evals/v2.json --release v2 --previous evals/v1.json", "v2's gate, paired against v1's cases"],
    ["airlock evals check results-*.json --release v3 --previous v2.json --policy evals/policy.json --format markdown", "several result files of v3, as the pull-request comment"],
  ],
  notes: ["`--max-regression` was removed: a drop is judged by the paired sign test at `--alpha`"],
});

export const EVALS_FINGERPRINT = defineCommand({
  path: "evals fingerprint",
  summary: "print the release fingerprint an eval report must record",
  arguments: [],
  options: {
    manifest: MANIFEST,
    image: IMAGE,
    format: { type: "string", arg: "<format>", choices: ["env", "json"], default: "env", description: "env: lines the example promptfoo config reads its tags from; json: the fingerprint" },
  },
  examples: [["eval \"$(airlock evals fingerprint --image 1234.dkr.ecr.eu-west-1.amazonaws.com/agent@sha256:…)\"", "export the fingerprint for a promptfoo run"]],
});

export const DEPLOY_VERIFY = defineCommand({
  path: "deploy verify",
  summary: "after a deploy or rollback, check that the ECS service runs the intended revision and its deployment completed (exit 0 ok, 1 not, 2 bad input)",
  arguments: [],
  options: {
    cluster: { type: "string", arg: "<name|arn>", required: true, description: "the ECS cluster the agent's service runs on" },
    service: { type: "string", arg: "<name|arn>", required: true, description: "the agent's ECS service (the plan's, e.g. support-agent-prod)" },
    release: { type: "string", arg: "<id>", defaultText: "give this or --task-definition", description: "the release the stack deployed: the running revision's `airlock:release` tag must name it" },
    "task-definition": { type: "string", arg: "<arn|family:revision>", defaultText: "give this or --release", description: "the task definition revision the stack deployed" },
    region: { type: "string", arg: "<region>", defaultText: "$AWS_REGION", description: "the service's AWS region" },
    wait: {
      type: "string",
      arg: "<seconds>",
      defaultText: "read the service once",
      description: "read the service again (every 5 s, doubling to 30 s) until the deployment COMPLETED, FAILED or was rolled back, for at most this long (1 to 3600); still moving then: exit 1, \"still in progress after N s\"",
    },
    json: JSON_OUT,
  },
  examples: [
    ["airlock deploy verify --cluster agents --service support-agent-prod --release v3", "did v3 deploy, or did ECS roll it back?"],
    ["airlock deploy verify --cluster agents --service support-agent-prod --release v3 --wait 900", "after `pulumi up`: wait up to 15 minutes for the deployment (and its bake time) to settle"],
    ["airlock deploy verify --cluster agents --service support-agent-prod --task-definition support-agent-prod:7 --json", "the same against a revision, as JSON"],
  ],
  notes: [
    "exit codes: 0 the service runs the intended revision and its deployment completed; 1 it does not (rolled back by the circuit breaker or an alarm, failed, still in progress, or another revision); 2 bad input (a missing flag, a service or cluster ECS does not know, AWS refusing the call)",
    "permissions: ecs:DescribeServices on the service, and ecs:DescribeTaskDefinition with --release. Pulumi reports a service ECS rolled back as \"updated\", so run this after every `pulumi up`.",
  ],
});
