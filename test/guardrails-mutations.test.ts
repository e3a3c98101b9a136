/**
 * Mutation tests: for each guarantee, take the example plan, break that one guarantee, and the
 * pack must report it — and nothing else new. The unbroken example plan is clean, and every IAM
 * action and ARN in it passes the dataset check.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import type { Finding, PlanDocument, PlannedResource } from "@airlock/core";
import { IAM_POLICY_LIMITS, policySize, SECRET_PATTERNS } from "@airlock/core";
import { evaluatePlan, PACK, resourceMismatch, unknownAction } from "@airlock/guardrails";
import { statementsOf, permissionPolicies } from "../packages/guardrails/src/support.ts";
import { copyPlan, examplePlan } from "./example-plan.ts";

type Mutable = { inputs: Record<string, any> };
const key = (f: Finding) => `${f.rule}|${f.subject}|${f.message}`;

/** The resource of `type` (the first, or the one `pick` accepts; by what it is, not by its logical name). */
function resource(plan: PlanDocument, type: string, pick: (r: PlannedResource & Mutable) => boolean = () => true, what = ""): PlannedResource & Mutable {
  const r = (plan.resources as (PlannedResource & Mutable)[]).find((x) => x.type === type && pick(x));
  assert.ok(r, `the example plan has no ${type}${what ? ` ${what}` : ""}`);
  return r;
}

const tagged = (key: string, value: string) => (r: Mutable) => r.inputs.tags?.[key] === value;
/** The platform's encryption key (the audit anchor's signing key is a KMS key too). */
const platformKey = (p: PlanDocument) => resource(p, "aws:kms/key:Key", (r) => r.inputs.keyUsage !== "SIGN_VERIFY", "that encrypts (the platform key)");
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const DATA_PROTECTION = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy";
/** The agent's log group: the one tagged with the agent (its name is stack-scoped, /airlock/<stack>/agents/<agent>). */
const agentLogs = (p: PlanDocument) => resource(p, LOG_GROUP, tagged("airlock:agent", "support-agent"), "tagged airlock:agent=support-agent");
/** The data protection policy on the agent's log group. */
const agentMasking = (p: PlanDocument) => {
  const group = String(agentLogs(p).inputs.name);
  return resource(p, DATA_PROTECTION, (r) => r.inputs.logGroupName === group, `on ${group}`);
};
/** The alarm on the age of the agent's hand-rotated secrets. */
const secretAgeAlarm = (r: Mutable) => r.inputs.metricName === "SecretAgePercentOfLimit" && r.inputs.dimensions?.Agent === "support-agent";

/** Removes the resources matching `drop` from a plan copy. */
function removeResources(plan: PlanDocument, drop: (r: PlannedResource) => boolean): void {
  (plan as unknown as { resources: PlannedResource[] }).resources = plan.resources.filter((r) => !drop(r));
}

function editJson(r: Mutable, field: string, edit: (v: any) => void): void {
  const v = JSON.parse(r.inputs[field]);
  edit(v);
  r.inputs[field] = JSON.stringify(v);
}

/** The task role's policy: the one that grants the manifest's DynamoDB actions. */
const TASK_POLICY = ["aws:iam/rolePolicy:RolePolicy", (r: Mutable) => String(r.inputs.policy).includes("dynamodb:GetItem"), "granting the tools' actions"] as const;
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const agentContainer = (v: any[]) => v.find((c) => c.name === "agent");
const ghToken = () => ["ghp", "Zq3vR8tY2wX6nB1mK5pL9sD4fG7hJ0aQ2cE4"].join("_");
const LAMBDA = "aws:lambda/function:Function";
const ROLE = "aws:iam/role:Role";
const taskRole = (p: PlanDocument) => resource(p, ROLE, tagged("airlock:role", "task"), "tagged airlock:role=task");
const ACCOUNT = "123456789012";
const PERMISSION = "aws:lambda/permission:Permission";
const FIREWALL_ASSOCIATION = "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation";

/**
 * Real statements for a read tool over the ticket table's monthly archives (one table and its
 * by-customer index per month of each year): exact actions on exact ARNs, unique alphanumeric Sids.
 */
function archiveReads(years: readonly number[]): object[] {
  const months = (y: number) => Array.from({ length: 12 }, (_, m) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/support-tickets-archive-${y}-${String(m + 1).padStart(2, "0")}`);
  return years.flatMap((y) => [
    { Sid: `ReadTicketArchive${y}`, Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: months(y) },
    { Sid: `ReadTicketArchive${y}Index`, Effect: "Allow", Action: ["dynamodb:Query"], Resource: months(y).map((t) => `${t}/index/by-customer`) },
  ]);
}

/** Gives a resource a new logical name, and follows it everywhere the plan refers to it (URN, `role`, role ARNs). */
function rename(plan: PlanDocument, r: PlannedResource & Mutable, name: string): void {
  const old = { urn: r.urn, name: r.name };
  const urn = `${r.urn.slice(0, r.urn.length - old.name.length)}${name}`;
  const roleArn = (n: string) => `arn:aws:iam::${ACCOUNT}:role/${n}`;
  Object.assign(r, { urn, name });
  for (const x of plan.resources as (PlannedResource & Mutable)[]) {
    Object.assign(x, { dependsOn: x.dependsOn.map((d) => (d === old.urn ? urn : d)), parent: x.parent === old.urn ? urn : x.parent });
    for (const [k, v] of Object.entries(x.inputs)) {
      if (v === roleArn(old.name)) x.inputs[k] = roleArn(name);
      else if (k === "role" && v === old.name) x.inputs[k] = name;
    }
  }
}

interface Mutation {
  readonly rule: string;
  readonly what: string;
  /** Breaks the plan; returns the resource (or subject) the finding must be about. */
  readonly apply: (plan: PlanDocument) => string;
  /** Expected count of new findings (one per broken thing). */
  readonly count?: number;
}

const MUTATIONS: Mutation[] = [
  {
    rule: "AIR-G001",
    what: "a wildcard action in the task role",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      editJson(r, "policy", (d) => d.Statement[0].Action.push("dynamodb:*"));
      return r.urn;
    },
  },
  {
    rule: "AIR-G002",
    what: "a wildcard resource in the task role",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      editJson(r, "policy", (d) => (d.Statement[0].Resource = "*"));
      return r.urn;
    },
  },
  {
    rule: "AIR-G003",
    what: "AdministratorAccess attached to the task role",
    apply: (p) => {
      const r = resource(p, "aws:iam/role:Role", tagged("airlock:role", "task"), "tagged airlock:role=task");
      r.inputs.managedPolicyArns = ["arn:aws:iam::aws:policy/AdministratorAccess"];
      return r.urn;
    },
  },
  {
    rule: "AIR-G004",
    what: "a misspelt action in the task role",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      editJson(r, "policy", (d) => (d.Statement[0].Action = ["dynamodb:GetItems"]));
      return r.urn;
    },
  },
  {
    rule: "AIR-G005",
    what: "an ARN the action does not act on",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      editJson(r, "policy", (d) => d.Statement[0].Resource.push("arn:aws:ses:us-east-1:123456789012:identity/acme.example.com"));
      return r.urn;
    },
  },
  {
    rule: "AIR-G010",
    what: "a GitHub token in the task definition's environment",
    apply: (p) => {
      const r = resource(p, TASK_DEF);
      editJson(r, "containerDefinitions", (v) => agentContainer(v).environment.push({ name: "GITHUB_TOKEN", value: ghToken() }));
      return r.urn;
    },
  },
  {
    rule: "AIR-G011",
    what: "a token in a Lambda function's environment",
    apply: (p) => {
      const r = resource(p, "aws:lambda/function:Function");
      r.inputs.environment = { variables: { ...(r.inputs.environment?.variables ?? {}), GITHUB_TOKEN: ghToken() } };
      return r.urn;
    },
  },
  {
    rule: "AIR-G012",
    what: "a writable root file system",
    apply: (p) => {
      const r = resource(p, TASK_DEF);
      editJson(r, "containerDefinitions", (v) => (agentContainer(v).readonlyRootFilesystem = false));
      return r.urn;
    },
  },
  {
    rule: "AIR-G013",
    what: "the container running as root",
    apply: (p) => {
      const r = resource(p, TASK_DEF);
      editJson(r, "containerDefinitions", (v) => (agentContainer(v).user = "0:0"));
      return r.urn;
    },
  },
  {
    rule: "AIR-G014",
    what: "capabilities not dropped",
    apply: (p) => {
      const r = resource(p, TASK_DEF);
      editJson(r, "containerDefinitions", (v) => (agentContainer(v).linuxParameters.capabilities.drop = []));
      return r.urn;
    },
  },
  {
    rule: "AIR-G015",
    what: "a privileged container",
    apply: (p) => {
      const r = resource(p, TASK_DEF);
      editJson(r, "containerDefinitions", (v) => (agentContainer(v).privileged = true));
      return r.urn;
    },
  },
  {
    rule: "AIR-G016",
    what: "task definitions not retained",
    apply: (p) => {
      const r = resource(p, TASK_DEF);
      r.inputs.skipDestroy = false;
      return r.urn;
    },
  },
  {
    rule: "AIR-G017",
    what: "a public IP on the service",
    apply: (p) => {
      const r = resource(p, "aws:ecs/service:Service");
      r.inputs.networkConfiguration.assignPublicIp = true;
      return r.urn;
    },
  },
  {
    rule: "AIR-G020",
    what: "egress to 0.0.0.0/0 without the opt-out",
    apply: (p) => {
      const r = resource(p, "aws:ec2/securityGroup:SecurityGroup", tagged("Name", "support-agent-agent"), "named support-agent-agent");
      r.inputs.egress.push({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS anywhere" });
      return r.urn;
    },
  },
  {
    rule: "AIR-G020",
    what: "egress to ::/0 without the opt-out",
    apply: (p) => {
      const r = resource(p, "aws:ec2/securityGroup:SecurityGroup", tagged("Name", "support-agent-agent"), "named support-agent-agent");
      r.inputs.egress.push({ protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] });
      return r.urn;
    },
  },
  {
    rule: "AIR-G006",
    what: "a wildcard resource in the task role that the manifest allows (`allowWildcard.reason` on the tool, in the compiled model)",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      const statement = { Sid: "ReadTicketArchive", Effect: "Allow" as const, Action: ["dynamodb:GetItem"], Resource: [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/support-tickets-archive-*`] };
      editJson(r, "policy", (d) => d.Statement.push(statement));
      const agent = p.agents.find((a) => a.name === "support-agent") as unknown as { taskRoleStatements: object[]; permissions: object[] };
      agent.taskRoleStatements.push(statement);
      agent.permissions.push({ tool: "read_ticket", system: "aws:dynamodb", access: "read", actions: statement.Action, resources: statement.Resource, wildcardReason: "one archive table per month, named by the month" });
      return r.urn;
    },
  },
  {
    rule: "AIR-G021",
    what: "egress on 443 to anywhere under the manifest's `egress.anyIpOn443.reason` (the description the deployment writes)",
    apply: (p) => {
      const r = resource(p, "aws:ec2/securityGroup:SecurityGroup", tagged("Name", "support-agent-agent"), "named support-agent-agent");
      r.inputs.egress.push({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "OPT-OUT anyIpOn443 (DNS firewall only): the vendor publishes no address ranges" });
      return r.urn;
    },
  },
  {
    rule: "AIR-G030",
    what: "a secret without a customer-managed key",
    apply: (p) => {
      const r = resource(p, "aws:secretsmanager/secret:Secret", tagged("airlock:secret", "github-token"), "for github-token");
      delete r.inputs.kmsKeyId;
      return r.urn;
    },
  },
  {
    rule: "AIR-G031",
    what: "the generated secret's rotation removed",
    apply: (p) => {
      const rotation = resource(p, "aws:secretsmanager/secretRotation:SecretRotation");
      removeResources(p, (r) => r === rotation);
      return resource(p, "aws:secretsmanager/secret:Secret", tagged("airlock:secret", "billing-api-token"), "for billing-api-token").urn;
    },
  },
  {
    rule: "AIR-G031",
    what: "the agent's max-age alarm on its hand-rotated secrets removed",
    apply: (p) => {
      const alarm = resource(p, "aws:cloudwatch/metricAlarm:MetricAlarm", secretAgeAlarm, "on support-agent's secret age");
      removeResources(p, (r) => r === alarm);
      return resource(p, "aws:secretsmanager/secret:Secret", tagged("airlock:secret", "github-token"), "for github-token").urn;
    },
    // anthropic-api-key and github-token, each reported.
    count: 2,
  },
  {
    rule: "AIR-G031",
    what: "a hand-rotated secret's limit tag removed (the monitor cannot measure it against a limit)",
    apply: (p) => {
      const secret = resource(p, "aws:secretsmanager/secret:Secret", tagged("airlock:secret", "github-token"), "for github-token");
      delete (secret.inputs.tags as Record<string, string>)["airlock:max-age-days"];
      return secret.urn;
    },
  },
  {
    rule: "AIR-G040",
    what: "a log group that keeps events forever",
    apply: (p) => {
      const r = agentLogs(p);
      delete r.inputs.retentionInDays;
      return r.urn;
    },
  },
  {
    rule: "AIR-G041",
    what: "a log group without a customer-managed key",
    apply: (p) => {
      const r = agentLogs(p);
      delete r.inputs.kmsKeyId;
      return r.urn;
    },
  },
  {
    rule: "AIR-G042",
    what: "the agent log group's data protection policy removed",
    apply: (p) => {
      const policy = agentMasking(p);
      removeResources(p, (r) => r === policy);
      return agentLogs(p).urn;
    },
  },
  {
    rule: "AIR-G050",
    what: "the approval gateway removed while customer.reply needs approval",
    apply: (p) => {
      removeResources(p, (r) => r.type === "airlock:approvals:ApprovalGateway");
      return "agents[support-agent].tools[send_customer_reply]";
    },
    count: 2,
  },
  {
    rule: "AIR-G051",
    what: "the agent's approvals turned off with a reason (the platform's opt-out, tagged on its service)",
    apply: (p) => {
      const service = resource(p, "aws:ecs/service:Service", tagged("airlock:agent", "support-agent"), "of the support agent");
      service.inputs.tags = { ...service.inputs.tags, "airlock:approvals": "OFF: pilot with internal users only" };
      // With the opt-out the gateway no longer serves the agent (the platform builds no route).
      removeResources(p, (r) => r.type === "airlock:approvals:ApprovalGateway");
      return service.urn;
    },
  },
  {
    rule: "AIR-D001",
    what: "a Lambda function on nodejs20.x (creation blocked from 2026-08-31, updates from 2026-09-30)",
    apply: (p) => {
      // The pack evaluates on the current date: from 2026-09-30 on, nodejs20.x is update-blocked,
      // which is AIR-D001's alone (AIR-D002 warns only while a runtime is deprecated but creatable).
      const r = resource(p, LAMBDA);
      r.inputs.runtime = "nodejs20.x";
      return r.urn;
    },
  },
  {
    rule: "AIR-D002",
    what: "a Lambda function on a runtime the dated table does not know",
    apply: (p) => {
      // Unknown to LAMBDA_RUNTIMES on any date: a warning, and nothing for AIR-D001 to block.
      const r = resource(p, LAMBDA);
      r.inputs.runtime = "python3.13";
      return r.urn;
    },
  },
  {
    rule: "AIR-D003",
    what: "a `%` in a tag value of the ECS service",
    apply: (p) => {
      const r = resource(p, "aws:ecs/service:Service");
      r.inputs.tags = { ...r.inputs.tags, "airlock:eval-gate": "on: pass rate at least 90%" };
      return r.urn;
    },
  },
  {
    rule: "AIR-D004",
    what: "a Fargate task definition of cpu 256 with memory 4096",
    apply: (p) => {
      const r = resource(p, TASK_DEF, (x) => (x.inputs.requiresCompatibilities as string[] | undefined)?.includes("FARGATE") === true, "for Fargate");
      Object.assign(r.inputs, { cpu: "256", memory: "4096" });
      return r.urn;
    },
  },
  {
    rule: "AIR-D005",
    what: "the task role's inline policy past 10,240 characters (reads on five years of monthly archive tables)",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      editJson(r, "policy", (d) => d.Statement.push(...archiveReads([2020, 2021, 2022, 2023, 2024])));
      assert.ok(policySize(String(r.inputs.policy)) > IAM_POLICY_LIMITS.roleInlineAggregate.max);
      // The limit is per role (all its inline policies), so the role is the subject.
      return taskRole(p).urn;
    },
  },
  {
    rule: "AIR-D006",
    what: "a managed policy past 6,144 characters (the archive reads moved into one)",
    apply: (p) => {
      // The example has no managed policy: add one beside the task role, as the agent would create it.
      const role = taskRole(p);
      const doc = JSON.stringify({ Version: "2012-10-17", Statement: archiveReads([2022, 2023, 2024]) });
      assert.ok(policySize(doc) > IAM_POLICY_LIMITS.managedPolicy.max && policySize(doc) <= IAM_POLICY_LIMITS.roleInlineAggregate.max);
      const type = "aws:iam/policy:Policy";
      const name = "support-agent-archive-reads";
      const urn = role.urn.replace(`$${ROLE}::${role.name}`, `$${type}::${name}`);
      assert.notEqual(urn, role.urn);
      const policy: PlannedResource = {
        urn,
        type,
        name,
        parent: role.parent,
        custom: true,
        inputs: { description: "support-agent: read the ticket archives", policy: doc, tags: role.inputs.tags },
        dependsOn: [],
      };
      (p as unknown as { resources: PlannedResource[] }).resources.push(policy);
      return urn;
    },
  },
  {
    rule: "AIR-D007",
    what: "two statements of the task role's policy sharing a Sid",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      editJson(r, "policy", (d) => (d.Statement[1].Sid = d.Statement[0].Sid));
      return r.urn;
    },
  },
  {
    rule: "AIR-D008",
    what: "the task role's trust policy past 2,048 characters (limited to the tasks of forty clusters)",
    apply: (p) => {
      const r = taskRole(p);
      const clusters = Array.from({ length: 40 }, (_, i) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task/acme-agents-cluster-${String(i + 1).padStart(2, "0")}/*`);
      editJson(r, "assumeRolePolicy", (d) => (d.Statement[0].Condition.ArnLike = { "aws:SourceArn": clusters }));
      assert.ok(policySize(String(r.inputs.assumeRolePolicy)) > IAM_POLICY_LIMITS.roleTrustPolicy.max);
      return r.urn;
    },
  },
  {
    rule: "AIR-D009",
    what: "a custom data identifier with a group `(…)` in its regex (the scanner's Anthropic key pattern)",
    apply: (p) => {
      const r = agentMasking(p);
      const scanner = SECRET_PATTERNS.find((x) => x.id === "AnthropicApiKey")!.regex;
      assert.match(scanner, /\(/);
      editJson(r, "policyDocument", (d) => (d.Configuration.CustomDataIdentifier.find((c: any) => c.Name === "AnthropicApiKey").Regex = scanner));
      return r.urn;
    },
  },
  {
    rule: "AIR-D010",
    what: "an IAM role whose logical name is too long for its auto-name (57 characters + 8 > 64)",
    apply: (p) => {
      const r = taskRole(p);
      rename(p, r, "support-agent-task-role-for-customer-ticket-tools-reading");
      assert.equal(r.name.length, 57);
      return r.urn;
    },
  },
  {
    rule: "AIR-D011",
    what: "the public approvals URL's lambda:InvokeFunction permission without `invokedViaFunctionUrl` (as before October 2025)",
    apply: (p) => {
      const invoke = resource(p, PERMISSION, (r) => r.inputs.action === "lambda:InvokeFunction" && r.inputs.invokedViaFunctionUrl === true, "for calls through the function URL");
      delete invoke.inputs.invokedViaFunctionUrl;
      return resource(p, "aws:lambda/functionUrl:FunctionUrl", (r) => r.inputs.authorizationType === "NONE", "with auth NONE").urn;
    },
  },
  {
    rule: "AIR-D012",
    what: "the generated secret's rotation no longer waiting for the permission that lets Secrets Manager invoke the rotation function",
    apply: (p) => {
      const permission = resource(p, PERMISSION, (r) => r.inputs.principal === "secretsmanager.amazonaws.com", "for Secrets Manager");
      const rotation = resource(p, "aws:secretsmanager/secretRotation:SecretRotation");
      Object.assign(rotation, { dependsOn: rotation.dependsOn.filter((d) => d !== permission.urn) });
      return rotation.urn;
    },
  },
  {
    rule: "AIR-D013",
    what: "the NAT gateway's Elastic IP no longer waiting for the internet gateway",
    apply: (p) => {
      const igw = resource(p, "aws:ec2/internetGateway:InternetGateway");
      const nat = resource(p, "aws:ec2/natGateway:NatGateway");
      const eip = resource(p, "aws:ec2/eip:Eip", (r) => nat.inputs.allocationId === `${r.name}-id`, "used by the NAT gateway");
      Object.assign(eip, { dependsOn: eip.dependsOn.filter((d) => d !== igw.urn) });
      return eip.urn;
    },
  },
  {
    rule: "AIR-D014",
    what: "the DNS firewall's allow rule inspecting the whole CNAME chain (AWS's default), so the ECR layer bucket's S3 CNAME is blocked",
    apply: (p) => {
      const allow = resource(p, "aws:route53/resolverFirewallRule:ResolverFirewallRule", (r) => r.inputs.action === "ALLOW", "that allows");
      delete allow.inputs.firewallDomainRedirectionAction;
      return resource(p, FIREWALL_ASSOCIATION).urn;
    },
  },
  {
    rule: "AIR-D015",
    what: "the S3 gateway endpoint's policy without the statement for ECR's layer bucket",
    apply: (p) => {
      const s3 = resource(p, "aws:ec2/vpcEndpoint:VpcEndpoint", (r) => String(r.inputs.serviceName).endsWith(".s3"), "for S3");
      editJson(s3, "policy", (d) => (d.Statement = d.Statement.filter((st: any) => !JSON.stringify(st.Resource).includes("starport-layer-bucket"))));
      return s3.urn;
    },
  },
  {
    rule: "AIR-D016",
    what: "the DNS firewall association locked (mutation protection ENABLED)",
    apply: (p) => {
      const association = resource(p, FIREWALL_ASSOCIATION);
      association.inputs.mutationProtection = "ENABLED";
      return association.urn;
    },
  },
  {
    rule: "AIR-D017",
    what: "the platform key's policy without the statement that lets EventBridge encrypt for the alarm topic",
    apply: (p) => {
      const key = platformKey(p);
      editJson(key, "policy", (d) => (d.Statement = d.Statement.filter((st: any) => st.Principal?.Service !== "events.amazonaws.com")));
      return key.urn;
    },
  },
  {
    rule: "AIR-D018",
    what: "the private route tables without their transit gateway routes (the billing API's private range unreachable)",
    apply: (p) => {
      for (const t of p.resources.filter((r) => r.type === "aws:ec2/routeTable:RouteTable") as (PlannedResource & Mutable)[]) {
        if (Array.isArray(t.inputs.routes)) t.inputs.routes = t.inputs.routes.filter((route: any) => route.transitGatewayId === undefined);
      }
      return resource(p, "aws:ec2/securityGroup:SecurityGroup", tagged("Name", "support-agent-agent"), "named support-agent-agent").urn;
    },
  },
  {
    rule: "AIR-D021",
    what: "the transit gateway routes removed and the VPC tagged with a reason for a route kept elsewhere (`privateRoutes[].managedElsewhere`)",
    apply: (p) => {
      for (const t of p.resources.filter((r) => r.type === "aws:ec2/routeTable:RouteTable") as (PlannedResource & Mutable)[]) {
        if (Array.isArray(t.inputs.routes)) t.inputs.routes = t.inputs.routes.filter((route: any) => route.transitGatewayId === undefined);
      }
      const vpc = resource(p, "aws:ec2/vpc:Vpc");
      vpc.inputs.tags = { ...vpc.inputs.tags, "airlock:route-elsewhere:10.20.8.0/24": "the network team keeps this route NET-142" };
      return resource(p, "aws:ec2/securityGroup:SecurityGroup", tagged("Name", "support-agent-agent"), "named support-agent-agent").urn;
    },
  },
  {
    rule: "AIR-D022",
    what: "the platform key's CloudWatch Logs statement narrowed to the platform's groups (`/airlock/dev/platform/*`), leaving out the agent's log group",
    apply: (p) => {
      const key = platformKey(p);
      editJson(key, "policy", (d) => {
        const logs = d.Statement.find((st: any) => String(st.Principal?.Service).startsWith("logs."));
        assert.ok(logs, "the platform key's policy has no CloudWatch Logs statement");
        logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/airlock/dev/platform/*`;
      });
      return agentLogs(p).urn;
    },
  },
  {
    rule: "AIR-D019",
    what: "the task role allowed a Bedrock inference profile but the model in only two of its three US Regions",
    apply: (p) => {
      const r = resource(p, ...TASK_POLICY);
      const profile = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
      const model = (region: string) => `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`;
      editJson(r, "policy", (d) =>
        d.Statement.push(
          { Sid: "ModelInvokeProfile", Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: [`arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/${profile}`] },
          { Sid: "ModelInvokeThroughProfile", Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: [model("us-east-1"), model("us-east-2")] },
        ),
      );
      return r.urn;
    },
  },
  {
    rule: "AIR-D020",
    what: "an apostrophe in the description of the agent security group's DNS egress rule (EC2 allows a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*)",
    apply: (p) => {
      const r = resource(p, "aws:ec2/securityGroup:SecurityGroup", tagged("Name", "support-agent-agent"), "named support-agent-agent");
      const dns = (r.inputs.egress as any[]).find((e) => e.protocol === "udp" && e.fromPort === 53);
      assert.ok(dns, "the agent security group has no DNS egress rule");
      dns.description = "DNS to the VPC's resolver";
      return r.urn;
    },
  },
];

describe("guardrails on the example plan", () => {
  let plan: PlanDocument;
  let baseline: Finding[];
  before(async () => {
    plan = await examplePlan();
    baseline = await evaluatePlan(plan);
  });

  it("given the example plan, then no rule reports anything", () => {
    assert.deepEqual(baseline, []);
  });

  it("given the example plan, then its outward tools are wired to approvals (AIR-G050)", () => {
    assert.deepEqual(baseline.filter((f) => f.rule === "AIR-G050"), []);
    assert.ok(plan.resources.some((r) => r.type === "airlock:approvals:ApprovalGateway" && (r.inputs.agents as string[]).includes("support-agent")));
  });

  it("covers every rule of the pack with at least one mutation", () => {
    assert.deepEqual([...new Set(MUTATIONS.map((m) => m.rule))].sort(), PACK.map((e) => e.id).sort());
  });

  for (const m of MUTATIONS) {
    it(`given ${m.what}, then ${m.rule} reports it, and nothing else is new`, async () => {
      const broken = copyPlan(plan);
      const subject = m.apply(broken);
      const before = new Set(baseline.map(key));
      const after = await evaluatePlan(broken);
      const fresh = after.filter((f) => !before.has(key(f)));
      const expectedNew = m.rule === "AIR-G050" ? after.filter((f) => f.rule === "AIR-G050") : fresh;
      assert.ok(expectedNew.length > 0, `${m.rule} did not report ${m.what}`);
      assert.deepEqual([...new Set(expectedNew.map((f) => f.rule))], [m.rule], JSON.stringify(fresh, null, 1));
      assert.ok(expectedNew.some((f) => f.subject === subject), `no ${m.rule} finding on ${subject}: ${JSON.stringify(expectedNew, null, 1)}`);
      assert.equal(expectedNew.length, m.count ?? 1, JSON.stringify(expectedNew, null, 1));
    });
  }

  it("given every identity policy in the example plan, then every action exists and every ARN is of a type its action acts on (IAM dataset)", async () => {
    const checked: string[] = [];
    const taskPolicy = resource(plan, ...TASK_POLICY);
    for (const r of plan.resources) {
      for (const { doc } of permissionPolicies(r.type, r.inputs)) {
        for (const s of statementsOf(doc)) {
          for (const a of s.actions) {
            assert.equal(await unknownAction(a), undefined, `${r.name}: ${a}`);
            for (const res of s.resources) {
              assert.equal(await resourceMismatch(a, res), undefined, `${r.name}: ${a} on ${res}`);
              checked.push(`${r.name} ${a} ${res}`);
            }
          }
        }
      }
    }
    // The task role: exactly the manifest's actions on exactly its resources, plus asking its approval gateway.
    assert.deepEqual(
      checked.filter((c) => c.startsWith(`${taskPolicy.name} `)).map((c) => c.slice(taskPolicy.name.length + 1)).sort(),
      [
        "dynamodb:GetItem arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
        "dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
        "dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-customer",
        "dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-status",
        // record_reply's and ticket_queue's (one statement each).
        "dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
        "dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
        // The sandbox runner's (the example's code-executing tool).
        "ecs:DescribeTasks arn:aws:ecs:us-east-1:123456789012:task/acme-agents-cluster/*",
        "ecs:RunTask arn:aws:ecs:us-east-1:123456789012:task-definition/support-agent-dev-sandbox:1",
        "ecs:StopTask arn:aws:ecs:us-east-1:123456789012:task/acme-agents-cluster/*",
        "ecs:TagResource arn:aws:ecs:us-east-1:123456789012:task/acme-agents-cluster/*",
        "iam:PassRole arn:aws:iam::123456789012:role/support-agent-sandbox-execution",
        "iam:PassRole arn:aws:iam::123456789012:role/support-agent-sandbox-task",
        "lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:airlock-dev-acme-agents-approvals:support-agent",
        "logs:GetLogEvents arn:aws:logs:us-east-1:123456789012:log-group:/airlock/dev/agents/support-agent:log-stream:sandbox/sandbox/*",
        "ses:SendEmail arn:aws:ses:us-east-1:123456789012:configuration-set/support-replies",
        "ses:SendEmail arn:aws:ses:us-east-1:123456789012:identity/acme.example.com",
      ],
    );
    assert.ok(checked.length >= 20, `only ${checked.length} (action, resource) pairs checked`);
  });
});
