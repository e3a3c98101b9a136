/**
 * The agent manifest (`agent.yaml`): what a team hands over. Published as the subpath
 * `@airlock/core/manifest-schema` (manifest-schema.ts says why not from the main entry). The
 * schema is the single source of truth for the shape; the semantic checks (IAM access levels, ARNs, cross-references) live in
 * `validate.ts` and `compile.ts`.
 *
 * Every field carries a `.describe(...)` text: it becomes the field's `description` in the JSON
 * Schema (`json-schema.ts`, `schema/agent.schema.json`), which editors show as the tooltip. Write
 * them for the person editing `agent.yaml`: meaning, default, allowed values, an example.
 */
import { z } from "zod";
import { ACCESS_LEVELS, GITHUB_PERMISSIONS, RISK_CLASSES, SECRET_SOURCES, TIERS } from "./vocabulary.ts";

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const TOOL_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const ACTION_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const IMAGE_DIGEST = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/;

export { ACCESS_LEVELS, GITHUB_PERMISSIONS, RISK_CLASSES, SECRET_SOURCES, TIERS };
export type { AccessLevel, RiskClass, SecretSource, Tier } from "./vocabulary.ts";

const reason = z.string().trim().min(10, { message: "give a reason of at least 10 characters that a reviewer can judge" });
const REASON_TEXT = "at least 10 characters, not counting white space around it, that a reviewer can judge";

const HOST_TEXT = "a lowercase DNS name, optionally starting with `*.`, e.g. `api.example.com`";
const TIER_TEXT =
  "`auto` (calls run without a person), `approve` (each call of an outward tool waits for an approver) or `always-approve` (waits for an approver, and the autonomy report never proposes widening it to `auto`)";

export const AwsGrantSchema = z
  .strictObject({
    /** IAM service prefix, e.g. `dynamodb`. */
    service: z
      .string()
      .regex(/^[a-z0-9-]+$/, { message: "must be an IAM service prefix such as `dynamodb` or `s3`" })
      .describe("IAM service prefix (lowercase letters, digits, `-`), e.g. `dynamodb`, `s3`, `ses`. The agent reaches the service through a VPC endpoint."),
    /** Exact actions, e.g. `dynamodb:GetItem`. Exclusive with `access`. */
    actions: z
      .array(z.string().describe("An IAM action of this service, e.g. `dynamodb:GetItem`."))
      .min(1)
      .optional()
      .describe(
        "Exact IAM actions, at least one, e.g. `[dynamodb:GetItem, dynamodb:Query]`. Each must exist and act on the listed resources; a `read` tool may hold only read and list actions; `*` needs `allowWildcard`. Give either `actions` or `access`, not both.",
      ),
    /** An access level that Airlock expands to the service's actions of that level on these resources. */
    access: z
      .enum(ACCESS_LEVELS)
      .optional()
      .describe("An access level, `read` or `write`, that Airlock expands to the service's actions of that level on these resources. Give either `access` or `actions`, not both."),
    /** Exact resource ARNs. */
    resources: z
      .array(z.string().describe("A resource ARN, e.g. `arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets`."))
      .min(1, { message: "list at least one exact resource ARN" })
      .describe("Exact resource ARNs, at least one; each must be a resource the actions act on. `*` needs `allowWildcard`."),
  })
  .superRefine((g, ctx) => {
    if ((g.actions === undefined) === (g.access === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "give either `actions` (exact IAM actions) or `access` (`read` or `write`), not both or neither",
      });
    }
  })
  .describe("One AWS grant in the task role: a service, either exact `actions` or an `access` level, and the exact resources.");

export const GithubGrantSchema = z
  .strictObject({
    /** `owner/name` of the one repository the tool reads or writes. */
    repository: z
      .string()
      .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, { message: "must be `owner/name` of one repository" })
      .describe("`owner/name` of the one repository the tool reads or writes, e.g. `acme/support-kb`."),
    /** Fine-grained permissions, each `read` or `write`. */
    permissions: z
      .partialRecord(
        z.enum(GITHUB_PERMISSIONS).describe(`A GitHub fine-grained permission: ${GITHUB_PERMISSIONS.map((p) => `\`${p}\``).join(", ")}.`),
        z.enum(ACCESS_LEVELS).describe("`read` or `write`."),
      )
      .describe(
        `Fine-grained permissions on the repository, at least one, each \`read\` or \`write\` (a \`read\` tool may hold only \`read\`); e.g. \`{ contents: read, metadata: read }\`. Permissions: ${GITHUB_PERMISSIONS.map((p) => `\`${p}\``).join(", ")}.`,
      ),
  })
  .describe("One GitHub repository and the permissions the tool has on it.");

export const ToolSchema = z
  .strictObject({
    name: z
      .string()
      .regex(TOOL_NAME, { message: "must be snake_case: a lowercase letter, then letters, digits or `_`" })
      .describe("The tool's name as the agent calls it, unique among the tools: snake_case, a lowercase letter then lowercase letters, digits or `_`, at most 63 characters, e.g. `read_ticket`."),
    description: z
      .string()
      .trim()
      .min(1, { message: "say what the tool does; reviewers read it in the permission map" })
      .describe("What the tool does, in a sentence; reviewers read it in the permission map. Must not be blank."),
    /** What the tool is declared to do: `read` tools may only hold read and list actions. */
    access: z
      .enum(ACCESS_LEVELS)
      .describe("What the tool is declared to do: `read` (only read and list actions, only `read` GitHub permissions) or `write`. An outward tool must be `write`."),
    /** Whether the tool acts outside the organisation (email, posts, purchases, customer-visible writes). */
    outward: z
      .boolean()
      .default(false)
      .describe("Whether the tool acts outside the organisation (email, posts, purchases, customer-visible writes). An outward tool needs `actionType` and `access: write`. Default: `false`."),
    /** Action type looked up in `riskLines`; required for outward tools. */
    actionType: z
      .string()
      .regex(ACTION_TYPE, { message: "must be a dotted lowercase name such as `customer.reply`" })
      .optional()
      .describe("The action type the tool performs, a dotted lowercase name such as `customer.reply`; its entry in `riskLines` decides whether calls wait for a person. Required for outward tools, and it must have a risk line."),
    /** Code-executing tool: runs in the sandbox task with no egress and no AWS access. */
    sandbox: z
      .boolean()
      .default(false)
      .describe("A code-executing tool: it runs in the sandbox task, with no egress and no AWS access, so it may have no `aws`, `github`, `hosts` or `secrets` and cannot be outward. Needs the top-level `sandbox`. Default: `false`."),
    aws: z.array(AwsGrantSchema).default([]).describe("AWS access for this tool: exact actions on exact resources, granted in the agent's task role. Default: none."),
    github: z
      .array(GithubGrantSchema)
      .default([])
      .describe("GitHub access for this tool, one repository per entry. Allows egress to `api.github.com`; the scopes show in the permission map and reach the agent as `AIRLOCK_GITHUB_SCOPE`. Default: none."),
    /** External hosts the tool calls (DNS names). */
    hosts: z
      .array(z.string().regex(HOST, { message: "must be a lowercase DNS name such as `api.example.com`" }).describe(`A host the tool calls: ${HOST_TEXT}.`))
      .default([])
      .describe(
        "External hosts the tool calls on 443. Each is allowed through the DNS firewall and needs its address ranges (known to Airlock, or listed under `egress.ranges`) unless `egress.anyIpOn443` is set. Default: none.",
      ),
    /** Names of entries in `secrets` that the tool needs at run time. */
    secrets: z
      .array(z.string().describe("The `name` of an entry in `secrets`."))
      .default([])
      .describe("Names of entries in `secrets` that the tool needs at run time; each must be declared. Default: none."),
    /** Allows `*` in this tool's IAM actions or resources; the reason shows in the plan and the permission map. */
    allowWildcard: z
      .strictObject({ reason: reason.describe(`Why this tool needs a wildcard: ${REASON_TEXT}.`) })
      .optional()
      .describe("Allows `*` in this tool's IAM actions or resources; the reason shows in the plan and the permission map. Without it, wildcards are refused."),
  })
  .describe("One tool the agent can call: what it does, what it is declared to do, and every system it touches.");

const RotationSchema = z
  .strictObject({
    /** Rotate every N days (built-in Lambda for generated secrets, `lambdaArn` for others). */
    days: z
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe("Rotate every N days, 1 to 365: by Airlock's built-in Lambda for `generated` secrets, by `lambdaArn` for the others."),
    /** Bring-your-own rotation Lambda for secrets Airlock does not generate. */
    lambdaArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+$/, { message: "must be a Lambda function ARN" })
      .optional()
      .describe("Your rotation Lambda's function ARN, for a secret Airlock does not generate (not for `generated`); needs `days`. E.g. `arn:aws:lambda:us-east-1:123456789012:function:rotate-vendor-key`."),
    /** For keys that cannot rotate automatically: alarm when the value is older than this. */
    maxAgeDays: z
      .number()
      .int()
      .min(1)
      .max(730)
      .optional()
      .describe("For keys that cannot rotate automatically: alarm when the value is older than this many days, 1 to 730."),
  })
  .superRefine((r, ctx) => {
    if (r.days === undefined && r.maxAgeDays === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "set `days` (automatic rotation) or `maxAgeDays` (an alarm for keys rotated by hand)" });
    }
    if (r.lambdaArn !== undefined && r.days === undefined) {
      ctx.addIssue({ code: "custom", path: ["days"], message: "a rotation Lambda needs a schedule; set `days`" });
    }
  })
  .describe(
    "How the value stays fresh: `days` (automatic rotation) or `maxAgeDays` (an age alarm for keys rotated by hand); `lambdaArn` needs `days`. Default: `generated` secrets rotate every 30 days; the others alarm at 90 days old.",
  );

export const SecretSchema = z
  .strictObject({
    name: z
      .string()
      .regex(NAME, { message: "must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters" })
      .describe("The secret's name, unique among the secrets: kebab-case, 2 to 32 characters, e.g. `billing-api-token`. Tools and `agent.model.secret` refer to it by this name."),
    description: z.string().optional().describe("What the secret is and who provides it; the Secrets Manager secret's description. Default: `<agent>: <name> (<source>)`."),
    /** Where the value comes from. */
    source: z
      .enum(SECRET_SOURCES)
      .describe(
        "Where the value comes from: `generated` (a random value Airlock creates and rotates), `out-of-band` (created empty; an operator puts the value, e.g. a vendor's API key) or `pulumi-config` (the stack's secret config key `configKey`).",
      ),
    /** Environment variable the runtime sees; defaults to the name in SCREAMING_SNAKE_CASE. */
    env: z
      .string()
      .regex(ENV_NAME, { message: "must be SCREAMING_SNAKE_CASE" })
      .optional()
      .describe("Environment variable the agent's container sees the value as, SCREAMING_SNAKE_CASE. Default: the name in SCREAMING_SNAKE_CASE (`billing-api-token` → `BILLING_API_TOKEN`)."),
    /** For `pulumi-config`: the secret config key to read. */
    configKey: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]*$/)
      .optional()
      .describe("For `source: pulumi-config` (required there, refused otherwise): the secret config key to read, set with `pulumi config set --secret <key>`."),
    /** For `generated`: length of the random value. */
    length: z.number().int().min(16).max(4096).optional().describe("For `source: generated` only: length of the random value, 16 to 4096 characters. Default: 48."),
    rotation: RotationSchema.optional(),
  })
  .describe("One secret, kept in Secrets Manager (readable only by this agent) and given to the container as an environment variable.");

const RiskLineSchema = z
  .union([
    z.enum(TIERS).describe(`The tier: ${TIER_TEXT}.`),
    z
      .strictObject({
        tier: z.enum(TIERS).describe(`The tier: ${TIER_TEXT}. A risk \`class\` cannot be \`auto\`.`),
        /** Money and mass communication never widen to `auto` on their own. */
        class: z
          .enum(RISK_CLASSES)
          .optional()
          .describe("Risk class: `money` or `mass-communication`. Such actions can never be `auto`, and the autonomy report never proposes widening them."),
        description: z.string().optional().describe("What the action type covers, for reviewers and approvers, e.g. `Any email a customer will read.`"),
      })
      .describe("A risk line with its tier, an optional risk class and a description."),
  ])
  .describe("The action type's risk line: a tier (`auto`, `approve`, `always-approve`), or `{ tier, class, description }`.");

export const ManifestSchema = z
  .strictObject({
    apiVersion: z.literal("airlock/v1", { message: "must be `airlock/v1`" }).describe("The manifest format version: `airlock/v1`."),
    agent: z
      .strictObject({
        name: z
          .string()
          .regex(NAME, { message: "must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters" })
          .describe("The agent's name, in every resource name and the `airlock:agent` tag: kebab-case (a lowercase letter, then lowercase letters, digits or `-`, not ending in `-`), 2 to 32 characters, e.g. `support-agent`."),
        owner: z
          .string()
          .trim()
          .min(1, { message: "name the team or person accountable for the agent" })
          .describe("The team or person accountable for the agent, e.g. `support-platform@example.com`; the `airlock:owner` tag and the runbook show it. Must not be blank."),
        description: z.string().optional().describe("What the agent does, in a sentence; the runbook shows it."),
        image: z
          .union(
            [
              z
                .strictObject({
                  /** `registry/repo@sha256:<digest>`; tags are not accepted because they move. */
                  digest: z
                    .string()
                    .regex(IMAGE_DIGEST, { message: "must be `registry/repository@sha256:<64 hex>`; tags move, digests do not" })
                    .describe("`registry/repository@sha256:<64 hex digits>`; tags are not accepted because they move. E.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:4c1a…`."),
                })
                .describe("A pushed image, by digest."),
              z
                .strictObject({
                  /** Build context directory, relative to the manifest. */
                  build: z
                    .strictObject({
                      context: z.string().min(1).describe("The build context directory, relative to the manifest, e.g. `.`."),
                      dockerfile: z
                        .string()
                        .optional()
                        .describe("The Dockerfile, relative to the build context. Default: `Dockerfile`. It must create each scratch path owned by `runtime.user` and declare it a `VOLUME`."),
                      platform: z
                        .enum(["linux/amd64", "linux/arm64"])
                        .optional()
                        .describe("The platform to build for: `linux/amd64` or `linux/arm64`. Default: the one `runtime.architecture` runs (`ARM64` → `linux/arm64`)."),
                    })
                    .describe("The image to build and push to the agent's ECR repository when Pulumi deploys."),
                })
                .describe("An image Airlock builds from a directory."),
            ],
            { message: "give `image.digest` (a pushed image by digest) or `image.build.context` (a directory to build)" },
          )
          .describe("The agent's container image: `digest` (a pushed image by digest) or `build` (a directory Airlock builds)."),
        model: z
          .strictObject({
            provider: z
              .enum(["anthropic", "bedrock"])
              .describe("`anthropic` (the Anthropic API with an API key, named by `secret`) or `bedrock` (Amazon Bedrock, authenticated with the task role)."),
            id: z
              .string()
              .min(1)
              .describe("The model id. For `anthropic`, e.g. `claude-sonnet-4-5`; for `bedrock`, a model id (`anthropic.claude-sonnet-4-5-20250929-v1:0`, resolved to the region's geographic inference profile) or an inference profile id (`us.anthropic.…`)."),
            /** Name of the entry in `secrets` holding the provider key (Anthropic). */
            secret: z
              .string()
              .optional()
              .describe("The name of the entry in `secrets` that holds the API key: required for `anthropic`, refused for `bedrock`."),
          })
          .describe("The model the agent calls."),
        /** Path of the system prompt, relative to the manifest; hashed into each release. */
        prompt: z.string().optional().describe("The system prompt's file, relative to the manifest, e.g. `prompts/system.md`; its content is hashed into each release."),
        runtime: z
          .strictObject({
            cpu: z
              .union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)])
              .default(512)
              .describe("CPU units of the agent's Fargate task (1024 = 1 vCPU): 256, 512, 1024, 2048 or 4096. Default: 512. With `memory`, it must be a Fargate task size."),
            memory: z
              .number()
              .int()
              .min(512)
              .max(30720)
              .default(1024)
              .describe("Memory of the agent's task in MiB, one Fargate runs with `cpu`: for cpu 256, 512, 1024 or 2048; 512: 1024 to 4096; 1024: 2048 to 8192; 2048: 4096 to 16384; 4096: 8192 to 30720, in steps of 1024. Default: 1024."),
            architecture: z.enum(["X86_64", "ARM64"]).default("ARM64").describe("The CPU architecture the task runs on: `ARM64` or `X86_64`. Default: `ARM64`."),
            /** uid:gid the container runs as; never root. */
            user: z
              .string()
              .regex(/^[1-9][0-9]{2,}:[1-9][0-9]{2,}$/, { message: "must be a non-root `uid:gid` such as `10001:10001`" })
              .default("10001:10001")
              .describe("`uid:gid` the container runs as, never root (each at least 100), e.g. `10001:10001`. Default: `10001:10001`."),
            command: z
              .array(z.string().describe("One argument of the command."))
              .optional()
              .describe("The container's command, replacing the image's, as a list, e.g. `[node, main.js]`. Default: the image's."),
            /** Plain, non-secret environment; credential-looking values are rejected. */
            environment: z
              .record(
                z.string().regex(ENV_NAME, { message: "must be SCREAMING_SNAKE_CASE" }).describe("The variable's name, SCREAMING_SNAKE_CASE, e.g. `TICKETS_TABLE`."),
                z.string().describe("The variable's value, a string (quote numbers and booleans)."),
              )
              .default({})
              .describe("Plain, non-secret environment variables of the agent's container. A value that looks like a credential is refused: declare it under `secrets`. Default: none."),
            desiredCount: z
              .number()
              .int()
              .min(0)
              .max(100)
              .default(1)
              .describe("How many agent tasks the service runs, 0 to 100. Default: 1. 0 creates everything but starts no task (the first deploy, before out-of-band secrets have values)."),
          })
          .default({ cpu: 512, memory: 1024, architecture: "ARM64", user: "10001:10001", environment: {}, desiredCount: 1 })
          .describe("The agent's Fargate task. Default: 512 CPU units, 1024 MiB, `ARM64`, user `10001:10001`, no environment, 1 task."),
      })
      .describe("The agent: its name, owner, image, model, prompt and runtime."),
    tools: z
      .array(ToolSchema)
      .min(1, { message: "list every tool the agent can call; an agent with no tools needs no Airlock" })
      .describe("Every tool the agent can call, at least one. Airlock grants each exactly the access it lists here."),
    riskLines: z
      .record(
        z.string().regex(ACTION_TYPE, { message: "action types are dotted lowercase names such as `customer.reply`" }).describe("An action type, a dotted lowercase name such as `customer.reply`."),
        RiskLineSchema,
      )
      .default({})
      .describe(
        "The risk line of each action type that tools name in `actionType`: whether an outward tool's calls run on their own or wait for a person. E.g. `customer.reply: approve`. Default: none.",
      ),
    secrets: z.array(SecretSchema).default([]).describe("The secrets the agent and its tools use: each in Secrets Manager, encrypted, readable only by this agent. Default: none."),
    egress: z
      .strictObject({
        /** Extra hosts beyond those the tools list. */
        hosts: z
          .array(z.string().regex(HOST, { message: "must be a lowercase DNS name such as `api.example.com`" }).describe(`A host: ${HOST_TEXT}.`))
          .default([])
          .describe("Hosts the agent calls beyond those the tools list. Default: none."),
        /** Published address ranges per host, for the security group. */
        ranges: z
          .record(
            z.string().regex(HOST, { message: "keys are DNS names" }).describe(`The host: ${HOST_TEXT}.`),
            z
              .array(z.string().describe("A CIDR block, e.g. `192.0.2.0/24` or `2001:db8::/32`; not the whole internet (`0.0.0.0/0`)."))
              .min(1)
              .describe("The host's published CIDR blocks, IPv4 or IPv6, at least one."),
          )
          .default({})
          .describe(
            "Published address ranges per host, which the security group allows on 443; needed for each host whose ranges Airlock does not know. A host no tool or `egress.hosts` names is not opened; a private range needs a route on the platform. E.g. `api.github.com: [140.82.112.0/20]`. Default: none.",
          ),
        /** Opt-out: allow 443 to any address and rely on the DNS firewall alone. Shows in the plan. */
        anyIpOn443: z
          .strictObject({ reason: reason.describe(`Why the agent needs 443 to any address: ${REASON_TEXT}.`) })
          .optional()
          .describe("Opt-out: allow 443 to any address and rely on the DNS firewall alone. The plan shows it as a warning with the reason."),
      })
      .default({ hosts: [], ranges: {} })
      .describe("Where the agent may connect: only 443 to the allowed hosts, through a fail-closed DNS firewall and a security group. Default: no extra hosts or ranges."),
    /** Sandbox task for code-executing tools. */
    sandbox: z
      .strictObject({
        image: z
          .string()
          .regex(IMAGE_DIGEST, { message: "must be `registry/repository@sha256:<64 hex>`" })
          .optional()
          .describe("The code-execution image by digest, `registry/repository@sha256:<64 hex digits>`. Required."),
        cpu: z.number().int().default(256).describe("CPU units of the sandbox task (1024 = 1 vCPU), e.g. 256, 512, 1024. Default: 256. With `memory`, it must be a Fargate task size."),
        memory: z.number().int().default(512).describe("Memory of the sandbox task in MiB. Default: 512. With `cpu`, it must be a Fargate task size."),
      })
      .optional()
      .describe("The sandbox task for tools with `sandbox: true`: no egress, no AWS access. Required when a tool is sandboxed."),
  })
  .describe(
    "An Airlock agent manifest: the agent, every tool it can call and what each may touch, the risk lines that decide which actions wait for a person, its secrets and its egress.",
  );

/** The manifest as written (before defaults). */
export type ManifestInput = z.input<typeof ManifestSchema>;
/** The manifest after validation and defaults. */
export type Manifest = z.output<typeof ManifestSchema>;
export type ToolSpec = Manifest["tools"][number];
export type SecretSpec = Manifest["secrets"][number];
export type AwsGrant = ToolSpec["aws"][number];
