import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FargateTaskSize } from "../../../src/rules/deploy/FargateTaskSize.ts";
import { RoleInlinePolicySize } from "../../../src/rules/deploy/RoleInlinePolicySize.ts";
import { ManagedPolicySize } from "../../../src/rules/deploy/ManagedPolicySize.ts";
import { PolicyStatementIds } from "../../../src/rules/deploy/PolicyStatementIds.ts";
import { RoleTrustPolicySize } from "../../../src/rules/deploy/RoleTrustPolicySize.ts";
import { check } from "../../helpers.ts";
import { policy, res } from "./plan-shapes.ts";

const TD = "aws:ecs/taskDefinition:TaskDefinition";
const td = { family: "support-agent", cpu: "512", memory: "1024", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" } };

describe("FargateTaskSize (AIR-D004)", () => {
  it("given today's task definition (512/1024), or the vCPU/GB forms, then compliant", async () => {
    assert.deepEqual(await check(FargateTaskSize, TD, td), { status: "compliant" });
    assert.deepEqual(await check(FargateTaskSize, TD, { ...td, cpu: "1 vCPU", memory: "8GB" }), { status: "compliant" });
  });
  it("given 512 with 8192, then reported with the nearest choices; Windows on 256, refused", async () => {
    assert.deepEqual(await check(FargateTaskSize, TD, { ...td, memory: "8192" }), {
      status: "non-compliant",
      messages: ["task definition `support-agent`: `cpu`/`memory`: cpu 512 with memory 8192 is not a Fargate task size; with cpu 512 use memory 4096 (valid: 1024, 2048, 3072, 4096), or keep memory 8192 with cpu 1024 or 2048 or 4096"],
    });
    assert.deepEqual(await check(FargateTaskSize, TD, { ...td, cpu: "256", memory: "512", runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2022_CORE" } }), {
      status: "non-compliant",
      messages: ["task definition `support-agent`: `cpu`/`memory`: cpu 256 does not run WINDOWS tasks on Fargate; use cpu 1024, 2048, 4096"],
    });
  });
  it("given no task-level memory (missing property) on Fargate, then reported; an EC2-only task, not applicable", async () => {
    const { memory: _m, ...noMemory } = td;
    assert.deepEqual(await check(FargateTaskSize, TD, noMemory), { status: "non-compliant", messages: ["task definition `support-agent`: Fargate needs task-level `cpu` and `memory`; set both (e.g. cpu 512 with memory 1024)"] });
    assert.deepEqual(await check(FargateTaskSize, TD, { ...td, requiresCompatibilities: ["EC2"] }), { status: "not-applicable" });
  });
});

describe("RoleInlinePolicySize (AIR-D005)", () => {
  const statement = (i: number) => ({ Sid: `S${i}`, Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::bucket-with-a-long-name-${i}/reports/daily.json`] });
  const big = policy(...Array.from({ length: 60 }, (_, i) => statement(i)));
  it("given the role of today's plan with its RolePolicy (1,001 characters), then compliant", () => {
    const role = res("aws:iam/role:Role", "support-agent-task", { assumeRolePolicy: policy({ Sid: "AssumeFromService", Effect: "Allow" }) });
    const rp = res("aws:iam/rolePolicy:RolePolicy", "support-agent-task", { role: "support-agent-task", policy: policy(statement(0)) });
    assert.deepEqual(RoleInlinePolicySize.check({ resources: [role, rp] }), []);
  });
  it("given two RolePolicies and an inline policy on one role totalling more than 10,240, then the role is reported with each part", () => {
    const role = res("aws:iam/role:Role", "r", { inlinePolicies: [{ name: "inline", policy: big }] });
    const a = res("aws:iam/rolePolicy:RolePolicy", "a", { role: "r", policy: big });
    const other = res("aws:iam/rolePolicy:RolePolicy", "other", { role: "r-old", policy: big });
    const size = big.replace(/\s/g, "").length;
    assert.deepEqual(RoleInlinePolicySize.check({ resources: [role, a, other] }), [
      {
        subject: role.urn,
        message: `IAM role \`r\`: its inline policies total ${2 * size} characters without white space (inlinePolicies[inline] ${size}, RolePolicy \`a\` ${size}); IAM allows 10240 per role; move statements into a managed policy or split the role`,
      },
    ]);
  });
  it("given policies that are unknown at plan time (missing property), then they are not counted", () => {
    const role = res("aws:iam/role:Role", "r", {});
    assert.deepEqual(RoleInlinePolicySize.check({ resources: [role, res("aws:iam/rolePolicy:RolePolicy", "a", { role: "r" }), res("aws:iam/rolePolicy:RolePolicy", "b", { role: "r", policy: "[secret]" })] }), []);
  });
});

describe("ManagedPolicySize (AIR-D006) / RoleTrustPolicySize (AIR-D008)", () => {
  const long = policy(...Array.from({ length: 80 }, (_, i) => ({ Sid: `S${i}`, Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket-${i}/key` })));
  it("given a small managed policy and trust policy, then compliant", async () => {
    assert.deepEqual(await check(ManagedPolicySize, "aws:iam/policy:Policy", { name: "p", policy: policy({ Sid: "A", Effect: "Allow" }) }), { status: "compliant" });
    assert.deepEqual(await check(RoleTrustPolicySize, "aws:iam/role:Role", { assumeRolePolicy: policy({ Sid: "AssumeFromService", Effect: "Allow" }) }), { status: "compliant" });
  });
  it("given documents over 6,144 and 2,048 characters, then each is reported with its size", async () => {
    const size = long.replace(/\s/g, "").length;
    assert.deepEqual(await check(ManagedPolicySize, "aws:iam/policy:Policy", { name: "p", policy: long + " ".repeat(50) }), {
      status: "non-compliant",
      messages: [`managed policy \`p\`: \`policy\` is ${size} characters without white space; IAM allows 6144 for a managed policy; split it into several policies`],
    });
    assert.deepEqual(await check(RoleTrustPolicySize, "aws:iam/role:Role", { assumeRolePolicy: long }), {
      status: "non-compliant",
      messages: [`IAM role: \`assumeRolePolicy\` is ${size} characters without white space; the default quota is 2048; trim the trust policy or raise the "Role trust policy length" quota`],
    });
  });
  it("given a trust policy passed as an object rather than JSON text, then it is measured the same", async () => {
    const size = long.replace(/\s/g, "").length;
    assert.deepEqual(await check(RoleTrustPolicySize, "aws:iam/role:Role", { assumeRolePolicy: JSON.parse(long) }), {
      status: "non-compliant",
      messages: [`IAM role: \`assumeRolePolicy\` is ${size} characters without white space; the default quota is 2048; trim the trust policy or raise the "Role trust policy length" quota`],
    });
  });
  it("given no policy document (missing property), then not applicable", async () => {
    assert.deepEqual(await check(ManagedPolicySize, "aws:iam/policy:Policy", {}), { status: "not-applicable" });
    assert.deepEqual(await check(RoleTrustPolicySize, "aws:iam/role:Role", {}), { status: "not-applicable" });
  });
});

describe("PolicyStatementIds (AIR-D007)", () => {
  it("given today's task role policy Sids, then compliant", async () => {
    const doc = policy(...["ReadTicketDynamodb0A", "ReadTicketDynamodb0B", "RecordReplyDynamodb0", "SendCustomerReplySes0", "ApprovalsInvokeOwnAlias"].map((Sid) => ({ Sid, Effect: "Allow" })));
    assert.deepEqual(await check(PolicyStatementIds, "aws:iam/rolePolicy:RolePolicy", { policy: doc }), { status: "compliant" });
  });
  it("given two tools' statements with the same Sid and a trust policy Sid with `-`, then both are reported", async () => {
    assert.deepEqual(await check(PolicyStatementIds, "aws:iam/rolePolicy:RolePolicy", { policy: policy({ Sid: "ReadT1Dynamodb0" }, { Sid: "ReadT1Dynamodb0" }) }), {
      status: "non-compliant",
      messages: ["`policy` statements 0 and 1 share Sid `ReadT1Dynamodb0`; IAM requires unique Sids within a policy; rename one"],
    });
    assert.deepEqual(await check(PolicyStatementIds, "aws:iam/role:Role", { assumeRolePolicy: policy({ Sid: "assume-from-ecs" }) }), {
      status: "non-compliant",
      messages: ["`assumeRolePolicy` statement 0 has Sid `assume-from-ecs`; IAM Sids hold only A-Z, a-z and 0-9; remove the other characters"],
    });
  });
  it("given no policy at all (missing property), then not applicable", async () => {
    assert.deepEqual(await check(PolicyStatementIds, "aws:iam/rolePolicy:RolePolicy", {}), { status: "not-applicable" });
  });
});
