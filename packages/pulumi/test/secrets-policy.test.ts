/**
 * AgentSecrets' resource policies, tags, names and ordering, under Pulumi's mocks: who may read a
 * value (the readers, the platform's rotation function, the consumers of a generated value, and the
 * deployer where the provider reads back a version it wrote), decided by an IAM simulator over the
 * policy the component really writes. @cloud-copilot/iam-simulate is AGPL: test-only.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { SecretBinding } from "@airlock/core";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import type { AwsContext } from "../src/aws-context.ts";
import { AgentSecrets, type AgentSecretsArgs } from "../src/secrets/agent-secrets.ts";
import { SecretFunctions } from "../src/secrets/secret-functions.ts";
import { all, find, json } from "./harness.ts";
import { simulateIam } from "../../../test/helpers/iam-simulation.ts";

const ACCOUNT = "123456789012";
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/airlock-deployer`;
const EXECUTION = `arn:aws:iam::${ACCOUNT}:role/support-agent-execution`;
const CONSUMER = `arn:aws:iam::${ACCOUNT}:role/billing-api`;
const OTHER = `arn:aws:iam::${ACCOUNT}:role/some-admin`;
const T = {
  secret: "aws:secretsmanager/secret:Secret",
  policy: "aws:secretsmanager/secretPolicy:SecretPolicy",
  rotation: "aws:secretsmanager/secretRotation:SecretRotation",
  permission: "aws:lambda/permission:Permission",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

const binding = (name: string, source: SecretBinding["source"], rotation: SecretBinding["rotation"], extra: Partial<SecretBinding> = {}): SecretBinding => ({
  name,
  envName: name.toUpperCase().replace(/-/g, "_"),
  source,
  description: `${name} for tests`,
  length: source === "generated" ? 48 : 0,
  rotation,
  consumers: ["tool"],
  ...extra,
});

/** A generated token, a vendor key from config, one set by hand, and one rotated by the team's own Lambda. */
const SECRETS: SecretBinding[] = [
  binding("billing-api-token", "generated", { kind: "builtin", days: 30 }),
  binding("vendor-key", "pulumi-config", { kind: "max-age", maxAgeDays: 90 }, { configKey: "vendorKey" }),
  binding("github-token", "out-of-band", { kind: "max-age", maxAgeDays: 60 }),
  binding("crm-token", "out-of-band", { kind: "lambda", days: 45, lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rotate-crm-token` }),
];

type Extra = Partial<Pick<AgentSecretsArgs, "consumers" | "redeploy">>;

/** The platform's secret functions and one agent's secrets, recorded under mocks (stack `test`). */
export function recordSecrets(extra: Extra = {}, stack = "test"): Promise<Recording> {
  return recordProgram({
    project: "airlock-test",
    stack,
    config: { "aws:region": "us-east-1", "airlock-test:vendorKey": "v-123" },
    secretKeys: ["airlock-test:vendorKey"],
    program: () => {
      const ctx: AwsContext = {
        region: "us-east-1",
        accountId: pulumi.output(ACCOUNT),
        partition: pulumi.output("aws"),
        dnsSuffix: pulumi.output("amazonaws.com"),
        deployerArn: pulumi.output(DEPLOYER),
      };
      const kmsKeyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/test`;
      const functions = new SecretFunctions("platform-secret-fn", {
        platformName: "platform",
        aws: ctx,
        logGroupName: "/airlock/platform/platform",
        logGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/airlock/platform/platform`,
        kmsKeyArn,
        rotation: true,
        ageMonitor: true,
        tags: { "airlock:platform": "platform" },
      });
      new AgentSecrets("support-agent-secrets", {
        model: { name: "support-agent", secrets: SECRETS },
        aws: ctx,
        kmsKeyArn,
        readerRoleArns: [EXECUTION],
        rotation: functions.rotation!,
        ageMonitor: functions.ageMonitor!,
        alarmTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`,
        tags: { "airlock:platform": "platform", "airlock:agent": "support-agent" },
        ...extra,
      });
    },
  });
}

/**
 * Only AgentSecrets, with the platform's functions as plain outputs (no resources): for input the
 * component must refuse before it creates anything.
 */
function recordSecretsAlone(extra: Extra): Promise<Recording> {
  return recordProgram({
    project: "airlock-test",
    stack: "test",
    config: { "aws:region": "us-east-1", "airlock-test:vendorKey": "v-123" },
    secretKeys: ["airlock-test:vendorKey"],
    program: () => {
      const shared = (role: string) => ({
        functionArn: pulumi.output(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:${role}`),
        roleArn: pulumi.output(`arn:aws:iam::${ACCOUNT}:role/${role}`),
        roleName: pulumi.output(role),
        invokePermission: undefined as never,
      });
      new AgentSecrets("support-agent-secrets", {
        model: { name: "support-agent", secrets: SECRETS },
        aws: { region: "us-east-1", accountId: pulumi.output(ACCOUNT), partition: pulumi.output("aws"), dnsSuffix: pulumi.output("amazonaws.com"), deployerArn: pulumi.output(DEPLOYER) },
        kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/test`,
        readerRoleArns: [EXECUTION],
        rotation: shared("rotation"),
        ageMonitor: shared("monitor"),
        alarmTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`,
        tags: {},
        ...extra,
      });
    },
  });
}

function secretArn(rec: Recording, name: string): string {
  const s = find(rec, T.secret, `support-agent-secrets-${name}`);
  return `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${String(s.inputs.name)}-AbCdEf`;
}

/** What IAM decides for `principal` doing `action` on the secret, given its identity policy and the secret's policy. */
async function decide(rec: Recording, secret: string, principal: string, action: string, identityPolicy?: object): Promise<string> {
  const resourcePolicy = json(find(rec, T.policy, `support-agent-secrets-${secret}`), "policy");
  // A session of a role: AWS puts the role's ARN in aws:PrincipalArn (the simulator takes it as given).
  const contextVariables = { "aws:SecureTransport": "true", "aws:PrincipalArn": principal, "aws:PrincipalAccount": ACCOUNT };
  return simulateIam({
    principal,
    action,
    resource: secretArn(rec, secret),
    accountId: ACCOUNT,
    contextVariables,
    identityPolicies: identityPolicy ? [{ name: "identity", policy: identityPolicy }] : [],
    resourcePolicy,
  });
}

/** An administrator's identity policy: everything in Secrets Manager. */
const ADMIN = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }] };

const denyExceptions = (rec: Recording, secret: string): string[] => {
  const deny = json(find(rec, T.policy, `support-agent-secrets-${secret}`), "policy").Statement.find((s: any) => s.Sid === "OnlyNamedRolesReadTheValue");
  return deny.Condition.StringNotEquals["aws:PrincipalArn"];
};

describe("AgentSecrets: the deployer reads back the versions it writes", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordSecrets();
  });

  it("lets the deploying principal through the read deny exactly where Pulumi manages a version (generated and pulumi-config values)", () => {
    const rotationRole = `arn:aws:iam::${ACCOUNT}:role/platform-secret-fn-rotation`;
    assert.deepEqual(denyExceptions(rec, "billing-api-token"), [EXECUTION, rotationRole, DEPLOYER]);
    assert.deepEqual(denyExceptions(rec, "vendor-key"), [EXECUTION, DEPLOYER]);
    // No SecretVersion resource: the provider never reads these values, so the deployer stays out.
    assert.deepEqual(denyExceptions(rec, "github-token"), [EXECUTION]);
    assert.deepEqual(denyExceptions(rec, "crm-token"), [EXECUTION]);
  });

  it("given an administrator's identity policy, then the simulator lets the deployer read the generated value and explicitly denies another role of the account", async () => {
    assert.equal(await decide(rec, "billing-api-token", DEPLOYER, "secretsmanager:GetSecretValue", ADMIN), "Allowed");
    assert.equal(await decide(rec, "vendor-key", DEPLOYER, "secretsmanager:GetSecretValue", ADMIN), "Allowed");
    assert.equal(await decide(rec, "billing-api-token", OTHER, "secretsmanager:GetSecretValue", ADMIN), "ExplicitlyDenied");
    // Where no version is managed, the deployer is denied like anyone else.
    assert.equal(await decide(rec, "github-token", DEPLOYER, "secretsmanager:GetSecretValue", ADMIN), "ExplicitlyDenied");
    // The other calls the provider makes on a version were never denied.
    assert.equal(await decide(rec, "billing-api-token", OTHER, "secretsmanager:UpdateSecretVersionStage", ADMIN), "Allowed");
  });
});

describe("AgentSecrets: consumers of a value", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordSecrets({ consumers: { "billing-api-token": [CONSUMER] } });
  });

  it("lets each named consumer role read that secret's value by the resource policy alone, and no other secret's", async () => {
    const policy = json(find(rec, T.policy, "support-agent-secrets-billing-api-token"), "policy");
    assert.deepEqual(
      policy.Statement.find((s: any) => s.Sid === "ConsumersReadTheValue"),
      { Sid: "ConsumersReadTheValue", Effect: "Allow", Principal: { AWS: [CONSUMER] }, Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], Resource: "*" },
    );
    assert.ok(denyExceptions(rec, "billing-api-token").includes(CONSUMER));
    // The billing API's role holds no Secrets Manager policy of its own: the secret's policy is enough (same account).
    assert.equal(await decide(rec, "billing-api-token", CONSUMER, "secretsmanager:GetSecretValue"), "Allowed");
    assert.equal(await decide(rec, "github-token", CONSUMER, "secretsmanager:GetSecretValue", ADMIN), "ExplicitlyDenied");
    assert.equal(await decide(rec, "billing-api-token", OTHER, "secretsmanager:GetSecretValue", ADMIN), "ExplicitlyDenied");
  });

  it("refuses a consumer list for a secret that does not exist, and a consumer that is not a role ARN, naming the field", async () => {
    await assert.rejects(recordSecretsAlone({ consumers: { "billing-token": [CONSUMER] } }), {
      message: "`consumers.billing-token`: agent `support-agent` has no secret named `billing-token`; its secrets are billing-api-token, vendor-key, github-token, crm-token",
    });
    await assert.rejects(recordSecretsAlone({ consumers: { "billing-api-token": ["billing-api"] } }), {
      message: '`consumers.billing-api-token[0]`: "billing-api" is not an IAM role ARN; give the ARN of the role that must read the value (arn:aws:iam::<account>:role/<name>)',
    });
  });
});

describe("AgentSecrets: redeploy after rotation and stack tags", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordSecrets({ redeploy: { clusterName: pulumi.output("acme-agents-cluster"), serviceName: "support-agent" } });
  });

  it("tags rotated secrets with the service to redeploy, and every secret with its stack", () => {
    const tags = (name: string) => find(rec, T.secret, `support-agent-secrets-${name}`).inputs.tags as Record<string, string>;
    assert.equal(tags("billing-api-token")["airlock:redeploy"], "acme-agents-cluster/support-agent");
    assert.equal(tags("crm-token")["airlock:redeploy"], "acme-agents-cluster/support-agent");
    // Values that only change by hand are picked up by the next deployment; nothing to tag.
    assert.equal(tags("github-token")["airlock:redeploy"], undefined);
    assert.equal(tags("vendor-key")["airlock:redeploy"], undefined);
    for (const s of SECRETS) assert.equal(tags(s.name)["airlock:stack"], "test", s.name);
  });

  it("refuses a cluster or service that is not a name ECS accepts", async () => {
    await assert.rejects(recordSecretsAlone({ redeploy: { clusterName: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/acme`, serviceName: "support-agent" } }), {
      message: `\`redeploy.clusterName\`: "arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/acme" is not an ECS cluster name (letters, digits, \`-\` and \`_\`, at most 255); give the cluster's name, not its ARN`,
    });
    await assert.rejects(recordSecretsAlone({ redeploy: { clusterName: "acme", serviceName: "support agent" } }), {
      message: '`redeploy.serviceName`: "support agent" is not an ECS service name (letters, digits, `-` and `_`, at most 255); give the service\'s name, not its ARN',
    });
  });
});

describe("AgentSecrets: ordering and names", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordSecrets();
  });

  it("starts the built-in rotation only after Secrets Manager may invoke the rotation function", () => {
    const permission = find(rec, T.permission, "platform-secret-fn-rotation");
    assert.equal(permission.inputs.principal, "secretsmanager.amazonaws.com");
    const builtin = find(rec, T.rotation, "support-agent-secrets-billing-api-token");
    assert.ok(builtin.dependsOn.includes(permission.urn), `dependsOn: ${builtin.dependsOn.join(", ")}`);
    for (const r of ["secretPolicy:SecretPolicy", "secretVersion:SecretVersion"]) {
      assert.ok(builtin.dependsOn.some((u) => u.includes(`aws:secretsmanager/${r}::support-agent-secrets-billing-api-token`)), r);
    }
    // The team's own Lambda carries its own permission; the platform's is no dependency of it.
    const team = find(rec, T.rotation, "support-agent-secrets-crm-token");
    assert.ok(!team.dependsOn.includes(permission.urn));
  });

  it("names every secret airlock/<stack>/<owner>/<secret>, and the age alarm and its metric by stack", () => {
    assert.deepEqual(all(rec, T.secret).map((s) => s.inputs.name).sort(), [
      "airlock/test/support-agent/billing-api-token",
      "airlock/test/support-agent/crm-token",
      "airlock/test/support-agent/github-token",
      "airlock/test/support-agent/vendor-key",
    ]);
    const alarm = find(rec, T.alarm, "support-agent-secrets-age");
    assert.equal(alarm.inputs.name, "airlock-test-support-agent-secrets-age");
    assert.deepEqual(alarm.inputs.dimensions, { Agent: "support-agent", Stack: "test" });
  });
});
