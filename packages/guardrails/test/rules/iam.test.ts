import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IamNoWildcardActions } from "../../src/rules/iam/IamNoWildcardActions.ts";
import { IamNoWildcardResources } from "../../src/rules/iam/IamNoWildcardResources.ts";
import { IamNoAdminManagedPolicies } from "../../src/rules/iam/IamNoAdminManagedPolicies.ts";
import { IamActionsExist } from "../../src/rules/iam/IamActionsExist.ts";
import { IamResourcesMatchActions } from "../../src/rules/iam/IamResourcesMatchActions.ts";
import { check, messages, policy } from "../helpers.ts";

const TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

describe("IamNoWildcardActions", () => {
  it("given exact actions, when checked, then compliant", async () => {
    const r = await check(IamNoWildcardActions, ROLE_POLICY, { policy: policy({ Sid: "Read", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [TABLE] }) });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given `s3:*` and `dynamodb:Get*` in a role policy, when checked, then both are reported", async () => {
    const r = await check(IamNoWildcardActions, ROLE_POLICY, {
      policy: policy({ Sid: "Bad", Effect: "Allow", Action: ["s3:*", "dynamodb:Get*"], Resource: [TABLE] }),
    });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: [
        'policy statement Bad allows the wildcard action "s3:*"; list the exact actions the role needs',
        'policy statement Bad allows the wildcard action "dynamodb:Get*"; list the exact actions the role needs',
      ],
    });
  });
  it("given an inline role policy with Action \"*\" (a string, not a list), when checked, then reported under its name", async () => {
    const r = await check(IamNoWildcardActions, "aws:iam/role:Role", { inlinePolicies: [{ name: "admin", policy: policy({ Effect: "Allow", Action: "*", Resource: "*" }) }] });
    assert.deepEqual(r, { status: "non-compliant", messages: ['inlinePolicies[admin] statement #0 allows the wildcard action "*"; list the exact actions the role needs'] });
  });
  it("given Allow with NotAction, when checked, then reported", async () => {
    const r = await check(IamNoWildcardActions, "aws:iam/policy:Policy", { policy: policy({ Effect: "Allow", NotAction: ["iam:*"], Resource: "*" }) });
    assert.equal(r.status, "non-compliant");
    assert.match(messages(r)[0]!, /NotAction with Allow/);
  });
  it("given a Deny with a wildcard, when checked, then compliant (denying broadly narrows)", async () => {
    const r = await check(IamNoWildcardActions, ROLE_POLICY, { policy: policy({ Effect: "Deny", Action: "*", Resource: "*" }) });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given a role without inline policies (missing property), when checked, then not applicable", async () => {
    assert.deepEqual(await check(IamNoWildcardActions, "aws:iam/role:Role", { assumeRolePolicy: "{}" }), { status: "not-applicable" });
  });
});

describe("IamNoWildcardResources", () => {
  it("given exact ARNs, when checked, then compliant", async () => {
    const r = await check(IamNoWildcardResources, ROLE_POLICY, { policy: policy({ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [TABLE] }) });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given a resource-level action on \"*\", when checked, then reported with the action", async () => {
    const r = await check(IamNoWildcardResources, ROLE_POLICY, { policy: policy({ Sid: "All", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: "*" }) });
    assert.deepEqual(r, { status: "non-compliant", messages: ['policy statement All grants "dynamodb:GetItem" on the wildcard resource "*"; name the exact resource ARNs'] });
  });
  it("given a table ARN with a wildcard, when checked, then reported", async () => {
    const r = await check(IamNoWildcardResources, ROLE_POLICY, { policy: policy({ Sid: "S", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/*"] }) });
    assert.equal(r.status, "non-compliant");
  });
  it("given ecr:GetAuthorizationToken (no resource-level permissions) on \"*\", when checked, then compliant", async () => {
    const r = await check(IamNoWildcardResources, ROLE_POLICY, { policy: policy({ Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" }) });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given log writes on an exact group's `:log-stream:*`, when checked, then compliant (the required wildcard)", async () => {
    const r = await check(IamNoWildcardResources, ROLE_POLICY, {
      policy: policy({ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["arn:aws:logs:us-east-1:123456789012:log-group:/airlock/a/agent:log-stream:*"] }),
    });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given a policy with no statements (missing property), when checked, then compliant; no policy at all is not applicable", async () => {
    assert.deepEqual(await check(IamNoWildcardResources, ROLE_POLICY, { policy: policy() }), { status: "compliant" });
    assert.deepEqual(await check(IamNoWildcardResources, ROLE_POLICY, {}), { status: "not-applicable" });
  });
});

describe("IamNoAdminManagedPolicies", () => {
  it("given the ECS task execution managed policy, when checked, then compliant", async () => {
    const r = await check(IamNoAdminManagedPolicies, "aws:iam/role:Role", { managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"] });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given AdministratorAccess and AmazonS3FullAccess, when checked, then both reported", async () => {
    const r = await check(IamNoAdminManagedPolicies, "aws:iam/role:Role", {
      managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"],
    });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: [
        "`managedPolicyArns` attaches the AWS managed policy AdministratorAccess; grant exact actions on exact resources instead",
        "`managedPolicyArns` attaches the AWS managed policy AmazonS3FullAccess; grant exact actions on exact resources instead",
      ],
    });
  });
  it("given a RolePolicyAttachment of PowerUserAccess, when checked, then reported", async () => {
    const r = await check(IamNoAdminManagedPolicies, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" });
    assert.equal(r.status, "non-compliant");
  });
  it("given a role with no managedPolicyArns (missing property), when checked, then not applicable", async () => {
    assert.deepEqual(await check(IamNoAdminManagedPolicies, "aws:iam/role:Role", {}), { status: "not-applicable" });
  });
});

describe("IamActionsExist", () => {
  it("given real actions and a matching pattern, when checked, then compliant", async () => {
    const r = await check(IamActionsExist, ROLE_POLICY, { policy: policy({ Effect: "Allow", Action: ["dynamodb:GetItem", "ses:SendEmail", "ecr:BatchGet*"], Resource: "*" }) });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given a misspelt action, an unknown service and a pattern that matches nothing, when checked, then each is reported", async () => {
    const r = await check(IamActionsExist, ROLE_POLICY, {
      policy: policy({ Sid: "T", Effect: "Allow", Action: ["dynamodb:GetItems", "dynamo:GetItem", "ses:Frobnicate*"], Resource: "*" }),
    });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: [
        'policy statement T: "dynamodb:GetItems" is not an action of dynamodb; check the AWS service authorization reference',
        'policy statement T: "dynamo:GetItem": `dynamo` is not an IAM service prefix; check the AWS service authorization reference',
        'policy statement T: "ses:Frobnicate*" matches no ses action; check the AWS service authorization reference',
      ],
    });
  });
  it("given a role's trust policy, when checked, then its actions are checked too", async () => {
    const r = await check(IamActionsExist, "aws:iam/role:Role", { assumeRolePolicy: policy({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRoles" }) });
    assert.deepEqual(r, { status: "non-compliant", messages: ['assumeRolePolicy statement #0: "sts:AssumeRoles" is not an action of sts; check the AWS service authorization reference'] });
  });
  it("given a policy that is not JSON (missing statements), when checked, then compliant with nothing to check", async () => {
    assert.deepEqual(await check(IamActionsExist, ROLE_POLICY, { policy: "not json" }), { status: "compliant" });
    assert.deepEqual(await check(IamActionsExist, ROLE_POLICY, {}), { status: "not-applicable" });
  });
});

describe("IamResourcesMatchActions", () => {
  it("given GetItem on a table and Query on its index, when checked, then compliant", async () => {
    const r = await check(IamResourcesMatchActions, ROLE_POLICY, {
      policy: policy({ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: [TABLE] }, { Effect: "Allow", Action: ["dynamodb:Query"], Resource: [`${TABLE}/index/by-customer`] }),
    });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given ses:SendEmail on a DynamoDB table, when checked, then reported with the types it takes", async () => {
    const r = await check(IamResourcesMatchActions, ROLE_POLICY, { policy: policy({ Sid: "Mail", Effect: "Allow", Action: ["ses:SendEmail"], Resource: [TABLE] }) });
    assert.equal(r.status, "non-compliant");
    const [m] = messages(r);
    assert.match(m!, /^policy statement Mail: "ses:SendEmail" does not act on "arn:aws:dynamodb:us-east-1:123456789012:table\/support-tickets"; it takes configuration-set \(arn:\$\{Partition\}:ses:\$\{Region\}:\$\{Account\}:configuration-set\/\$\{ConfigurationSetName\}\), identity/);
  });
  it("given a wildcard-only action on an ARN, when checked, then reported (the ARN grants nothing)", async () => {
    const r = await check(IamResourcesMatchActions, ROLE_POLICY, { policy: policy({ Sid: "E", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["arn:aws:ecr:us-east-1:123456789012:repository/x"] }) });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: ['policy statement E: "ecr:GetAuthorizationToken" has no resource-level permissions, so "arn:aws:ecr:us-east-1:123456789012:repository/x" grants nothing; use "*" for it'],
    });
  });
  it("given no policy (missing property), when checked, then not applicable", async () => {
    assert.deepEqual(await check(IamResourcesMatchActions, "aws:iam/policy:Policy", {}), { status: "not-applicable" });
  });
});
