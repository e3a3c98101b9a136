import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SecretEncryptedWithKms } from "../../src/rules/secretsmanager/SecretEncryptedWithKms.ts";
import { SecretRotatedOrAlarmed } from "../../src/rules/secretsmanager/SecretRotatedOrAlarmed.ts";
import { LogGroupRetention } from "../../src/rules/cloudwatch/LogGroupRetention.ts";
import { LogGroupEncrypted } from "../../src/rules/cloudwatch/LogGroupEncrypted.ts";
import { LogGroupDataProtection } from "../../src/rules/cloudwatch/LogGroupDataProtection.ts";
import { OutwardToolsApproved } from "../../src/rules/airlock/OutwardToolsApproved.ts";
import { ApprovalsOptedOut } from "../../src/rules/airlock/ApprovalsOptedOut.ts";
import type { StackResource } from "../../src/rule.ts";
import { check } from "../helpers.ts";
import { dataProtectionPolicy } from "../../../pulumi/src/observability/data-protection.ts";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/abc";
const res = (type: string, name: string, props: Record<string, unknown>): StackResource => ({ urn: `urn:pulumi:dev::p::${type}::${name}`, type, name, props });
const SECRET = "aws:secretsmanager/secret:Secret";
const LOG = "aws:cloudwatch/logGroup:LogGroup";

describe("SecretEncryptedWithKms", () => {
  it("given a kmsKeyId, then compliant; without one (missing property), reported", async () => {
    assert.deepEqual(await check(SecretEncryptedWithKms, SECRET, { name: "s", kmsKeyId: KEY }), { status: "compliant" });
    assert.deepEqual(await check(SecretEncryptedWithKms, SECRET, { name: "s" }), {
      status: "non-compliant",
      messages: ["has no `kmsKeyId`, so it uses the AWS-managed key; set `kmsKeyId` to a customer-managed key"],
    });
    assert.equal((await check(SecretEncryptedWithKms, SECRET, { name: "s", kmsKeyId: " " })).status, "non-compliant");
  });
});

describe("SecretRotatedOrAlarmed", () => {
  const generated = res(SECRET, "a-billing", { name: "airlock/a/billing-api-token", tags: { "airlock:agent": "a", "airlock:secret": "billing-api-token" } });
  const handKey = res(SECRET, "a-github", { name: "airlock/a/github-token", tags: { "airlock:agent": "a", "airlock:secret": "github-token" } });
  const rotation = res("aws:secretsmanager/secretRotation:SecretRotation", "a-billing", { secretId: "a-billing-id", rotationRules: { automaticallyAfterDays: 30 } });
  const alarm = res("aws:cloudwatch/metricAlarm:MetricAlarm", "a-github-age", { dimensions: { Agent: "a", Secret: "github-token" }, metricName: "SecretAgeDays", threshold: 60 });

  it("given one secret rotated (by its id) and one watched by an age alarm (by its tags), then no violation", () => {
    assert.deepEqual(SecretRotatedOrAlarmed.check({ resources: [generated, handKey, rotation, alarm] }), []);
  });
  it("given a rotation referring to the secret by ARN (with the Secrets Manager suffix), then it counts", () => {
    const byArn = res("aws:secretsmanager/secretRotation:SecretRotation", "r", { secretId: "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/a/billing-api-token-AB12CD" });
    assert.deepEqual(SecretRotatedOrAlarmed.check({ resources: [generated, byArn] }), []);
  });
  it("given the alarm removed, then the hand-rotated secret is reported", () => {
    assert.deepEqual(SecretRotatedOrAlarmed.check({ resources: [generated, handKey, rotation] }), [
      {
        subject: handKey.urn,
        message: "secret `a-github` neither rotates nor has a max-age alarm; add a SecretRotation, or an alarm on its age for keys rotated by hand",
      },
    ]);
  });
  it("given an alarm for another agent's secret of the same name, then it does not count", () => {
    const other = res("aws:cloudwatch/metricAlarm:MetricAlarm", "b-github-age", { dimensions: { Agent: "b", Secret: "github-token" } });
    assert.equal(SecretRotatedOrAlarmed.check({ resources: [handKey, other] }).length, 1);
  });
  it("given a secret with no tags and no name (missing properties) and no rotation, then reported", () => {
    assert.equal(SecretRotatedOrAlarmed.check({ resources: [res(SECRET, "bare", {})] }).length, 1);
  });
});

describe("LogGroupRetention / LogGroupEncrypted", () => {
  it("given 90 days and a key, then compliant", async () => {
    assert.deepEqual(await check(LogGroupRetention, LOG, { retentionInDays: 90 }), { status: "compliant" });
    assert.deepEqual(await check(LogGroupEncrypted, LOG, { kmsKeyId: KEY }), { status: "compliant" });
  });
  it("given retention 0 (forever) or missing, and no key, then reported", async () => {
    const forever = { status: "non-compliant", messages: ["keeps events forever; set `retentionInDays` (e.g. 30) so traces with customer data expire"] };
    assert.deepEqual(await check(LogGroupRetention, LOG, { retentionInDays: 0 }), forever);
    assert.deepEqual(await check(LogGroupRetention, LOG, {}), forever);
    assert.deepEqual(await check(LogGroupEncrypted, LOG, {}), { status: "non-compliant", messages: ["is not encrypted with a customer-managed key; set `kmsKeyId`"] });
  });
});

describe("LogGroupDataProtection", () => {
  const group = res(LOG, "a-logs", { name: "/airlock/a/agent", retentionInDays: 90 });
  const doc = (ops: object[], ids = ["arn:aws:dataprotection::aws:data-identifier/AwsSecretKey"]) =>
    JSON.stringify({ Name: "p", Version: "2021-06-01", Statement: ops.map((Operation, i) => ({ Sid: `s${i}`, DataIdentifier: ids, Operation })) });
  const masking = res("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "a-logs", { logGroupName: "/airlock/a/agent", policyDocument: doc([{ Audit: { FindingsDestination: {} } }, { Deidentify: { MaskConfig: {} } }]) });

  it("given a masking policy on the group, then no violation", () => {
    assert.deepEqual(LogGroupDataProtection.check({ resources: [group, masking] }), []);
  });
  it("given no policy, then reported; given an audit-only policy, then reported as not masking", () => {
    assert.deepEqual(LogGroupDataProtection.check({ resources: [group] }), [
      { subject: group.urn, message: "log group `a-logs` has no data protection policy; add a LogDataProtectionPolicy that masks credentials" },
    ]);
    const auditOnly = res("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "a-logs", { logGroupName: "/airlock/a/agent", policyDocument: doc([{ Audit: {} }]) });
    assert.match(LogGroupDataProtection.check({ resources: [group, auditOnly] })[0]!.message, /only audits/);
  });
  it("given a policy for another group whose name starts the same, then it does not count", () => {
    const other = res("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "x", { logGroupName: "/airlock/a/agent-old", policyDocument: masking.props.policyDocument });
    assert.equal(LogGroupDataProtection.check({ resources: [group, other] }).length, 1);
  });
  it("given a policy that masks only e-mail addresses (no credential identifier, managed or custom), then reported", () => {
    const emails = res("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "a-logs", {
      logGroupName: "/airlock/a/agent",
      policyDocument: doc([{ Deidentify: { MaskConfig: {} } }], ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]),
    });
    assert.deepEqual(LogGroupDataProtection.check({ resources: [group, emails] }), [
      {
        subject: group.urn,
        message:
          "log group `a-logs`'s data protection policy masks no credentials; name AWS's credential identifiers (arn:aws:dataprotection::aws:data-identifier/AwsSecretKey, …) or Airlock's custom ones in the `Deidentify` statement",
      },
    ]);
    const account = res("aws:cloudwatch/logAccountPolicy:LogAccountPolicy", "acct", { policyType: "DATA_PROTECTION_POLICY", policyDocument: emails.props.policyDocument });
    assert.equal(LogGroupDataProtection.check({ resources: [group, account] }).length, 1);
  });
  it("given the policy Airlock writes (managed credential identifiers and its custom ones), then compliant", () => {
    const airlock = res("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "a-logs", { logGroupName: "/airlock/a/agent", policyDocument: dataProtectionPolicy("p") });
    assert.deepEqual(LogGroupDataProtection.check({ resources: [group, airlock] }), []);
  });
  it("given an account-wide masking policy, then every group is covered", () => {
    const account = res("aws:cloudwatch/logAccountPolicy:LogAccountPolicy", "acct", { policyType: "DATA_PROTECTION_POLICY", policyDocument: masking.props.policyDocument });
    assert.deepEqual(LogGroupDataProtection.check({ resources: [group, account] }), []);
  });
});

describe("OutwardToolsApproved", () => {
  const agent = {
    name: "a",
    tools: [
      { name: "send_reply", outward: true, tier: "approve" as const, actionType: "customer.reply" },
      { name: "read_ticket", outward: false, tier: "auto" as const },
      { name: "post_status", outward: true, tier: "auto" as const, actionType: "status.post" },
    ],
  };
  it("given an approval gateway in the stack, then no violation", () => {
    assert.deepEqual(OutwardToolsApproved.check({ resources: [res("airlock:approvals:ApprovalGateway", "gw", {})], agents: [agent] }), []);
  });
  it("given a platform gateway that serves the agent, then no violation; one that serves only others, then the tool is reported", () => {
    assert.deepEqual(OutwardToolsApproved.check({ resources: [res("airlock:approvals:ApprovalGateway", "gw", { agents: ["a", "b"] })], agents: [agent] }), []);
    assert.deepEqual(
      OutwardToolsApproved.check({ resources: [res("airlock:approvals:ApprovalGateway", "gw", { agents: ["b"] })], agents: [agent] }).map((v) => v.subject),
      ["agents[a].tools[send_reply]"],
    );
  });
  it("given no gateway, then the outward non-auto tool is reported (not the auto one)", () => {
    assert.deepEqual(OutwardToolsApproved.check({ resources: [], agents: [agent] }), [
      {
        subject: "agents[a].tools[send_reply]",
        message: "outward tool `send_reply` of agent `a` needs `approve` (action type `customer.reply`) but no approval gateway is deployed; add an ApprovalGateway to the stack so its calls wait for a human",
      },
    ]);
  });
  it("given the agent's deployment declares approvals, then no violation", () => {
    assert.deepEqual(OutwardToolsApproved.check({ resources: [res("airlock:agent:AgentDeployment", "a", { agent: "a", approvals: { channel: "#approvals" } })], agents: [agent] }), []);
  });
  it("given no agents known (missing property), then nothing to check", () => {
    assert.deepEqual(OutwardToolsApproved.check({ resources: [] }), []);
  });
  it("given the agent's service carries the platform's reasoned opt-out, then no error (AIR-G051 warns instead); an empty reason does not count", () => {
    const service = (approvals: string) => res("aws:ecs/service:Service", "a-service", { tags: { "airlock:agent": "a", "airlock:approvals": approvals } });
    assert.deepEqual(OutwardToolsApproved.check({ resources: [service("OFF: planned from a bare agent.yaml: no Slack channel")], agents: [agent] }), []);
    assert.equal(OutwardToolsApproved.check({ resources: [service("OFF: ")], agents: [agent] }).length, 1);
    assert.equal(OutwardToolsApproved.check({ resources: [service("gateway")], agents: [agent] }).length, 1, "a tag that claims a gateway is not one");
  });
});

describe("ApprovalsOptedOut", () => {
  it("given a service whose approvals are off, then a warning with the agent and the reason; a gateway or none needed, nothing; no tags (missing property), nothing", () => {
    const off = res("aws:ecs/service:Service", "a-service", { tags: { "airlock:agent": "a", "airlock:approvals": "OFF: pilot with internal users only" } });
    assert.deepEqual(ApprovalsOptedOut.check({ resources: [off] }), [
      {
        subject: off.urn,
        message: "agent `a` runs its outward tools without a person: approvals are off (pilot with internal users only); route it through the approval gateway (`approvals.agents.a.slack`) before it acts for real",
      },
    ]);
    assert.deepEqual(ApprovalsOptedOut.check({ resources: [res("aws:ecs/service:Service", "b", { tags: { "airlock:agent": "b", "airlock:approvals": "gateway" } })] }), []);
    assert.deepEqual(ApprovalsOptedOut.check({ resources: [res("aws:ecs/service:Service", "c", {})] }), []);
  });
});
