/**
 * The agent manifest (`agent.yaml`): what a team hands over. Published as the subpath
 * `@airlock/core/manifest-schema` (manifest-schema.ts says why not from the main entry). The
 * schema is the single source of truth for the shape; the semantic checks (IAM access levels, ARNs, cross-references) live in
 * `validate.ts` and `compile.ts`.
 *
 * This file assembles `ManifestSchema` (with the risk lines, egress and sandbox) and declares the
 * types inferred from it; the parts are its siblings: `agent-schema.ts`, `tool-schema.ts`,
 * `secret-schema.ts`, and `formats.ts` (the patterns and texts they share).
 *
 * Every field carries a `.describe(...)` text: it becomes the field's `description` in the JSON
 * Schema (`json-schema.ts`, `schema/agent.schema.json`), which editors show as the tooltip. Write
 * them for the person editing `agent.yaml`: meaning, default, allowed values, an example.
 */
import { z } from "zod";
import { AgentSchema } from "./agent-schema.ts";
import { ConditionsSchema } from "./argument-schema.ts";
import { ACTION_TYPE, HOST, HOST_TEXT, IMAGE_DIGEST, REASON_TEXT, TIER_TEXT, reason } from "./formats.ts";
import { SecretSchema } from "./secret-schema.ts";
import { ToolSchema } from "./tool-schema.ts";
import { ACCESS_LEVELS, GITHUB_PERMISSIONS, RISK_CLASSES, SECRET_SOURCES, TIERS } from "./vocabulary.ts";

export { ACCESS_LEVELS, GITHUB_PERMISSIONS, RISK_CLASSES, SECRET_SOURCES, TIERS };
export type { AccessLevel, RiskClass, SecretSource, Tier } from "./vocabulary.ts";
export { AwsGrantSchema, GithubGrantSchema, ToolSchema } from "./tool-schema.ts";
export { SecretSchema } from "./secret-schema.ts";
export { ComparisonSchema, ConditionRuleSchema, ConditionsSchema, ToolInputSchema } from "./argument-schema.ts";

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
        /** Conditions on the arguments of this action type's tools, compiled to Cedar policies. */
        when: ConditionsSchema.optional(),
      })
      .describe("A risk line with its tier, an optional risk class, a description and conditions on the tools' arguments (`when`)."),
  ])
  .describe("The action type's risk line: a tier (`auto`, `approve`, `always-approve`), or `{ tier, class, description, when }`.");

export const ManifestSchema = z
  .strictObject({
    apiVersion: z.literal("airlock/v1", { message: "must be `airlock/v1`" }).describe("The manifest format version: `airlock/v1`."),
    agent: AgentSchema.describe("The agent: its name, owner, image, model, prompt and runtime."),
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
          .union(
            [
              z
                .string()
                .regex(IMAGE_DIGEST, { message: "must be `registry/repository@sha256:<64 hex>`" })
                .describe("The code-execution image by digest, `registry/repository@sha256:<64 hex digits>`."),
              z
                .strictObject({
                  build: z
                    .strictObject({
                      target: z
                        .string()
                        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, { message: "must be the name of a stage of the agent's Dockerfile (`FROM … AS <name>`), e.g. `sandbox`" })
                        .describe("The stage of the agent's Dockerfile to build (`docker build --target`), e.g. `sandbox`."),
                    })
                    .describe("Build the sandbox image from the agent's own build context and Dockerfile (`agent.image.build`), this stage of it, into a repository of its own."),
                })
                .describe("A target of the agent's Dockerfile, built and pushed with the agent's image."),
            ],
            { message: "give the code-execution image by digest (`registry/repository@sha256:<64 hex>`) or `build: { target: <stage> }` (a stage of the agent's Dockerfile)" },
          )
          .optional()
          .describe("The code-execution image: by digest, `registry/repository@sha256:<64 hex digits>`, or `build: { target }`, a stage of the agent's Dockerfile built with the agent's image (only with `agent.image.build`). Required."),
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
