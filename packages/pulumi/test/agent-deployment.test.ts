import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { AgentModel } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse } from "yaml";
import { compile } from "@airlock/core";
import { all, EXAMPLE_MANIFEST, exampleModel, find, json, modelOf, recordDeployment } from "./harness.ts";

const T = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  td: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  secret: "aws:secretsmanager/secret:Secret",
  secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
  rotation: "aws:secretsmanager/secretRotation:SecretRotation",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

describe("AgentDeployment for the support agent", () => {
  let model: AgentModel;
  let rec: Recording;
  before(async () => {
    model = await exampleModel();
    rec = await recordDeployment(model, {
      deployment: {
        releases: {
          v1: { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${"1".repeat(64)}`, modelHash: model.hash },
          v2: { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${"2".repeat(64)}`, modelHash: model.hash },
        },
        activeRelease: "v2",
      },
    });
  });

  it("gives the task role exactly the compiled statements: exact actions, exact ARNs, no wildcard", () => {
    const whole = json(find(rec, T.rolePolicy, "support-agent-task"), "policy") as { Statement: { Sid: string }[] };
    // The sandbox runner's statements (the code-executing tool) are checked in sandbox-and-validation.test.ts.
    assert.deepEqual(whole.Statement.filter((s) => s.Sid.startsWith("Sandbox")).map((s) => s.Sid), ["SandboxRunTask", "SandboxPassRoles", "SandboxTagItsTasks", "SandboxWatchTasks", "SandboxReadOutput"]);
    const policy = { ...whole, Statement: whole.Statement.filter((s) => !s.Sid.startsWith("Sandbox")) };
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        { Sid: "ReadTicketDynamodb0A", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
        {
          Sid: "ReadTicketDynamodb0B",
          Effect: "Allow",
          Action: ["dynamodb:Query"],
          Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets", "arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-customer"],
        },
        { Sid: "RecordReplyDynamodb0", Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
        {
          Sid: "SendCustomerReplySes0",
          Effect: "Allow",
          Action: ["ses:SendEmail"],
          Resource: ["arn:aws:ses:us-east-1:123456789012:configuration-set/support-replies", "arn:aws:ses:us-east-1:123456789012:identity/acme.example.com"],
        },
        { Sid: "TicketQueueDynamodb0", Effect: "Allow", Action: ["dynamodb:Query"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-status"] },
        { Sid: "TicketQueueDynamodb1", Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
        // Outward tools wait for a person: the agent may invoke its own alias of the platform's
        // approval gateway, and nothing more.
        { Sid: "ApprovalsInvokeOwnAlias", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: ["arn:aws:lambda:us-east-1:123456789012:function:airlock-test-platform-approvals:support-agent"] },
      ],
    });
    assert.ok(!JSON.stringify(policy).includes("*"));
    const role = find(rec, T.role, "support-agent-task");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0], {
      Sid: "AssumeFromService",
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: ["sts:AssumeRole"],
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    assert.equal((role.inputs.tags as Record<string, string>)["airlock:role"], "task");
  });

  it("lets the execution role read exactly this agent's secrets, and nothing else but image pull and its log group", () => {
    const secretArns = all(rec, T.secret)
      .filter((s) => s.name.startsWith("support-agent-secrets-"))
      .map((s) => s.name.replace("support-agent-secrets-", ""))
      .sort();
    assert.deepEqual(secretArns, ["anthropic-api-key", "billing-api-token", "github-token"]);
    const policy = json(find(rec, T.rolePolicy, "support-agent-execution"), "policy");
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid).sort(), ["DecryptSecretsViaSecretsManager", "EcrAuthorizationToken", "PullAgentImage", "ReadAgentSecrets", "WriteOwnLogGroup"]);
    assert.deepEqual(bySid.ReadAgentSecrets, {
      Sid: "ReadAgentSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/test/support-agent/anthropic-api-key-17O5FG",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/test/support-agent/billing-api-token-0GM7DG",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/test/support-agent/github-token-1B7SQR",
      ],
    });
    assert.deepEqual(bySid.DecryptSecretsViaSecretsManager.Condition, { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } });
    assert.deepEqual(bySid.PullAgentImage.Resource, ["arn:aws:ecr:us-east-1:123456789012:repository/support-agent"]);
    assert.deepEqual(bySid.WriteOwnLogGroup.Resource, ["arn:aws:logs:us-east-1:123456789012:log-group:/airlock/test/agents/support-agent:log-stream:*"]);
    // The one bare "*" is ECR's token, which has no resource-level permissions.
    const bare = policy.Statement.filter((s: any) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*")));
    assert.deepEqual(bare.map((s: any) => s.Action), [["ecr:GetAuthorizationToken"]]);
  });

  it("lets only the execution role (and the rotation function) read each secret's value", () => {
    const policy = json(find(rec, T.secretPolicy, "support-agent-secrets-github-token"), "policy");
    assert.deepEqual(policy.Statement[0], {
      Sid: "OnlyNamedRolesReadTheValue",
      Effect: "Deny",
      Principal: "*",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/support-agent-execution"] } },
    });
    assert.deepEqual(policy.Statement[1].Condition, { Bool: { "aws:SecureTransport": "false" } });
    const generated = json(find(rec, T.secretPolicy, "support-agent-secrets-billing-api-token"), "policy");
    assert.deepEqual(generated.Statement[0].Condition.StringNotEquals["aws:PrincipalArn"], [
      "arn:aws:iam::123456789012:role/support-agent-execution",
      "arn:aws:iam::123456789012:role/platform-secret-fn-rotation",
      // Pulumi writes (and reads back) the first generated value: the deployer is let through.
      "arn:aws:iam::123456789012:role/airlock-deployer",
    ]);
    for (const s of all(rec, T.secret)) assert.equal(s.inputs.kmsKeyId, "arn:aws:kms:us-east-1:123456789012:key/" + String(s.inputs.kmsKeyId).split("/")[1]);
  });

  it("rotates the generated secret with the platform's function, let in by that secret's own policy alone", () => {
    const rotations = all(rec, T.rotation);
    assert.deepEqual(
      rotations.map((r) => [r.name, r.inputs.rotationLambdaArn, r.inputs.rotationRules]),
      [["support-agent-secrets-billing-api-token", "arn:aws:lambda:us-east-1:123456789012:function:airlock-test-platform-rotate-secrets", { automaticallyAfterDays: 30 }]],
    );
    const generated = json(find(rec, T.secretPolicy, "support-agent-secrets-billing-api-token"), "policy");
    assert.deepEqual(generated.Statement[2], {
      Sid: "PlatformRotationFunctionRotates",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:role/platform-secret-fn-rotation" },
      Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      Resource: "*",
    });
    // Which secrets the shared function may rotate, each secret says: the agent adds to its role
    // only the redeploy of its own service (agent-deployment-secrets.test.ts); the role's own
    // policy holds the platform key (through Secrets Manager) and its logs.
    assert.deepEqual(all(rec, T.rolePolicy).filter((p) => p.inputs.role === "platform-secret-fn-rotation").map((p) => p.name).sort(), [
      "platform-secret-fn-rotation-logs",
      "support-agent-rotation-redeploy",
    ]);
    const own = json(find(rec, T.rolePolicy, "platform-secret-fn-rotation-logs"), "policy");
    assert.deepEqual(own.Statement.map((s: any) => [s.Action, s.Resource, s.Condition]), [
      [["kms:Decrypt", "kms:GenerateDataKey"], [String(find(rec, T.secret, "support-agent-secrets-billing-api-token").inputs.kmsKeyId)], { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } }],
      [["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:us-east-1:123456789012:log-group:/airlock/test/platform/platform:log-stream:*"], undefined],
    ]);
    // A secret the rotation function does not rotate does not let it in.
    const vendor = json(find(rec, T.secretPolicy, "support-agent-secrets-github-token"), "policy");
    assert.ok(!JSON.stringify(vendor).includes("platform-secret-fn-rotation"));
    const permission = find(rec, "aws:lambda/permission:Permission", "platform-secret-fn-rotation");
    assert.deepEqual([permission.inputs.principal, permission.inputs.sourceAccount], ["secretsmanager.amazonaws.com", "123456789012"]);
  });

  it("alarms once on the ages of the agent's hand-rotated keys, each against its own limit, measured by the platform's monitor", () => {
    const alarm = find(rec, T.alarm, "support-agent-secrets-age");
    assert.deepEqual(
      [alarm.inputs.name, alarm.inputs.namespace, alarm.inputs.metricName, alarm.inputs.dimensions, alarm.inputs.statistic, alarm.inputs.threshold, alarm.inputs.comparisonOperator, alarm.inputs.treatMissingData],
      ["airlock-test-support-agent-secrets-age", "Airlock/Secrets", "SecretAgePercentOfLimit", { Stack: "test", Agent: "support-agent" }, "Maximum", 100, "GreaterThanThreshold", "breaching"],
    );
    assert.match(String(alarm.inputs.alarmDescription), /anthropic-api-key \(90 days\), github-token \(60 days\)/);
    assert.deepEqual(all(rec, T.alarm).filter((a) => a.name.startsWith("support-agent-secrets-")).map((a) => a.name), ["support-agent-secrets-age"]);
    const tags = find(rec, T.secret, "support-agent-secrets-github-token").inputs.tags as Record<string, string>;
    assert.deepEqual([tags["airlock:max-age-days"], tags["airlock:agent"]], ["60", "support-agent"]);
    // The monitor reads version dates of exactly the watched secrets, each letting it in itself.
    for (const name of ["anthropic-api-key", "github-token"]) {
      const policy = json(find(rec, T.secretPolicy, `support-agent-secrets-${name}`), "policy");
      assert.deepEqual(policy.Statement[2], {
        Sid: "PlatformAgeMonitorReadsVersionDates",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:role/platform-secret-fn-age-monitor" },
        Action: ["secretsmanager:ListSecretVersionIds"],
        Resource: "*",
      });
    }
    assert.ok(!JSON.stringify(json(find(rec, T.secretPolicy, "support-agent-secrets-billing-api-token"), "policy")).includes("age-monitor"));
    // The monitor itself may only list metadata (no resource-level permission exists) and write its logs.
    const monitor = json(find(rec, T.rolePolicy, "platform-secret-fn-age-monitor-logs"), "policy");
    assert.deepEqual(monitor.Statement.map((s: any) => [s.Action, s.Resource]), [
      [["secretsmanager:ListSecrets"], "*"],
      [["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:us-east-1:123456789012:log-group:/airlock/test/platform/platform:log-stream:*"]],
    ]);
  });

  it("hardens the container: read-only root, non-root user, no capabilities, secrets only by reference", () => {
    const [container] = json(find(rec, T.td, "support-agent-release-v2"), "containerDefinitions");
    assert.equal(container.readonlyRootFilesystem, true);
    assert.equal(container.user, "10001:10001");
    assert.equal(container.privileged, false);
    assert.deepEqual(container.linuxParameters, { capabilities: { add: [], drop: ["ALL"] }, initProcessEnabled: true });
    assert.deepEqual(container.mountPoints, [{ sourceVolume: "scratch", containerPath: "/tmp", readOnly: false }]);
    assert.deepEqual(
      container.secrets.map((s: any) => s.name),
      ["ANTHROPIC_API_KEY", "BILLING_API_TOKEN", "GITHUB_TOKEN"],
    );
    for (const s of container.secrets) assert.match(s.valueFrom, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock\/test\/support-agent\//);
    const envNames = container.environment.map((e: any) => e.name);
    for (const n of ["ANTHROPIC_API_KEY", "BILLING_API_TOKEN", "GITHUB_TOKEN"]) assert.ok(!envNames.includes(n), `${n} must not be plain environment`);
    assert.equal(container.image, `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${"2".repeat(64)}`);
    assert.equal(container.environment.find((e: any) => e.name === "AIRLOCK_RELEASE").value, "v2");
    assert.equal(container.logConfiguration.options["awslogs-group"], "/airlock/test/agents/support-agent");
    const td = find(rec, T.td, "support-agent-release-v2");
    assert.deepEqual([td.inputs.networkMode, td.inputs.requiresCompatibilities, td.inputs.skipDestroy, td.inputs.volumes], ["awsvpc", ["FARGATE"], true, [{ name: "scratch" }]]);
  });

  it("allows no ingress and egress only to endpoints, DNS and each host's ranges on 443", () => {
    const sg = find(rec, T.sg, "support-agent-agent");
    assert.deepEqual(sg.inputs.ingress, []);
    const egress = (sg.inputs.egress as any[]).map((r) => ({
      proto: r.protocol,
      port: r.fromPort,
      to: [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? []), ...(r.prefixListIds ?? []).map((p: string) => (p.startsWith("pl-") ? `prefix list: ${r.description}` : p)), ...(r.securityGroups ?? [])],
    }));
    assert.deepEqual(egress, [
      { proto: "tcp", port: 443, to: ["platform-endpoints-id"] },
      { proto: "tcp", port: 443, to: ["prefix list: HTTPS to the dynamodb gateway endpoint"] },
      { proto: "tcp", port: 443, to: ["prefix list: HTTPS to the s3 gateway endpoint"] },
      { proto: "udp", port: 53, to: ["10.40.0.2/32"] },
      { proto: "tcp", port: 53, to: ["10.40.0.2/32"] },
      { proto: "tcp", port: 443, to: ["160.79.104.0/23", "2607:6bc0::/48"] },
      { proto: "tcp", port: 443, to: ["10.20.8.0/24"] },
      { proto: "tcp", port: 443, to: ["140.82.112.0/20", "143.55.64.0/20", "185.199.108.0/22", "192.30.252.0/22", "2606:50c0::/32", "2a0a:a440::/29"] },
    ]);
    for (const r of sg.inputs.egress as any[]) {
      assert.ok(!(r.cidrBlocks ?? []).includes("0.0.0.0/0") && !(r.ipv6CidrBlocks ?? []).includes("::/0"));
      assert.equal(r.toPort, r.fromPort);
    }
  });

  it("runs the active release's task definition with no public IP and the circuit breaker on", () => {
    const service = find(rec, T.service, "support-agent-service");
    assert.equal(service.inputs.taskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/support-agent-test:2");
    assert.deepEqual(service.inputs.networkConfiguration, {
      assignPublicIp: false,
      securityGroups: ["support-agent-agent-id"],
      subnets: ["platform-private-us-east-1a-id", "platform-private-us-east-1b-id"],
    });
    assert.deepEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.equal(service.inputs.enableExecuteCommand, false);
  });

  it("builds a fail-closed DNS firewall that allows the agent's hosts and the endpoints, and blocks the rest", () => {
    const allowed = find(rec, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList", "platform-allowed");
    assert.deepEqual(allowed.inputs.domains, [
      // Current SDKs call DynamoDB on account-based names by default.
      "*.ddb.us-east-1.amazonaws.com",
      "*.dkr.ecr.us-east-1.amazonaws.com",
      "*.s3.amazonaws.com",
      "*.s3.us-east-1.amazonaws.com",
      "api.anthropic.com",
      "api.billing.acme.example.com",
      "api.ecr.us-east-1.amazonaws.com",
      "api.github.com",
      "dkr.ecr.us-east-1.amazonaws.com",
      "dynamodb.us-east-1.amazonaws.com",
      // The sandbox runner starts the code-executing tool's task.
      "ecs.us-east-1.amazonaws.com",
      "email.us-east-1.amazonaws.com",
      "lambda.us-east-1.amazonaws.com",
      "logs.us-east-1.amazonaws.com",
      "s3.amazonaws.com",
      "s3.us-east-1.amazonaws.com",
      "secretsmanager.us-east-1.amazonaws.com",
    ]);
    const rules = all(rec, "aws:route53/resolverFirewallRule:ResolverFirewallRule").map((r) => [r.inputs.action, r.inputs.priority, r.inputs.blockResponse ?? null]);
    assert.deepEqual(rules, [
      ["ALLOW", 100, null],
      ["BLOCK", 200, "NXDOMAIN"],
    ]);
    assert.equal(find(rec, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig", "platform-dns").inputs.firewallFailOpen, "DISABLED");
  });

  it("masks credentials in the agent's log group and encrypts it", () => {
    const lg = find(rec, "aws:cloudwatch/logGroup:LogGroup", "support-agent-observability-logs");
    assert.equal(lg.inputs.retentionInDays, 90);
    assert.match(String(lg.inputs.kmsKeyId), /^arn:aws:kms:/);
    const dp = json(find(rec, "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "support-agent-observability-logs-masking"), "policyDocument");
    assert.ok(dp.Statement[1].Operation.Deidentify);
    assert.ok(dp.Statement[1].DataIdentifier.includes("arn:aws:dataprotection::aws:data-identifier/AwsSecretKey"));
    assert.ok(dp.Statement[1].DataIdentifier.includes("AnthropicApiKey"));
  });

  it("tags every taggable child with the agent and owner", () => {
    const taggable = rec.resources.filter((r) => r.custom && r.inputs.tags !== undefined && r.parent?.includes("support-agent"));
    assert.ok(taggable.length > 10);
    for (const r of taggable) {
      const tags = r.inputs.tags as Record<string, string>;
      assert.equal(tags["airlock:agent"], "support-agent", r.name);
      assert.equal(tags["airlock:owner"], "support-platform@example.com", r.name);
    }
  });

  it("parents every child: no resource of the deployment is top-level", () => {
    const top = rec.resources.filter((r) => r.parent === null).map((r) => r.type);
    assert.deepEqual(top.sort(), ["airlock:agent:AgentDeployment", "airlock:platform:AgentPlatform"]);
  });
});

describe("AgentDeployment with the team's own rotation Lambda for a vendor key", () => {
  it("rotates it with that Lambda on its schedule, after its policy exists, and neither the platform's functions nor an age alarm touch it", async () => {
    const manifest = parse(readFileSync(EXAMPLE_MANIFEST, "utf8"));
    const github = manifest.secrets.find((x: { name: string }) => x.name === "github-token");
    github.rotation = { days: 45, lambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:rotate-github-token" };
    const rec = await recordDeployment(await compile(manifest, { baseDir: dirname(EXAMPLE_MANIFEST) }));
    const rotations = all(rec, T.rotation).map((r) => [r.name, r.inputs.rotationLambdaArn, r.inputs.rotationRules]);
    assert.deepEqual(rotations, [
      ["support-agent-secrets-billing-api-token", "arn:aws:lambda:us-east-1:123456789012:function:airlock-test-platform-rotate-secrets", { automaticallyAfterDays: 30 }],
      ["support-agent-secrets-github-token", "arn:aws:lambda:us-east-1:123456789012:function:rotate-github-token", { automaticallyAfterDays: 45 }],
    ]);
    const policy = JSON.stringify(json(find(rec, T.secretPolicy, "support-agent-secrets-github-token"), "policy"));
    assert.ok(!policy.includes("platform-secret-fn"), policy);
    const age = find(rec, T.alarm, "support-agent-secrets-age");
    assert.match(String(age.inputs.alarmDescription), /: anthropic-api-key \(90 days\)\. /);
  });
});
