/**
 * Property-based tests of the manifest (fast-check): generated valid manifests compile to least
 * privilege, generated invalid ones are rejected with a path into the input, before any resource.
 *
 * Valid manifests are drawn from a small table of real IAM actions with ARNs of the resource
 * types they act on; invalid ones are a valid manifest with one mutation applied, each mutation
 * knowing the path of the problem it causes. On failure fast-check prints the seed, the path to
 * the counterexample and the shrunk manifest; re-run with `FC_SEED=<seed>` to reproduce.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { actionFacts, compile, formatPath, isReadLevel, ManifestError, type AgentModel, type ManifestProblem } from "../src/index.ts";

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const RUNS = Number(process.env.FC_RUNS ?? 150);
/** A failure is reported with the smallest counterexample found in 20 s of shrinking. */
const params = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) });

type Json = any;
type Access = "read" | "write";

// ---------------------------------------------------------------------------------------------
// The table: per resource type, an ARN template and the real actions that act on it, by level.
// ---------------------------------------------------------------------------------------------

interface ResourceKind {
  readonly service: string;
  readonly kind: string;
  readonly arn: (name: string) => string;
  /** Read or List level actions that act on this resource type. */
  readonly read: readonly string[];
  /** Write level actions that act on this resource type. */
  readonly write: readonly string[];
}

const REGION_ACCOUNT = "us-east-1:123456789012";

export const KINDS: readonly ResourceKind[] = [
  {
    service: "dynamodb",
    kind: "table",
    arn: (n) => `arn:aws:dynamodb:${REGION_ACCOUNT}:table/${n}`,
    read: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"],
    write: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
  },
  {
    service: "dynamodb",
    kind: "index",
    arn: (n) => `arn:aws:dynamodb:${REGION_ACCOUNT}:table/${n}/index/by-customer`,
    read: ["dynamodb:Query", "dynamodb:Scan"],
    write: [],
  },
  {
    service: "s3",
    kind: "object",
    arn: (n) => `arn:aws:s3:::acme-${n}/exports/${n}.json`,
    read: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
    write: ["s3:PutObject", "s3:DeleteObject"],
  },
  {
    service: "s3",
    kind: "bucket",
    arn: (n) => `arn:aws:s3:::acme-${n}`,
    read: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:ListBucketVersions"],
    write: [],
  },
  {
    service: "sqs",
    kind: "queue",
    arn: (n) => `arn:aws:sqs:${REGION_ACCOUNT}:${n}-queue`,
    read: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:ListQueueTags"],
    write: ["sqs:SendMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
  },
  {
    service: "sns",
    kind: "topic",
    arn: (n) => `arn:aws:sns:${REGION_ACCOUNT}:${n}-topic`,
    read: ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"],
    write: ["sns:Publish"],
  },
  {
    service: "ses",
    kind: "identity",
    arn: (n) => `arn:aws:ses:${REGION_ACCOUNT}:identity/${n}.acme.example.com`,
    read: ["ses:GetEmailIdentity"],
    write: ["ses:SendEmail", "ses:SendRawEmail"],
  },
  {
    service: "secretsmanager",
    kind: "secret",
    arn: (n) => `arn:aws:secretsmanager:${REGION_ACCOUNT}:secret:${n}-AbC123`,
    read: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"],
    write: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret"],
  },
  {
    service: "lambda",
    kind: "function",
    arn: (n) => `arn:aws:lambda:${REGION_ACCOUNT}:function:${n}-handler`,
    read: ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:ListVersionsByFunction", "lambda:ListAliases"],
    write: ["lambda:InvokeFunction"],
  },
];

const SERVICES = [...new Set(KINDS.map((k) => k.service))];
const RESOURCE_NAMES = ["orders", "tickets", "invoices", "leads", "reports", "events", "customers", "payouts"];
const VERBS = ["read", "list", "search", "fetch", "send", "post", "update", "record", "sync", "score"];
const NOUNS = ["orders", "tickets", "invoices", "leads", "reports", "articles", "refunds", "digest"];
const HOSTS = ["api.crm.example.com", "hooks.partner.example.net", "search.internal.example.org", "api.payments.example.com", "feeds.news.example.org"];
const REPOSITORIES = ["acme/support-kb", "acme/handbook", "acme/infra-docs"];
const ACTION_TYPES = ["customer.reply", "billing.refund", "newsletter.send", "status.post", "order.cancel", "lead.notify"];
const TOOL_SECRETS = ["crm-token", "partner-api-key", "search-api-key", "webhook-signing-key", "payments-token"];
const WORDS = ["drafts", "replies", "to", "customer", "tickets", "summarises", "weekly", "orders", "for", "the", "finance", "team"];
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

const actionsFor = (k: ResourceKind, access: Access): readonly string[] => (access === "read" ? k.read : [...k.read, ...k.write]);
const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

// ---------------------------------------------------------------------------------------------
// Valid manifests
// ---------------------------------------------------------------------------------------------

type Gen = fc.GeneratorValue;

function one<T>(g: Gen, xs: readonly T[]): T {
  return g(fc.constantFrom<T[]>, ...xs);
}
function some<T>(g: Gen, xs: readonly T[], min: number, max: number): T[] {
  return g(fc.shuffledSubarray<T>, [...xs], { minLength: Math.min(min, xs.length), maxLength: Math.min(max, xs.length) });
}
function int(g: Gen, min: number, max: number): number {
  return g(fc.integer, { min, max });
}
function chance(g: Gen, percent: number): boolean {
  return int(g, 1, 100) <= percent;
}
function sentence(g: Gen): string {
  const words = some(g, WORDS, 3, 7).join(" ");
  return `${words[0]!.toUpperCase()}${words.slice(1)}.`;
}
/**
 * `n` characters of `alphabet` drawn from one generated seed: the string keeps its format while
 * fast-check shrinks the seed (a shrunk `stringMatching` value can leave the format).
 */
function chars(g: Gen, alphabet: string, n: number): string {
  let x = g(fc.nat) + 1;
  let out = "";
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 8) % alphabet.length];
  }
  return out;
}
const HEX = "0123456789abcdef";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function digest(g: Gen, repo: string): string {
  return `${ECR}/${repo}@sha256:${chars(g, HEX, 64)}`;
}

/** An exact-actions grant: 1–2 resource types of one service, each with actions that act on it. */
function exactGrant(g: Gen, access: Access): Json {
  const service = one(g, SERVICES.filter((s) => KINDS.some((k) => k.service === s && actionsFor(k, access).length > 0)));
  const kinds = some(g, KINDS.filter((k) => k.service === service && actionsFor(k, access).length > 0), 1, 2);
  const actions: string[] = [];
  const resources: string[] = [];
  for (const k of kinds) {
    actions.push(...some(g, actionsFor(k, access), 1, 3));
    resources.push(...some(g, RESOURCE_NAMES, 1, 2).map(k.arn));
  }
  return { service, actions: uniq(actions), resources: uniq(resources) };
}

/** An access-level grant: Airlock expands it to the service's actions of that level on the ARNs. */
function levelGrant(g: Gen, access: Access): Json {
  const k = one(g, KINDS.filter((x) => x.write.length > 0));
  const level = access === "read" ? "read" : one(g, ["read", "write"] as const);
  return { service: k.service, access: level, resources: some(g, RESOURCE_NAMES, 1, 2).map(k.arn) };
}

interface ToolContext {
  readonly secrets: readonly string[];
  readonly hosts: Set<string>;
  readonly actionTypes: Set<string>;
  sandbox: boolean;
  github: boolean;
}

function tool(g: Gen, name: string, ctx: ToolContext): Json {
  const shape = one(g, ["aws", "aws", "aws", "http", "github", "sandbox", "wildcard"] as const);
  const access: Access = one(g, ["read", "write"] as const);
  const t: Json = { name, description: sentence(g), access };
  if (shape === "sandbox") {
    ctx.sandbox = true;
    return { ...t, sandbox: true };
  }
  if (shape === "aws") {
    t.aws = Array.from({ length: int(g, 1, 2) }, () => (chance(g, 15) ? levelGrant(g, access) : exactGrant(g, access)));
  }
  if (shape === "wildcard") {
    // A wildcard resource, allowed with a reason. (Wildcard actions only on write tools: see the
    // todo test below for read tools.)
    t.allowWildcard = { reason: "one export object per day, keyed by the date" };
    const actions = access === "read" ? ["s3:GetObject"] : one(g, [["s3:PutObject"], ["s3:PutObject*"]]);
    t.aws = [{ service: "s3", actions, resources: ["arn:aws:s3:::acme-exports/daily/*"] }];
    if (access === "write" && chance(g, 50)) t.aws.push({ service: "dynamodb", actions: ["dynamodb:*Item"], resources: [KINDS[0]!.arn(one(g, RESOURCE_NAMES))] });
  }
  if (shape === "github") {
    ctx.github = true;
    const perms: Json = {};
    for (const p of some(g, ["contents", "metadata", "issues", "pull_requests"] as const, 1, 3)) perms[p] = access === "read" ? "read" : one(g, ["read", "write"]);
    t.github = [{ repository: one(g, REPOSITORIES), permissions: perms }];
  }
  if (shape === "http" || chance(g, 20)) {
    t.hosts = some(g, HOSTS, 1, 2);
    t.hosts.forEach((h: string) => ctx.hosts.add(h));
  }
  if (ctx.secrets.length > 0 && (shape === "http" || chance(g, 30))) t.secrets = some(g, ctx.secrets, 1, 2);
  if (access === "write" && chance(g, 40)) {
    t.outward = true;
    t.actionType = one(g, ACTION_TYPES);
    ctx.actionTypes.add(t.actionType);
  } else if (chance(g, 20)) {
    t.outward = false;
  }
  return t;
}

function cidr(g: Gen): string {
  return one(g, ["v4", "v4", "v6"] as const) === "v4" ? `10.${int(g, 0, 255)}.${int(g, 0, 255)}.0/24` : `2001:db8:${int(g, 1, 0xfff).toString(16)}::/48`;
}

function secret(g: Gen, name: string): Json {
  switch (one(g, ["out-of-band", "generated", "pulumi-config"] as const)) {
    case "out-of-band":
      return { name, source: "out-of-band", description: sentence(g), rotation: { maxAgeDays: int(g, 1, 365) } };
    case "generated":
      return { name, source: "generated", length: int(g, 16, 128), rotation: { days: int(g, 1, 90) } };
    case "pulumi-config":
      return { name, source: "pulumi-config", configKey: name.replace(/-/g, "_") };
  }
}

function buildValid(g: Gen): Json {
  const provider = one(g, ["anthropic", "bedrock"] as const);
  const toolSecrets = some(g, TOOL_SECRETS, 0, 3);
  const secrets = toolSecrets.map((s) => secret(g, s));
  if (provider === "anthropic") secrets.push({ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } });
  const ctx: ToolContext = { secrets: toolSecrets, hosts: new Set(), actionTypes: new Set(), sandbox: false, github: false };
  const names = g(fc.uniqueArray<[string, string], string>, fc.tuple(fc.constantFrom(...VERBS), fc.constantFrom(...NOUNS)), {
    minLength: 1,
    maxLength: 6,
    selector: ([v, n]: [string, string]) => `${v}_${n}`,
  }).map(([v, n]) => `${v}_${n}`);
  const tools = names.map((n) => tool(g, n, ctx));

  const riskLines: Json = {};
  for (const type of ctx.actionTypes) {
    const cls = one(g, [undefined, "money", "mass-communication"] as const);
    const tier = cls === undefined ? one(g, ["auto", "approve", "always-approve"] as const) : one(g, ["approve", "always-approve"] as const);
    riskLines[type] = cls === undefined && chance(g, 50) ? tier : { tier, ...(cls ? { class: cls } : {}), description: sentence(g) };
  }
  const ranges: Json = {};
  for (const h of [...ctx.hosts].sort()) ranges[h] = uniq(Array.from({ length: int(g, 1, 2) }, () => cidr(g)));
  if (ctx.github) ranges["api.github.com"] = ["140.82.112.0/20", "192.30.252.0/22"];

  const m: Json = {
    apiVersion: "airlock/v1",
    agent: {
      name: `${one(g, ["research", "billing", "newsletter", "support", "triage"])}-${int(g, 1, 99)}`,
      owner: one(g, ["support-platform@example.com", "finance-eng@example.com", "Growth team"]),
      image: { digest: digest(g, "agent") },
      model: provider === "anthropic" ? { provider, id: "claude-sonnet-4-5", secret: "anthropic-api-key" } : { provider, id: "anthropic.claude-sonnet-4-5" },
      ...(chance(g, 50) ? { description: sentence(g) } : {}),
      ...(chance(g, 50) ? { runtime: { cpu: one(g, [256, 512, 1024] as const), memory: 2048, environment: { APP_MODE: one(g, ["batch", "interactive"]) } } } : {}),
    },
    tools,
  };
  if (Object.keys(riskLines).length > 0) m.riskLines = riskLines;
  if (secrets.length > 0) m.secrets = secrets;
  if (Object.keys(ranges).length > 0) m.egress = { ranges };
  if (ctx.sandbox) m.sandbox = { image: digest(g, "sandbox") };
  return m;
}

const validManifest: fc.Arbitrary<Json> = fc.gen().map(buildValid);

// ---------------------------------------------------------------------------------------------
// Invalid manifests: a valid one plus one mutation that knows the path of its problem.
// ---------------------------------------------------------------------------------------------

interface Expected {
  /** A problem must be reported at exactly this path. */
  readonly path: string;
  /** ...and its message must contain this text. */
  readonly mentions?: string;
}

interface Mutation {
  readonly name: string;
  readonly apply: (m: Json, g: Gen) => Expected;
}

/** Indexes of the tools matching `test`. */
function toolsWhere(m: Json, test: (t: Json) => boolean): number[] {
  return m.tools.flatMap((t: Json, i: number) => (test(t) ? [i] : []));
}

/** Inserts `t` at a random position and returns its index. */
function insertTool(m: Json, g: Gen, t: Json): number {
  const at = int(g, 0, m.tools.length);
  m.tools.splice(at, 0, t);
  return at;
}

function exactGrants(m: Json, toolTest: (t: Json) => boolean): [number, number][] {
  return toolsWhere(m, toolTest).flatMap((i) => (m.tools[i].aws ?? []).flatMap((gr: Json, j: number) => (gr.actions ? [[i, j] as [number, number]] : [])));
}

function fakeCredential(g: Gen): string {
  switch (one(g, ["aws", "anthropic", "github", "github-pat", "slack"] as const)) {
    case "aws":
      return `AKIA${chars(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`;
    case "anthropic":
      return `sk-ant-api03-${chars(g, `${ALNUM}_-`, 93)}AA`;
    case "github":
      return `ghp_${chars(g, ALNUM, 36)}`;
    case "github-pat":
      return `github_pat_${chars(g, `${ALNUM}_`, 82)}`;
    case "slack":
      return `xoxb-${int(g, 1e9, 9e9)}-${int(g, 1e9, 9e9)}-${chars(g, ALNUM, 24)}`;
  }
}

const MUTATIONS: readonly Mutation[] = [
  {
    name: "drop a required field",
    apply(m, g) {
      const i = int(g, 0, m.tools.length - 1);
      const candidates: (string | number)[][] = [
        ["apiVersion"], ["agent"], ["agent", "name"], ["agent", "owner"], ["agent", "image"], ["agent", "model"], ["agent", "model", "provider"],
        ["agent", "model", "id"], ["tools"], ["tools", i, "name"], ["tools", i, "description"], ["tools", i, "access"],
      ];
      if (m.tools[i].aws?.length > 0) candidates.push(["tools", i, "aws", 0, "service"], ["tools", i, "aws", 0, "resources"]);
      if (m.secrets?.length > 0) candidates.push(["secrets", 0, "name"], ["secrets", 0, "source"]);
      const path = one(g, candidates);
      delete parentOf(m, path)[path.at(-1)!];
      return { path: formatPath(path) };
    },
  },
  {
    name: "give a field the wrong type",
    apply(m, g) {
      const i = int(g, 0, m.tools.length - 1);
      const [path, value] = one<[(string | number)[], unknown]>(g, [
        [["apiVersion"], 1],
        [["agent", "name"], 42],
        [["agent", "owner"], ["team"]],
        [["agent", "runtime"], "small"],
        [["tools"], "read_orders"],
        [["tools", i, "outward"], "yes"],
        [["tools", i, "hosts"], "api.example.com"],
        [["tools", i, "aws"], { service: "s3" }],
        [["tools", i, "secrets"], 3],
        [["secrets"], { name: "crm-token" }],
      ]);
      parentOf(m, path)[path.at(-1)!] = value;
      return { path: formatPath(path) };
    },
  },
  {
    name: "add an unknown key",
    apply(m, g) {
      const i = int(g, 0, m.tools.length - 1);
      const containers: (string | number)[][] = [[], ["agent"], ["agent", "model"], ["agent", "image"], ["tools", i]];
      if (m.tools[i].aws?.length > 0) containers.push(["tools", i, "aws", 0]);
      if (m.secrets?.length > 0) containers.push(["secrets", 0]);
      if (m.egress) containers.push(["egress"]);
      const path = one(g, containers);
      const key = one(g, ["colour", "acces", "timeoutSeconds", "permission"]);
      (path.length === 0 ? m : valueAt(m, path))[key] = "x";
      return { path: formatPath(path), mentions: `\`${key}\`` };
    },
  },
  {
    name: "put a write action on a read tool",
    apply(m, g) {
      const k = one(g, KINDS.filter((x) => x.write.length > 0));
      const t = { name: "mutant_tool", description: "Reads a thing.", access: "read", aws: [{ service: k.service, actions: [k.read[0]!, one(g, k.write)], resources: [k.arn("orders")] }] };
      return { path: `tools[${insertTool(m, g, t)}].aws[0].actions[1]`, mentions: "the tool is declared read" };
    },
  },
  {
    name: "use a wildcard action without allowWildcard",
    apply(m, g) {
      const grants = exactGrants(m, (t) => t.allowWildcard === undefined);
      if (grants.length > 0) {
        const [i, j] = one(g, grants);
        const gr = m.tools[i].aws[j];
        const k = int(g, 0, gr.actions.length - 1);
        gr.actions[k] = `${gr.service}:${one(g, ["Get*", "*", "List*"])}`;
        return { path: `tools[${i}].aws[${j}].actions[${k}]`, mentions: "is a wildcard" };
      }
      const i = insertTool(m, g, { name: "mutant_tool", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:Get*"], resources: [KINDS[0]!.arn("orders")] }] });
      return { path: `tools[${i}].aws[0].actions[0]`, mentions: "is a wildcard" };
    },
  },
  {
    name: "use a wildcard resource without allowWildcard",
    apply(m, g) {
      const grants = toolsWhere(m, (t) => t.allowWildcard === undefined).flatMap((i) => (m.tools[i].aws ?? []).map((_: Json, j: number) => [i, j] as [number, number]));
      if (grants.length > 0) {
        const [i, j] = one(g, grants);
        const gr = m.tools[i].aws[j];
        const k = int(g, 0, gr.resources.length - 1);
        gr.resources[k] = one(g, ["*", gr.resources[k].replace(/[^/:]+$/, "*")]);
        return { path: `tools[${i}].aws[${j}].resources[${k}]`, mentions: "contains a wildcard" };
      }
      const i = insertTool(m, g, { name: "mutant_tool", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/*"] }] });
      return { path: `tools[${i}].aws[0].resources[0]`, mentions: "contains a wildcard" };
    },
  },
  {
    name: "list an ARN of another service",
    apply(m, g) {
      const grants = toolsWhere(m, (t) => t.allowWildcard === undefined).flatMap((i) => (m.tools[i].aws ?? []).map((_: Json, j: number) => [i, j] as [number, number]));
      const [i, j] = grants.length > 0 ? one(g, grants) : [insertTool(m, g, { name: "mutant_tool", description: "Reads.", access: "read", aws: [{ service: "sqs", actions: ["sqs:GetQueueUrl"], resources: [KINDS[4]!.arn("orders")] }] }), 0];
      const gr = m.tools[i].aws[j];
      const other = one(g, KINDS.filter((k) => k.service !== gr.service));
      const k = int(g, 0, gr.resources.length - 1);
      gr.resources[k] = other.arn("orders");
      return { path: `tools[${i}].aws[${j}].resources[${k}]`, mentions: `belongs to service \`${other.service}\`` };
    },
  },
  {
    name: "name an action of another service",
    apply(m, g) {
      const grants = exactGrants(m, () => true);
      const [i, j] = grants.length > 0 ? one(g, grants) : [insertTool(m, g, { name: "mutant_tool", description: "Reads.", access: "read", aws: [{ service: "sqs", actions: ["sqs:GetQueueUrl"], resources: [KINDS[4]!.arn("orders")] }] }), 0];
      const gr = m.tools[i].aws[j];
      const other = one(g, KINDS.filter((k) => k.service !== gr.service));
      gr.actions.push(other.read[0]);
      return { path: `tools[${i}].aws[${j}].actions[${gr.actions.length - 1}]`, mentions: `belongs to service \`${other.service}\`` };
    },
  },
  {
    name: "misspell an action",
    apply(m, g) {
      const grants = exactGrants(m, (t) => t.allowWildcard === undefined);
      const [i, j] = grants.length > 0 ? one(g, grants) : [insertTool(m, g, { name: "mutant_tool", description: "Reads.", access: "read", aws: [{ service: "sqs", actions: ["sqs:GetQueueUrl"], resources: [KINDS[4]!.arn("orders")] }] }), 0];
      const gr = m.tools[i].aws[j];
      const k = int(g, 0, gr.actions.length - 1);
      gr.actions[k] = `${gr.actions[k]}${one(g, ["s", "Zz", "All"])}`;
      return { path: `tools[${i}].aws[${j}].actions[${k}]`, mentions: `is not an action of ${gr.service}` };
    },
  },
  {
    name: "reference an undeclared secret",
    apply(m, g) {
      if (chance(g, 25) && m.agent.model.provider === "anthropic") {
        m.agent.model.secret = "claude-key";
        return { path: "agent.model.secret", mentions: "`claude-key`, which is not declared" };
      }
      const i = int(g, 0, m.tools.length - 1);
      m.tools[i].secrets = [...(m.tools[i].secrets ?? []), "undeclared-token"];
      return { path: `tools[${i}].secrets[${m.tools[i].secrets.length - 1}]`, mentions: "`undeclared-token`, which is not declared" };
    },
  },
  {
    name: "make a tool outward without an action type",
    apply(m, g) {
      const writers = toolsWhere(m, (t) => t.access === "write" && !t.sandbox);
      const i = writers.length > 0 ? one(g, writers) : insertTool(m, g, { name: "mutant_tool", description: "Posts a status.", access: "write" });
      m.tools[i].outward = true;
      delete m.tools[i].actionType;
      return { path: `tools[${i}].actionType`, mentions: "is required for an outward tool" };
    },
  },
  {
    name: "make a read tool outward",
    apply(m, g) {
      const readers = toolsWhere(m, (t) => t.access === "read" && !t.sandbox);
      const i = readers.length > 0 ? one(g, readers) : insertTool(m, g, { name: "mutant_tool", description: "Reads a feed.", access: "read" });
      m.tools[i].outward = true;
      return { path: `tools[${i}].access`, mentions: "cannot be `read`" };
    },
  },
  {
    name: "give an action type no risk line",
    apply(m, g) {
      const i = int(g, 0, m.tools.length - 1);
      m.tools[i].actionType = "vendor.payout";
      return { path: `tools[${i}].actionType`, mentions: "has no risk line" };
    },
  },
  {
    name: "duplicate a tool name",
    apply(m, g) {
      if (m.tools.length < 2) m.tools.push(structuredClone(m.tools[0]));
      const b = int(g, 1, m.tools.length - 1);
      const a = int(g, 0, b - 1);
      m.tools[b].name = m.tools[a].name;
      return { path: `tools[${b}].name`, mentions: `duplicate tool \`${m.tools[a].name}\`` };
    },
  },
  {
    name: "write a credential literal into a string field",
    apply(m, g) {
      const key = fakeCredential(g);
      const i = int(g, 0, m.tools.length - 1);
      const place = one(g, ["agent.description", "tool.description", "environment", "owner"] as const);
      const text = one(g, [key, `use ${key} for the partner API`, `token=${key}`]);
      if (place === "agent.description") {
        m.agent.description = text;
        return { path: "agent.description", mentions: "looks like a literal credential" };
      }
      if (place === "owner") {
        m.agent.owner = text;
        return { path: "agent.owner", mentions: "looks like a literal credential" };
      }
      if (place === "tool.description") {
        m.tools[i].description = text;
        return { path: `tools[${i}].description`, mentions: "looks like a literal credential" };
      }
      m.agent.runtime = { ...m.agent.runtime, environment: { ...m.agent.runtime?.environment, PARTNER_KEY: text } };
      return { path: "agent.runtime.environment.PARTNER_KEY", mentions: "looks like a literal credential" };
    },
  },
  {
    name: "pin the image by tag",
    apply(m, g) {
      m.agent.image = { digest: `${ECR}/agent:${one(g, ["latest", "v2", "2026-11-25"])}` };
      return { path: "agent.image.digest", mentions: "tags move" };
    },
  },
  {
    name: "call a host with no range",
    apply(m, g) {
      const callers = toolsWhere(m, (t) => !t.sandbox);
      const i = callers.length > 0 ? one(g, callers) : insertTool(m, g, { name: "mutant_tool", description: "Calls a vendor.", access: "read" });
      m.tools[i].hosts = [...(m.tools[i].hosts ?? []), "api.unlisted-vendor.example.net"];
      return { path: `tools[${i}].hosts[${m.tools[i].hosts.length - 1}]`, mentions: "has no address range" };
    },
  },
  {
    name: "give a read tool GitHub write permission",
    apply(m, g) {
      const i = insertTool(m, g, { name: "mutant_tool", description: "Reads the handbook.", access: "read", github: [{ repository: "acme/handbook", permissions: { metadata: "read", contents: "write" } }] });
      m.egress = { ...m.egress, ranges: { ...m.egress?.ranges, "api.github.com": ["140.82.112.0/20"] } };
      return { path: `tools[${i}].github[0].permissions.contents`, mentions: "the tool is declared read" };
    },
  },
  {
    name: "let a sandboxed tool call a host",
    apply(m, g) {
      const boxed = toolsWhere(m, (t) => t.sandbox === true);
      const i = boxed.length > 0 ? one(g, boxed) : insertTool(m, g, { name: "mutant_tool", description: "Runs code.", access: "write", sandbox: true });
      m.sandbox ??= { image: `${ECR}/sandbox@sha256:${"c".repeat(64)}` };
      m.tools[i].hosts = ["api.crm.example.com"];
      return { path: `tools[${i}].hosts`, mentions: "no egress" };
    },
  },
  {
    name: "write a bad CIDR",
    apply(m, g) {
      const bad = one(g, ["10.0.0.300/24", "not-a-cidr", "0.0.0.0/0", "10.0.0.0", "2001:db8::/200"]);
      const hosts = Object.keys(m.egress?.ranges ?? {});
      const host = hosts.length > 0 ? one(g, hosts) : "unused.example.com";
      m.egress ??= {};
      m.egress.ranges ??= {};
      m.egress.ranges[host] = [bad, ...(m.egress.ranges[host] ?? [])];
      return { path: formatPath(["egress", "ranges", host, 0]), mentions: `"${bad}"` };
    },
  },
  {
    name: "run as root",
    apply(m, g) {
      m.agent.runtime = { ...m.agent.runtime, user: one(g, ["0:0", "root", "0"]) };
      return { path: "agent.runtime.user", mentions: "non-root" };
    },
  },
  {
    name: "list no tools",
    apply(m) {
      m.tools = [];
      return { path: "tools", mentions: "list every tool" };
    },
  },
  {
    name: "declare a pulumi-config secret without its key",
    apply(m) {
      m.secrets = [...(m.secrets ?? []), { name: "config-token", source: "pulumi-config" }];
      return { path: `secrets[${m.secrets.length - 1}].configKey`, mentions: "is required when `source` is `pulumi-config`" };
    },
  },
  {
    name: "give a secret an empty rotation",
    apply(m) {
      m.secrets = [...(m.secrets ?? []), { name: "stale-token", source: "out-of-band", rotation: {} }];
      return { path: `secrets[${m.secrets.length - 1}].rotation`, mentions: "`maxAgeDays`" };
    },
  },
  {
    name: "mismatch the model provider and its secret",
    apply(m) {
      if (m.agent.model.provider === "anthropic") {
        delete m.agent.model.secret;
        return { path: "agent.model.secret", mentions: "is required for the `anthropic` provider" };
      }
      m.agent.model.secret = "bedrock-key";
      m.secrets = [...(m.secrets ?? []), { name: "bedrock-key", source: "out-of-band", rotation: { maxAgeDays: 30 } }];
      return { path: "agent.model.secret", mentions: "Bedrock authenticates with the task role" };
    },
  },
];

/** Mutations whose problem path is wrong today (see the todo tests): kept out of the main property. */
const MONEY_AUTO: Mutation = {
  name: "let a money or mass-communication line be auto",
  apply(m, g) {
    const classed = Object.entries(m.riskLines ?? {}).filter(([, l]) => typeof l === "object" && (l as Json).class !== undefined);
    let type: string;
    if (classed.length > 0) {
      type = one(g, classed)[0];
    } else {
      type = "payout.send";
      m.riskLines = { ...m.riskLines, [type]: { tier: "approve", class: one(g, ["money", "mass-communication"]) } };
    }
    m.riskLines[type].tier = "auto";
    return { path: formatPath(["riskLines", type, "tier"]), mentions: "can never be `auto`" };
  },
};

function invalidManifest(mutations: readonly Mutation[]): fc.Arbitrary<{ manifest: Json; mutation: string; expected: Expected }> {
  return fc.tuple(validManifest, fc.constantFrom(...mutations), fc.gen()).map(([valid, mutation, g]) => {
    const manifest = structuredClone(valid);
    const expected = mutation.apply(manifest, g);
    return { manifest, mutation: mutation.name, expected };
  });
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/** Parses a problem path (`tools[2].aws[0]`, `egress.ranges["api.x.com"][1]`) into keys; undefined if malformed. */
export function parsePath(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const re = /^(?:(^[A-Za-z_][A-Za-z0-9_-]*)|\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;
  let rest = path;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (m === null || (m[1] !== undefined && out.length > 0)) return undefined;
    out.push(m[1] ?? m[2] ?? (m[3] !== undefined ? Number(m[3]) : (JSON.parse(m[4]!) as string)));
    rest = rest.slice(m[0].length);
  }
  return out;
}

const MISSING = Symbol("missing");

function valueAt(root: Json, path: readonly (string | number)[]): Json {
  let v: Json = root;
  for (const key of path) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, key)) return MISSING;
    v = v[key];
  }
  return v;
}

function parentOf(root: Json, path: readonly (string | number)[]): Json {
  return path.length === 1 ? root : valueAt(root, path.slice(0, -1));
}

/** Whether a problem's path points into `input`: the field exists, or (a missing field) its parent does. */
function pointsInto(input: Json, problem: ManifestProblem): string | undefined {
  if (problem.path === "") {
    return problem.message.startsWith("unknown field") ? undefined : `a problem at the root that is not about an unknown key: ${problem.message}`;
  }
  const keys = parsePath(problem.path);
  if (keys === undefined) return `path "${problem.path}" is not in the a.b[0]["c.d"] form`;
  if (valueAt(input, keys) !== MISSING) return undefined;
  if (valueAt(input, keys.slice(0, -1)) !== MISSING) return undefined;
  return `path "${problem.path}" is not in the input, nor is its parent`;
}

async function rejection(manifest: Json): Promise<ManifestError> {
  try {
    await compile(manifest);
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw new Error(`compile threw ${String(e)} instead of a ManifestError`);
  }
  throw new Error("compile accepted the manifest");
}

async function assertRejected(manifest: Json, expected: Expected, mutation: string): Promise<void> {
  const e = await rejection(manifest).catch((err: Error) => assert.fail(`${mutation}: ${err.message}`));
  assert.ok(e.problems.length > 0, `${mutation}: a ManifestError with no problems`);
  for (const p of e.problems) {
    assert.ok(p.message.trim().length > 0, `${mutation}: empty message at ${p.path}`);
    const wrong = pointsInto(manifest, p);
    assert.equal(wrong, undefined, `${mutation}: ${wrong}`);
  }
  const hit = e.problems.find((p) => p.path === expected.path && (expected.mentions === undefined || p.message.includes(expected.mentions)));
  assert.ok(hit, `${mutation}: expected a problem at ${expected.path}${expected.mentions ? ` mentioning ${expected.mentions}` : ""}; got ${JSON.stringify(e.problems, null, 1)}`);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** Systems the permission map must hold for a tool, from the manifest alone. */
function expectedSystems(t: Json): string[] {
  const out = new Set<string>();
  for (const gr of t.aws ?? []) out.add(`aws:${gr.service}`);
  for (const gh of t.github ?? []) out.add(`github:${gh.repository}`);
  for (const h of t.hosts ?? []) out.add(`https:${h}`);
  if ((t.github ?? []).length > 0) out.add("https:api.github.com");
  for (const s of t.secrets ?? []) out.add(`secret:${s}`);
  if (t.sandbox) out.add("sandbox");
  return [...out].sort();
}

function reverseKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.keys(v).reverse().map((k) => [k, reverseKeys(v[k])]));
}

describe("manifest properties: valid manifests", () => {
  it("compile to exact actions that exist in IAM, on no wildcard unless a tool allows one", async () => {
    await fc.assert(
      fc.asyncProperty(validManifest, async (m) => {
        const model = await compile(m);
        const allowsWildcard = m.tools.some((t: Json) => t.allowWildcard !== undefined);
        for (const st of model.taskRoleStatements) {
          for (const a of st.Action) {
            const facts = await actionFacts(a);
            assert.ok(facts, `${st.Sid}: ${a} is not in the IAM dataset`);
            assert.equal(facts.action, a, `${st.Sid}: ${a} is spelled ${facts.action} in IAM`);
            if (!allowsWildcard) assert.ok(!a.includes("*"), `${st.Sid}: wildcard action ${a} with no allowWildcard`);
          }
          if (!allowsWildcard) for (const r of st.Resource) assert.ok(!r.includes("*"), `${st.Sid}: wildcard resource ${r} with no allowWildcard`);
        }
        // Per tool: only a tool that declares allowWildcard holds a wildcard, and it says why.
        for (const p of model.permissions) {
          const declared = m.tools.find((t: Json) => t.name === p.tool);
          const wild = [...p.actions, ...p.resources].some((x) => x.includes("*"));
          if (wild) {
            assert.ok(declared.allowWildcard, `tool ${p.tool} holds a wildcard in ${p.system} without allowWildcard`);
            assert.equal(p.wildcardReason, declared.allowWildcard.reason);
          }
        }
      }),
      params(RUNS),
    );
  });

  it("map every tool to exactly the systems it declares, and keep read tools at Read/List", async () => {
    await fc.assert(
      fc.asyncProperty(validManifest, async (m) => {
        const model = await compile(m);
        for (const t of m.tools) {
          // One row per statement, so a system can have several rows.
          const systems = uniq(model.permissions.filter((p) => p.tool === t.name).map((p) => p.system)).sort();
          assert.deepEqual(systems, expectedSystems(t), `permission map of tool ${t.name}`);
          if (t.access !== "read") continue;
          for (const p of model.permissions.filter((x) => x.tool === t.name && x.system.startsWith("aws:"))) {
            assert.equal(p.access, "read", `read tool ${t.name} has ${p.system} entry of access ${p.access}`);
            for (const a of p.actions) {
              const facts = await actionFacts(a);
              assert.ok(facts && isReadLevel(facts.accessLevel), `read tool ${t.name} holds ${a} (${facts?.accessLevel})`);
            }
          }
        }
        const summary = new Map(model.tools.map((t) => [t.name, t]));
        assert.deepEqual([...summary.keys()].sort(), m.tools.map((t: Json) => t.name).sort());
      }),
      params(RUNS),
    );
  });

  it("hash to the same value for equal input, whatever the key order, and to another when a tool changes", async () => {
    await fc.assert(
      fc.asyncProperty(validManifest, async (m) => {
        const a: AgentModel = await compile(m);
        const b = await compile(structuredClone(m));
        const c = await compile(reverseKeys(m));
        assert.equal(b.hash, a.hash);
        assert.equal(c.hash, a.hash);
        assert.match(a.hash, /^[a-f0-9]{64}$/);
        const changed = structuredClone(m);
        changed.tools[0].description = `${changed.tools[0].description} Now also on weekends.`;
        assert.notEqual((await compile(changed)).hash, a.hash);
      }),
      params(60),
    );
  });
});

describe("manifest properties: invalid manifests", () => {
  it("are rejected with a ManifestError whose every problem has a path into the input and a message", async () => {
    await fc.assert(
      fc.asyncProperty(invalidManifest(MUTATIONS), async ({ manifest, mutation, expected }) => {
        await assertRejected(manifest, expected, mutation);
      }),
      params(200),
    );
  });

  it("path parser reads every form formatPath writes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat({ max: 50 }), fc.constantFrom("tools", "aws", "api.github.com", "billing.refund", "PARTNER_KEY", "a b", 'we"ird')), { minLength: 1, maxLength: 6 }).filter((p) => typeof p[0] === "string"),
        (path) => assert.deepEqual(parsePath(formatPath(path)), path),
      ),
      params(200),
    );
  });

  it("stop a program before its first resource", async () => {
    const { recordProgram, AgentPlatform, AgentDeployment } = await import("@airlock/pulumi");
    const run = async (manifest: Json) => {
      let caught: unknown;
      const rec = await recordProgram({
        project: "airlock-property",
        stack: "test",
        config: { "aws:region": "us-east-1" },
        program: async () => {
          try {
            const model = await compile(manifest);
            const platform = new AgentPlatform("platform", { agents: [model] });
            new AgentDeployment(model.name, { platform, model, evalGate: { disabled: "this test is about manifest validation, not releases" } });
          } catch (e) {
            caught = e;
          }
        },
      });
      return { rec, caught };
    };
    // Control: the same program with a valid manifest does create the platform and the agent.
    const [valid] = fc.sample(validManifest, { numRuns: 1, seed: 42 });
    const control = await run(valid);
    assert.equal(control.caught, undefined, String(control.caught));
    assert.deepEqual(
      control.rec.resources.filter((r) => !r.custom && r.parent === null).map((r) => r.type).sort(),
      ["airlock:agent:AgentDeployment", "airlock:platform:AgentPlatform"],
    );
    for (const { manifest, mutation, expected } of fc.sample(invalidManifest(MUTATIONS), { numRuns: 8, seed: SEED ?? 7 })) {
      const { rec, caught } = await run(manifest);
      assert.ok(caught instanceof ManifestError, `${mutation}: expected a ManifestError, got ${String(caught)}`);
      assert.ok(caught.problems.some((p) => p.path === expected.path), `${mutation}: no problem at ${expected.path}`);
      assert.deepEqual(rec.resources.map((r) => `${r.type} ${r.name}`), [], `${mutation}: resources were registered`);
    }
  });
});

describe("manifest properties: defects found by these properties, fixed", () => {
  it(
    "a money or mass-communication line set to auto is reported at riskLines[\"<type>\"].tier",
    async () => {
      await fc.assert(
        fc.asyncProperty(invalidManifest([MONEY_AUTO]), async ({ manifest, mutation, expected }) => assertRejected(manifest, expected, mutation)),
        { ...params(20), endOnFailure: true },
      );
    },
  );

  it(
    "a read tool with allowWildcard gets only Read/List actions from a wildcard action",
    async () => {
      const m = fc.sample(validManifest, { numRuns: 1, seed: 1 })[0];
      m.tools = [
        {
          name: "read_orders",
          description: "Reads orders.",
          access: "read",
          allowWildcard: { reason: "every item-level read of the orders table" },
          aws: [{ service: "dynamodb", actions: ["dynamodb:*Item"], resources: [KINDS[0]!.arn("orders")] }],
        },
      ];
      delete m.riskLines;
      delete m.sandbox;
      const model = await compile(m).catch((e: Error) => e);
      if (model instanceof Error) return; // rejecting it is also acceptable
      const actions = model.permissions.filter((p) => p.tool === "read_orders").flatMap((p) => p.actions);
      for (const a of actions) assert.ok(isReadLevel((await actionFacts(a))!.accessLevel), `read tool holds ${a}`);
    },
  );
});
