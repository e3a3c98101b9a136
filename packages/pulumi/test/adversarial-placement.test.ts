/**
 * A grant in another Region than the platform's (issue #15): refused by the deployment's checks
 * before anything registers (the agent reaches AWS only through the platform's VPC endpoints).
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "@airlock/core";
import { validateDeploymentArgs } from "../src/agent/validation.ts";

describe("a grant outside the platform's Region", () => {
  it("given a eu-west-1 table for a us-east-1 platform, when the deployment is validated, then it is refused naming the tool and the fix", async () => {
    const model = await compile({
      apiVersion: "airlock/v1",
      agent: { name: "probe-agent", owner: "team@example.com", image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/probe@sha256:${"c".repeat(64)}` }, model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" } },
      tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"] }] }],
    });
    assert.throws(() => validateDeploymentArgs(model, { evalGate: { disabled: "no evals in this test of placement" } } as never, "us-east-1"), {
      message:
        "`tools`: tool `read_orders` of agent `probe-agent` is granted arn:aws:dynamodb:eu-west-1:123456789012:table/orders, in eu-west-1, but the platform deploys to us-east-1: the agent reaches AWS only through the platform's VPC endpoints, in us-east-1; grant the tool that Region's resource, or deploy the agent to eu-west-1",
    });
  });
});
