/**
 * The agent manifest (`agent.yaml`): what a team hands over. The schema is the single source of
 * truth for the shape; the semantic checks (IAM access levels, ARNs, cross-references) live in
 * `validate.ts` and `compile.ts`.
 */
import { z } from "zod";

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const TOOL_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const ACTION_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const IMAGE_DIGEST = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/;

export const ACCESS_LEVELS = ["read", "write"] as const;
export const TIERS = ["auto", "approve", "always-approve"] as const;
export const RISK_CLASSES = ["money", "mass-communication"] as const;
export const SECRET_SOURCES = ["generated", "out-of-band", "pulumi-config"] as const;
export const GITHUB_PERMISSIONS = [
  "actions",
  "checks",
  "contents",
  "deployments",
  "issues",
  "metadata",
  "pull_requests",
  "statuses",
] as const;

const reason = z.string().trim().min(10, { message: "give a reason of at least 10 characters that a reviewer can judge" });

export const AwsGrantSchema = z
  .strictObject({
    /** IAM service prefix, e.g. `dynamodb`. */
    service: z.string().regex(/^[a-z0-9-]+$/, { message: "must be an IAM service prefix such as `dynamodb` or `s3`" }),
    /** Exact actions, e.g. `dynamodb:GetItem`. Exclusive with `access`. */
    actions: z.array(z.string()).min(1).optional(),
    /** An access level that Airlock expands to the service's actions of that level on these resources. */
    access: z.enum(ACCESS_LEVELS).optional(),
    /** Exact resource ARNs. */
    resources: z.array(z.string()).min(1, { message: "list at least one exact resource ARN" }),
  })
  .superRefine((g, ctx) => {
    if ((g.actions === undefined) === (g.access === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "give either `actions` (exact IAM actions) or `access` (`read` or `write`), not both or neither",
      });
    }
  });

export const GithubGrantSchema = z.strictObject({
  /** `owner/name` of the one repository the tool reads or writes. */
  repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, { message: "must be `owner/name` of one repository" }),
  /** Fine-grained permissions, each `read` or `write`. */
  permissions: z.partialRecord(z.enum(GITHUB_PERMISSIONS), z.enum(ACCESS_LEVELS)),
});

export const ToolSchema = z.strictObject({
  name: z.string().regex(TOOL_NAME, { message: "must be snake_case: a lowercase letter, then letters, digits or `_`" }),
  description: z.string().trim().min(1, { message: "say what the tool does; reviewers read it in the permission map" }),
  /** What the tool is declared to do: `read` tools may only hold read and list actions. */
  access: z.enum(ACCESS_LEVELS),
  /** Whether the tool acts outside the organisation (email, posts, purchases, customer-visible writes). */
  outward: z.boolean().default(false),
  /** Action type looked up in `riskLines`; required for outward tools. */
  actionType: z.string().regex(ACTION_TYPE, { message: "must be a dotted lowercase name such as `customer.reply`" }).optional(),
  /** Code-executing tool: runs in the sandbox task with no egress and no AWS access. */
  sandbox: z.boolean().default(false),
  aws: z.array(AwsGrantSchema).default([]),
  github: z.array(GithubGrantSchema).default([]),
  /** External hosts the tool calls (DNS names). */
  hosts: z.array(z.string().regex(HOST, { message: "must be a lowercase DNS name such as `api.example.com`" })).default([]),
  /** Names of entries in `secrets` that the tool needs at run time. */
  secrets: z.array(z.string()).default([]),
  /** Allows `*` in this tool's IAM actions or resources; the reason shows in the plan and the permission map. */
  allowWildcard: z.strictObject({ reason }).optional(),
});

const RotationSchema = z
  .strictObject({
    /** Rotate every N days (built-in Lambda for generated secrets, `lambdaArn` for others). */
    days: z.number().int().min(1).max(365).optional(),
    /** Bring-your-own rotation Lambda for secrets Airlock does not generate. */
    lambdaArn: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+$/, { message: "must be a Lambda function ARN" }).optional(),
    /** For keys that cannot rotate automatically: alarm when the value is older than this. */
    maxAgeDays: z.number().int().min(1).max(730).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.days === undefined && r.maxAgeDays === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "set `days` (automatic rotation) or `maxAgeDays` (an alarm for keys rotated by hand)" });
    }
    if (r.lambdaArn !== undefined && r.days === undefined) {
      ctx.addIssue({ code: "custom", path: ["days"], message: "a rotation Lambda needs a schedule; set `days`" });
    }
  });

export const SecretSchema = z.strictObject({
  name: z.string().regex(NAME, { message: "must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters" }),
  description: z.string().optional(),
  /** Where the value comes from. */
  source: z.enum(SECRET_SOURCES),
  /** Environment variable the runtime sees; defaults to the name in SCREAMING_SNAKE_CASE. */
  env: z.string().regex(ENV_NAME, { message: "must be SCREAMING_SNAKE_CASE" }).optional(),
  /** For `pulumi-config`: the secret config key to read. */
  configKey: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/).optional(),
  /** For `generated`: length of the random value. */
  length: z.number().int().min(16).max(4096).optional(),
  rotation: RotationSchema.optional(),
});

const RiskLineSchema = z.union([
  z.enum(TIERS),
  z.strictObject({
    tier: z.enum(TIERS),
    /** Money and mass communication never widen to `auto` on their own. */
    class: z.enum(RISK_CLASSES).optional(),
    description: z.string().optional(),
  }),
]);

export const ManifestSchema = z.strictObject({
  apiVersion: z.literal("airlock/v1", { message: "must be `airlock/v1`" }),
  agent: z.strictObject({
    name: z.string().regex(NAME, { message: "must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters" }),
    owner: z.string().trim().min(1, { message: "name the team or person accountable for the agent" }),
    description: z.string().optional(),
    image: z.union([
      z.strictObject({
        /** `registry/repo@sha256:<digest>`; tags are not accepted because they move. */
        digest: z.string().regex(IMAGE_DIGEST, { message: "must be `registry/repository@sha256:<64 hex>`; tags move, digests do not" }),
      }),
      z.strictObject({
        /** Build context directory, relative to the manifest. */
        build: z.strictObject({ context: z.string().min(1), dockerfile: z.string().optional(), platform: z.enum(["linux/amd64", "linux/arm64"]).optional() }),
      }),
    ], { message: "give `image.digest` (a pushed image by digest) or `image.build.context` (a directory to build)" }),
    model: z.strictObject({
      provider: z.enum(["anthropic", "bedrock"]),
      id: z.string().min(1),
      /** Name of the entry in `secrets` holding the provider key (Anthropic). */
      secret: z.string().optional(),
    }),
    /** Path of the system prompt, relative to the manifest; hashed into each release. */
    prompt: z.string().optional(),
    runtime: z
      .strictObject({
        cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).default(512),
        memory: z.number().int().min(512).max(30720).default(1024),
        architecture: z.enum(["X86_64", "ARM64"]).default("ARM64"),
        /** uid:gid the container runs as; never root. */
        user: z.string().regex(/^[1-9][0-9]{2,}:[1-9][0-9]{2,}$/, { message: "must be a non-root `uid:gid` such as `10001:10001`" }).default("10001:10001"),
        command: z.array(z.string()).optional(),
        /** Plain, non-secret environment; credential-looking values are rejected. */
        environment: z.record(z.string().regex(ENV_NAME, { message: "must be SCREAMING_SNAKE_CASE" }), z.string()).default({}),
        desiredCount: z.number().int().min(0).max(100).default(1),
      })
      .default({ cpu: 512, memory: 1024, architecture: "ARM64", user: "10001:10001", environment: {}, desiredCount: 1 }),
  }),
  tools: z.array(ToolSchema).min(1, { message: "list every tool the agent can call; an agent with no tools needs no Airlock" }),
  riskLines: z.record(z.string().regex(ACTION_TYPE, { message: "action types are dotted lowercase names such as `customer.reply`" }), RiskLineSchema).default({}),
  secrets: z.array(SecretSchema).default([]),
  egress: z
    .strictObject({
      /** Extra hosts beyond those the tools list. */
      hosts: z.array(z.string().regex(HOST, { message: "must be a lowercase DNS name such as `api.example.com`" })).default([]),
      /** Published address ranges per host, for the security group. */
      ranges: z.record(z.string().regex(HOST, { message: "keys are DNS names" }), z.array(z.string()).min(1)).default({}),
      /** Opt-out: allow 443 to any address and rely on the DNS firewall alone. Shows in the plan. */
      anyIpOn443: z.strictObject({ reason }).optional(),
    })
    .default({ hosts: [], ranges: {} }),
  /** Sandbox task for code-executing tools. */
  sandbox: z
    .strictObject({
      image: z.string().regex(IMAGE_DIGEST, { message: "must be `registry/repository@sha256:<64 hex>`" }).optional(),
      cpu: z.number().int().default(256),
      memory: z.number().int().default(512),
    })
    .optional(),
});

/** The manifest as written (before defaults). */
export type ManifestInput = z.input<typeof ManifestSchema>;
/** The manifest after validation and defaults. */
export type Manifest = z.output<typeof ManifestSchema>;
export type ToolSpec = Manifest["tools"][number];
export type SecretSpec = Manifest["secrets"][number];
export type AwsGrant = ToolSpec["aws"][number];
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export type Tier = (typeof TIERS)[number];
export type RiskClass = (typeof RISK_CLASSES)[number];
