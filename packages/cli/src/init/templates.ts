/**
 * What `airlock init` writes: a commented starter manifest, its prompt and a Pulumi program. Kept
 * as strings so that nothing is looked up on disk at run time.
 */

/** The path of the JSON Schema editors read, as installed with `@airlock/core`. */
export const SCHEMA_COMMENT = "# yaml-language-server: $schema=./node_modules/@airlock/core/schema/agent.schema.json";

/** The prompt file the manifest names (`agent.prompt`), relative to the manifest. */
export const PROMPT_FILE = "prompts/system.md";

/** A placeholder image: valid, pinned by digest, in an ECR registry (so its region is found), and obviously not real. */
export function placeholderImage(name: string): string {
  return `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}@sha256:${"0".repeat(64)}`;
}

export function manifestTemplate(name: string): string {
  return `${SCHEMA_COMMENT}
#
# The manifest of the ${name} agent: everything it is allowed to do. Airlock compiles it into
# least-privilege IAM, Secrets Manager secrets with rotation, a locked-down Fargate service with an
# egress allowlist, and a permission map that reviewers read. Fill in each section, then check it
# offline (every problem comes back with its field and its fix):
#
#   airlock plan agent.yaml --region us-east-1
#
# Your editor shows each field's description through the schema on the first line (after
# \`npm install @airlock/core\`).
apiVersion: airlock/v1

# The agent itself: who owns it, the image it runs, the model it calls, its prompt and its task.
agent:
  # Names the service, roles, secrets and log group: kebab-case, 2 to 32 characters.
  name: ${name}
  # The team or person accountable for the agent; tagged on every resource it owns.
  owner: team@example.com
  description: Replace with one sentence on what the agent does, for the plan and the runbook.

  # The container image that runs the agent, pinned by digest (tags move, digests do not). Push
  # your image to ECR and paste the digest Docker prints:
  #   docker push <account>.dkr.ecr.<region>.amazonaws.com/${name}:v1
  # Or let Airlock build it from a directory with a Dockerfile (it must create /tmp owned by the
  # runtime user and declare it a VOLUME):
  #   image:
  #     build: { context: . }
  image:
    digest: ${placeholderImage(name)}

  # The model the agent calls. Bedrock authenticates with the task role (no key to store);
  # Airlock resolves the id to your region's inference profile. For Anthropic's API instead:
  #   model: { provider: anthropic, id: claude-sonnet-4-5, secret: anthropic-api-key }
  # and add the key to \`secrets\` below (source: out-of-band).
  model:
    provider: bedrock
    id: anthropic.claude-sonnet-4-5-20250929-v1:0

  # The system prompt, relative to this file; hashed into every release, so evals match it.
  prompt: ${PROMPT_FILE}

  # The Fargate task. cpu/memory must be a pair Fargate offers (512 CPU units: 1024 to 4096 MiB).
  # The container runs read-only, as this non-root uid:gid, with every capability dropped.
  runtime:
    cpu: 512
    memory: 1024
    architecture: ARM64
    user: "10001:10001"
    # Plain, non-secret settings; credential-looking values are refused (use \`secrets\`).
    environment:
      ITEMS_TABLE: ${name}-items
    desiredCount: 1

# Every tool the agent can call, and exactly what each may touch. A \`read\` tool may hold only
# read and list actions; every ARN must be one the action acts on; no \`*\` without
# \`allowWildcard: { reason: … }\`. Replace the account and region in the ARNs with yours.
tools:
  - name: read_item
    description: Reads one item from the agent's table.
    access: read
    aws:
      - service: dynamodb
        actions: [dynamodb:GetItem]
        resources:
          - arn:aws:dynamodb:us-east-1:123456789012:table/${name}-items

  # A tool that acts outside the company (an email, a post, a payment) is \`outward\` and names an
  # action type; its risk line below decides whether a person approves each call:
  # - name: send_reply
  #   description: Emails a reply to the customer, from the support address.
  #   access: write
  #   outward: true
  #   actionType: customer.reply
  #   aws:
  #     - service: ses
  #       actions: [ses:SendEmail]
  #       resources: [arn:aws:ses:us-east-1:123456789012:identity/example.com]
  #
  # A tool that calls a host outside AWS lists it; give its published address ranges under
  # \`egress.ranges\` so the security group can allow it:
  #   hosts: [api.vendor.example.com]
  #   secrets: [vendor-api-key]

# Risk lines per action type: \`auto\` (no approval), \`approve\` (a person approves in Slack) or
# \`always-approve\` (never widened to auto; \`class: money\` or \`mass-communication\`). Approvals
# need a Slack channel and approvers in the program's \`approvals\` config.
riskLines: {}
#  customer.reply:
#    tier: approve
#    description: Any email a customer will read.

# Secrets the tools name, stored in Secrets Manager and given to the task by reference only:
# \`generated\` (Airlock makes and rotates the value), \`out-of-band\` (you put the value; an alarm
# fires when it is older than maxAgeDays) or \`pulumi-config\` (from a secret config key).
secrets: []
#  - name: vendor-api-key
#    description: Key for api.vendor.example.com, put into Secrets Manager by an operator.
#    source: out-of-band
#    rotation: { maxAgeDays: 90 }

# Egress beyond the tools' hosts. The DNS firewall allows only the names listed anywhere here and
# blocks the rest; the security group allows 443 to these ranges only.
egress:
  hosts: []
  ranges: {}
#    api.vendor.example.com: [203.0.113.0/24]
`;
}

export function promptTemplate(name: string): string {
  return `You are ${name}. Replace this with the agent's system prompt.

Say what the agent is for, which tools it may use and when, and what it must never do. The prompt
is hashed into every release, so an eval report is only valid for the prompt it was run against.
`;
}

/**
 * The Pulumi program, for a CommonJS project (\`pulumi new aws-typescript\`: module commonjs,
 * moduleResolution node) or an ES module one. The body is the same (no top-level await, no
 * \`import.meta\`, no \`__dirname\`, no \`.ts\` import extensions; paths are relative to the project
 * directory, the working directory under \`pulumi up\`); only how it exports the program differs:
 * Pulumi calls a CommonJS program's \`module.exports\` when it is a function (\`export =\`) but never
 * an \`export default\` there, and takes an ES module's default export.
 */
export function programTemplate(manifestPath: string, kind: "commonjs" | "module"): string {
  return `/**
 * Deploys the agent described in ${manifestPath} with Airlock: a hardened platform (a VPC with
 * private subnets, a fail-closed DNS firewall, VPC endpoints, an ECS cluster, a KMS key) and the
 * agent itself (least-privilege roles, secrets, a locked-down Fargate service, alarms).
 * Written by \`airlock init\`; it is yours to change.
 *
 * Stack config (\`pulumi config set <key> <value>\`, objects with \`--path\` or in Pulumi.<stack>.yaml):
 *   aws:region        the region to deploy to (required)
 *   releases          release id → { image, evalReport?, description? } (default: one release, \`current\`, running agent.image)
 *   activeRelease     the release the service runs (required when there are several)
 *   approvals         { slack: { channelId, approverIds } } for outward tools whose risk line is not \`auto\`
 *   transitGatewayId  the transit gateway that routes the manifest's private address ranges, if it has any
 *
 * Check it offline with \`airlock plan .\`, deploy it with \`pulumi up\`.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadManifest } from "@airlock/core";
import { AgentDeployment, AgentPlatform, privateRoutesVia, validateApprovalSettings, validateDeploymentArgs } from "@airlock/pulumi";
import type { ApprovalSettings, ReleaseSpec } from "@airlock/pulumi";

// \`pulumi up\` runs the program in the project directory.
const MANIFEST = path.join(process.cwd(), ${JSON.stringify(manifestPath)});

${kind === "module" ? "export default " : ""}async function program() {
  const config = new pulumi.Config();
  const region = new pulumi.Config("aws").require("region");
  const model = await loadManifest(MANIFEST);
  const releases = config.getObject<Record<string, ReleaseSpec>>("releases");
  const activeRelease = config.get("activeRelease");
  const approvals = config.getObject<ApprovalSettings>("approvals");
  const transitGatewayId = config.get("transitGatewayId");
  // The eval gate: the active release deploys only with a passing eval report made for it
  // (\`releases.<id>.evalReport\`, see \`airlock evals check\`). Until the agent has evals the gate
  // is off, and the reason shows in every plan; replace this with \`{}\` to turn it on.
  const evalGate = { disabled: "a new agent without eval reports yet" };

  // Everything is checked before the first resource exists: bad config makes nothing.
  if (approvals !== undefined) validateApprovalSettings(approvals, "approvals");
  validateDeploymentArgs(model, { releases, activeRelease, evalGate }, region);

  const platform = new AgentPlatform(\`\${model.name}-platform\`, {
    agents: [model],
    region,
    ...(approvals !== undefined ? { approvals: { agents: { [model.name]: approvals } } } : {}),
    ...(transitGatewayId !== undefined ? { privateRoutes: privateRoutesVia([model], { transitGatewayId }) } : {}),
  });
  const agent = new AgentDeployment(model.name, { platform, model, releases, activeRelease, evalGate });

  return {
    cluster: platform.clusterName,
    service: agent.serviceName,
    activeRelease: agent.activeRelease,
    taskRole: agent.taskRoleArn,
    secrets: agent.secretArns,
    permissionMap: model.permissions,
  };
}
${kind === "module" ? "" : "\n// Pulumi runs the function a CommonJS program exports (an \`export default\` would never run).\nexport = program;\n"}`;
}

/** The Pulumi project file, for a directory that has none yet. */
export function pulumiProjectTemplate(name: string): string {
  return `name: ${name}
description: The ${name} agent, deployed hardened on AWS with Airlock.
runtime:
  name: nodejs
  options:
    packagemanager: npm
main: index.ts
`;
}
