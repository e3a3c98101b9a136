/**
 * The schema of one tool (`tools[i]`) and of its grants: `aws` (a service, exact actions or an
 * access level, exact resources) and `github` (one repository, fine-grained permissions).
 */
import { z } from "zod";
import { ToolInputSchema } from "./argument-schema.ts";
import { ACTION_TYPE, HOST, HOST_TEXT, REASON_TEXT, TOOL_NAME, reason } from "./formats.ts";
import { ACCESS_LEVELS, GITHUB_PERMISSIONS } from "./vocabulary.ts";

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
    /** The tool's declared arguments (a JSON Schema subset); the runtime validates every call against it. */
    input: ToolInputSchema.optional(),
    /** Allows `*` in this tool's IAM actions or resources, and a host wildcard over a whole domain; the reason shows in the plan and the permission map. */
    allowWildcard: z
      .strictObject({ reason: reason.describe(`Why this tool needs a wildcard: ${REASON_TEXT}.`) })
      .optional()
      .describe(
        "Allows `*` in this tool's IAM actions or resources, and a host wildcard over a whole registrable domain (`*.acme.com`; never over a public suffix such as `*.co.uk`); the reason shows in the plan and the permission map. Without it, wildcards are refused.",
      ),
    /** Allows privilege-escalation, permissions-management and tagging actions; the reason shows in the plan and the permission map. */
    allowPrivilegeEscalation: z
      .strictObject({ reason: reason.describe(`Why this tool needs them: ${REASON_TEXT}.`) })
      .optional()
      .describe(
        "Allows this tool's IAM actions that can widen access: privilege-escalation paths (`iam:PassRole`, `iam:CreatePolicyVersion`, `lambda:UpdateFunctionCode`, …), permissions-management actions (policies, ACLs, public access blocks) and tagging actions, each listed exactly (an `access` level never expands to them); the reason shows in the plan, the permission map and the diff. Without it, they are refused. No reason lets a tool change the agent's own roles or pass an administrator role.",
      ),
  })
  .describe("One tool the agent can call: what it does, what it is declared to do, and every system it touches.");
