/**
 * Escalation paths beyond the IAM service (review of 2026-12-02, "a note on the escalation table"):
 * assuming another role, running commands on an instance, changing a function's configuration
 * (its layers run as its role) and an instance's user data. Each is an ordinary `Write` action
 * in the IAM dataset, so only the table (core/src/iam/escalation.ts) catches them: a write tool
 * that lists one without `allowPrivilegeEscalation.reason` is refused, and `access: write` never
 * expands to them.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "../../src/index.ts";
import { ESCALATION_ACTIONS } from "../../src/iam/escalation.ts";
import { actionFacts } from "../../src/iam/dataset.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";

function withGrant(grant: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
  const m = baseManifest();
  m.tools.push({ name: "ops_tool", description: "Does something on other compute.", access: "write", aws: [grant], ...extra });
  return m;
}

/** sts:AssumeRole acts on IAM roles (the STS authorization reference lists the `role` resource type, an `iam` ARN), named exactly. */
const ROLE = "arn:aws:iam::123456789012:role/report-reader";
const INSTANCE = "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0";
const DOCUMENT = "arn:aws:ssm:us-east-1:123456789012:document/report-runner";
const FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:report-renderer";

const CASES: [string, Record<string, unknown>, string, Record<string, unknown>?][] = [
  ["sts:AssumeRole", { service: "sts", actions: ["sts:AssumeRole"], resources: [ROLE] }, "AssumeRole (pathfinding.cloud sts-001)"],
  ["ssm:SendCommand", { service: "ssm", actions: ["ssm:SendCommand"], resources: [DOCUMENT] }, "SendCommand (pathfinding.cloud ssm-002)"],
  [
    "lambda:UpdateFunctionConfiguration",
    { service: "lambda", actions: ["lambda:UpdateFunctionConfiguration"], resources: [FUNCTION] },
    "EditExistingLambdaFunctionConfiguration (its layers and runtime run as the function's role)",
  ],
  [
    "ec2:ModifyInstanceAttribute",
    { service: "ec2", actions: ["ec2:ModifyInstanceAttribute"], resources: [INSTANCE] },
    "ModifyEC2InstanceUserDataThenRestart (pathfinding.cloud ec2-002)",
  ],
];

describe("escalation paths through other services' compute", () => {
  for (const [action, grant, method, extra = {}] of CASES) {
    it(`given ${action} on a write tool without a reason, when compiled, then it is refused at the action, naming the method and the fix`, async () => {
      assert.deepEqual(await problemsOf(withGrant(grant, extra)), [
        {
          path: "tools[2].aws[0].actions[0]",
          message: `"${action}" is a privilege-escalation path (${method}); remove it, or set \`allowPrivilegeEscalation.reason\` on the tool if it truly needs it`,
        },
      ]);
    });

    it(`given ${action} with a stated reason, when compiled, then the grant is made and marked as escalation`, async () => {
      const reason = "runs the reviewed report job on the report host, nothing else";
      const model = await compile(withGrant(grant, { ...extra, allowPrivilegeEscalation: { reason } }));
      assert.deepEqual(model.permissions.find((p) => p.tool === "ops_tool")!.escalation, { actions: [action], reason });
    });
  }

  it("given sts:AssumeRole on an exact IAM role ARN with a reason, when compiled, then the statement names that role alone", async () => {
    const grant = { service: "sts", actions: ["sts:AssumeRole"], resources: [ROLE] };
    const model = await compile(withGrant(grant, { allowPrivilegeEscalation: { reason: "reads reports as the report reader, nothing else" } }));
    const statement = model.taskRoleStatements.find((s) => s.Action.includes("sts:AssumeRole"))!;
    assert.deepEqual({ Action: statement.Action, Resource: statement.Resource }, { Action: ["sts:AssumeRole"], Resource: [ROLE] });
  });

  it("given an IAM role ARN in a dynamodb grant, when compiled, then it is still refused as another service's resource", async () => {
    const grant = { service: "dynamodb", actions: ["dynamodb:GetItem"], resources: [ROLE] };
    assert.deepEqual(await problemsOf(withGrant(grant)), [
      { path: "tools[2].aws[0].resources[0]", message: `"${ROLE}" belongs to service \`iam\`, not \`dynamodb\`; move it to a grant for that service` },
    ]);
  });

  it("names only actions the IAM dataset knows, spelled as it spells them", async () => {
    for (const action of Object.keys(ESCALATION_ACTIONS)) assert.equal((await actionFacts(action))?.action, action, action);
  });

  const EXPANSIONS: [string, string, string][] = [
    ["lambda", FUNCTION, "lambda:UpdateFunctionConfiguration"],
    ["ec2", INSTANCE, "ec2:ModifyInstanceAttribute"],
    ["ssm", DOCUMENT, "ssm:SendCommand"],
  ];
  for (const [service, resource, action] of EXPANSIONS) {
    it(`given access: write on ${service} for ${resource}, when compiled, then the expansion leaves out ${action}`, async () => {
      const m = baseManifest();
      m.tools[1].aws = [{ service, access: "write", resources: [resource] }];
      const actions = (await compile(m)).taskRoleStatements.flatMap((s) => s.Action);
      assert.ok(actions.length > 0, "the expansion keeps the ordinary writes");
      assert.ok(!actions.includes(action), `access: write expanded to ${action}`);
    });
  }
});
