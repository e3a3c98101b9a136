/**
 * Privilege escalation and permissions management on a tool (issue #15): refused unless the tool
 * states a reason (`allowPrivilegeEscalation.reason`), shown as such in the permission map, the
 * findings and the diff; `access: write` never expands to policy, ACL, public-access-block or tag writes.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile, renderPermissionMap } from "../../src/index.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";


function withGrant(grant: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
  const m = baseManifest();
  m.tools.push({ name: "admin_tool", description: "Does something risky.", access: "write", aws: [grant], ...extra });
  return m;
}

const REASON = { reason: "deploys the reviewed build of the report renderer, nothing else" };

const CASES: [string, Record<string, unknown>, string][] = [
  [
    "iam:PassRole",
    { service: "iam", actions: ["iam:PassRole"], resources: ["arn:aws:iam::123456789012:role/report-renderer"] },
    '"iam:PassRole" is a privilege-escalation path (PassExistingRoleTo… (EC2, Lambda, Glue, CloudFormation, Data Pipeline)); remove it, or set `allowPrivilegeEscalation.reason` on the tool if it truly needs it',
  ],
  [
    "iam:CreatePolicyVersion",
    { service: "iam", actions: ["iam:CreatePolicyVersion"], resources: ["arn:aws:iam::123456789012:policy/reports"] },
    '"iam:CreatePolicyVersion" is a privilege-escalation path (CreateNewPolicyVersion); remove it, or set `allowPrivilegeEscalation.reason` on the tool if it truly needs it',
  ],
  [
    "lambda:UpdateFunctionCode",
    { service: "lambda", actions: ["lambda:UpdateFunctionCode"], resources: ["arn:aws:lambda:us-east-1:123456789012:function:report-renderer"] },
    '"lambda:UpdateFunctionCode" is a privilege-escalation path (EditExistingLambdaFunctionWithRole); remove it, or set `allowPrivilegeEscalation.reason` on the tool if it truly needs it',
  ],
  [
    "s3:PutBucketPolicy",
    { service: "s3", actions: ["s3:PutBucketPolicy"], resources: ["arn:aws:s3:::reports-bucket"] },
    '"s3:PutBucketPolicy" is a permissions-management action (it changes who may do what); remove it, or set `allowPrivilegeEscalation.reason` on the tool if it truly needs it',
  ],
  [
    "dynamodb:TagResource",
    { service: "dynamodb", actions: ["dynamodb:TagResource"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] },
    '"dynamodb:TagResource" is a tagging action (tags decide access under attribute-based policies); remove it, or set `allowPrivilegeEscalation.reason` on the tool if it truly needs it',
  ],
];

describe("privilege escalation on a write tool", () => {
  for (const [name, grant, message] of CASES) {
    it(`given ${name} on a write tool without a reason, when compiled, then it is refused at the action with the fix`, async () => {
      const problems = await problemsOf(withGrant(grant));
      assert.deepEqual(problems, [{ path: "tools[2].aws[0].actions[0]", message }]);
    });
  }

  it("given iam:PutRolePolicy on the agent's own task role, when compiled, then it is refused even with a reason", async () => {
    const grant = { service: "iam", actions: ["iam:PutRolePolicy"], resources: ["arn:aws:iam::123456789012:role/test-agent-task"] };
    const problems = await problemsOf(withGrant(grant, { allowPrivilegeEscalation: REASON }));
    assert.deepEqual(problems, [
      {
        path: "tools[2].aws[0].resources[0]",
        message: '"arn:aws:iam::123456789012:role/test-agent-task" is one of agent `test-agent`\'s own roles; no tool may change the roles the agent runs with (iam:PutRolePolicy): remove the grant',
      },
    ]);
  });

  it("given iam:PassRole to an administrator role, when compiled, then it is refused even with a reason", async () => {
    const grant = { service: "iam", actions: ["iam:PassRole"], resources: ["arn:aws:iam::123456789012:role/AdministratorAccess-ops"] };
    const problems = await problemsOf(withGrant(grant, { allowPrivilegeEscalation: REASON }));
    assert.deepEqual(problems, [
      {
        path: "tools[2].aws[0].resources[0]",
        message: '"arn:aws:iam::123456789012:role/AdministratorAccess-ops" is named as an administrator role; passing it hands its powers to whatever receives it: pass a role made for that service with only what it needs',
      },
    ]);
  });

  it("given access: write on an S3 bucket, when compiled, then the expansion holds no policy, ACL, public-access-block or tag writes", async () => {
    const m = baseManifest();
    m.tools[1].aws = [{ service: "s3", access: "write", resources: ["arn:aws:s3:::reports-bucket"] }];
    const model = await compile(m);
    const actions = model.taskRoleStatements.flatMap((s) => s.Action);
    assert.ok(actions.length > 0);
    for (const forbidden of ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketOwnershipControls"]) {
      assert.ok(!actions.includes(forbidden), `access: write expanded to ${forbidden}`);
    }
    assert.ok(actions.includes("s3:PutBucketVersioning"), "ordinary bucket writes stay in the expansion");
  });

  it("given lambda:UpdateFunctionCode with a reason, when compiled, then the grant is made and marked in the permission map and the findings", async () => {
    const m = withGrant({ service: "lambda", actions: ["lambda:UpdateFunctionCode"], resources: ["arn:aws:lambda:us-east-1:123456789012:function:report-renderer"] }, { allowPrivilegeEscalation: REASON });
    const model = await compile(m);
    const row = model.permissions.find((p) => p.tool === "admin_tool")!;
    assert.deepEqual(row.escalation, { actions: ["lambda:UpdateFunctionCode"], reason: REASON.reason });
    assert.match(renderPermissionMap(model), /aws:lambda \(write\) ESCALATION \(lambda:UpdateFunctionCode\): deploys the reviewed build of the report renderer, nothing else\n/);
    assert.deepEqual(
      model.findings.filter((f) => f.rule === "AIR-W008"),
      [{ rule: "AIR-W008", severity: "warning", subject: "tools[2].aws[0]", message: `privilege escalation allowed for tool \`admin_tool\` (lambda:UpdateFunctionCode): ${REASON.reason}` }],
    );
  });
});

describe("privilege escalation in airlock diff", () => {
  it("given a plan whose tool gains lambda:UpdateFunctionCode with a reason, when diffed, then the widening says it is privilege escalation and why", async () => {
    const { diffPlans } = await import("../../src/index.ts");
    const before = await compile(baseManifest());
    const after = await compile(
      withGrant({ service: "lambda", actions: ["lambda:UpdateFunctionCode"], resources: ["arn:aws:lambda:us-east-1:123456789012:function:report-renderer"] }, { allowPrivilegeEscalation: REASON }),
    );
    const plan = (m: typeof before) => ({ version: 1, project: "p", stack: "s", resources: [], agents: [m], permissions: m.permissions.map((p) => ({ agent: m.name, ...p })), findings: [] });
    const d = diffPlans(plan(before), plan(after));
    const change = d.changes.find((c) => c.subject === "admin_tool lambda:UpdateFunctionCode arn:aws:lambda:us-east-1:123456789012:function:report-renderer");
    assert.deepEqual(change, {
      category: "permission",
      effect: "widened",
      agent: "test-agent",
      subject: "admin_tool lambda:UpdateFunctionCode arn:aws:lambda:us-east-1:123456789012:function:report-renderer",
      summary: `\`admin_tool\` may now call lambda:UpdateFunctionCode on arn:aws:lambda:us-east-1:123456789012:function:report-renderer (privilege escalation: ${REASON.reason})`,
    });
  });
});

describe("privilege escalation behind a wildcard", () => {
  it("given s3:PutObject* with allowWildcard, when compiled, then it expands to PutObject but not PutObjectAcl or PutObjectTagging", async () => {
    const m = baseManifest();
    m.tools[1].allowWildcard = { reason: "one export object per day, keyed by the date" };
    m.tools[1].aws = [{ service: "s3", actions: ["s3:PutObject*"], resources: ["arn:aws:s3:::reports-bucket/daily/*"] }];
    const actions = (await compile(m)).taskRoleStatements.flatMap((s) => s.Action);
    assert.ok(actions.includes("s3:PutObject"));
    for (const a of ["s3:PutObjectAcl", "s3:PutObjectVersionAcl", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"]) assert.ok(!actions.includes(a), `s3:PutObject* expanded to ${a}`);
  });

  it("given iam:Put*Policy with allowWildcard only, when compiled, then it is refused: the pattern matches nothing but escalation", async () => {
    const m = withGrant({ service: "iam", actions: ["iam:Put*Policy"], resources: ["arn:aws:iam::123456789012:role/reports"] }, { allowWildcard: { reason: "manages the report role's inline policy" } });
    const problems = await problemsOf(m);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, "tools[2].aws[0].actions[0]");
    assert.match(problems[0]!.message, /^"iam:Put\*Policy" matches only privilege-escalation, permissions-management or tagging actions \(iam:PutGroupPolicy, .*\); list them exactly with `allowPrivilegeEscalation.reason` on the tool, or remove the pattern$/);
  });
});
