/**
 * IAM caps the inline policies of a role at 10,240 characters in all (white space not counted):
 * an agent whose task role would exceed it fails `pulumi up` on PutRolePolicy, after half the
 * stack exists. The plan checks it first, with every name it cannot know yet at its longest.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { IAM_POLICY_LIMITS, policySize } from "@airlock/core";
import { taskPolicySizeBound, validateDeploymentArgs } from "../src/agent/agent-deployment.ts";
import { exampleModel, find, modelOf, recordDeployment, WIRING_ONLY } from "./harness.ts";

/** An agent whose read tool lists `n` tables (each ARN ~70 characters). */
function manyTables(n: number, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "wide-agent",
      owner: "data@example.com",
      image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/wide-agent@sha256:${"b".repeat(64)}` },
      model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" },
    },
    tools: [
      {
        name: "read_tables",
        description: "Reads rows from the reporting tables.",
        access: "read",
        aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: Array.from({ length: n }, (_, i) => `arn:aws:dynamodb:us-east-1:123456789012:table/reporting-table-${String(i).padStart(4, "0")}`) }],
      },
    ],
    ...extra,
  };
}

describe("the task role's inline policy size", () => {
  it("bounds the example's task policy from above, and the bound is what IAM would count give or take the names not yet known", async () => {
    const model = await exampleModel();
    const rec = await recordDeployment(model);
    const actual = policySize(find(rec, "aws:iam/rolePolicy:RolePolicy", "support-agent-task").inputs.policy as string);
    const bound = taskPolicySizeBound(model, "us-east-1");
    assert.ok(bound >= actual, `${bound} < ${actual}`);
    // The sandbox's names are not known either: its task definition (255 + a 10-digit revision), the
    // cluster (255, twice: the tasks' ARN and the ecs:cluster condition), the log group (512), two roles (64).
    const sandboxNames = model.sandbox === undefined ? 0 : 255 + 10 + 2 * 255 + 512 + 2 * 64;
    assert.ok(bound - actual < 200 + sandboxNames, `the bound (${bound}) is loose by ${bound - actual}`);
  });

  it("given an agent whose task policy would pass 10,240 characters, then the plan fails before any resource, naming the agent, the size and the fix", async () => {
    const model = await modelOf(manyTables(160));
    const bound = taskPolicySizeBound(model, "us-east-1");
    assert.ok(bound > IAM_POLICY_LIMITS.roleInlineAggregate.max, String(bound));
    assert.throws(() => validateDeploymentArgs(model, { evalGate: WIRING_ONLY }, "us-east-1"), {
      message: `\`tools\`: agent \`wide-agent\`'s task role would hold ${bound} characters of inline policy (IAM counts no white space), and IAM allows at most 10240 over all inline policies of a role; split the tools between two agents, or name fewer resources (a table's indexes by one \`table/<name>/index/*\` ARN with \`allowWildcard\`, one ARN per bucket prefix)`,
    });
  });

  it("given one just under the limit, then it plans, and the real policy is under the limit too", async () => {
    let n = 100;
    while (taskPolicySizeBound(await modelOf(manyTables(n + 1)), "us-east-1") <= IAM_POLICY_LIMITS.roleInlineAggregate.max) n++;
    const model = await modelOf(manyTables(n));
    const rec = await recordDeployment(model);
    const actual = policySize(find(rec, "aws:iam/rolePolicy:RolePolicy", "wide-agent-task").inputs.policy as string);
    assert.ok(actual <= IAM_POLICY_LIMITS.roleInlineAggregate.max, String(actual));
    await assert.rejects(recordDeployment(await modelOf(manyTables(n + 1))), { message: /^`tools`: agent `wide-agent`'s task role would hold/ });
  });
});
