/**
 * Bedrock: newer Claude models answer only through an inference profile, and a role calling a
 * profile needs the profile ARN and the foundation model in every Region the profile routes to.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { validateDeploymentArgs } from "../src/agent/agent-deployment.ts";
import { find, json, modelOf, recordDeployment } from "./harness.ts";

function bedrockManifest(id: string, region = "us-east-1") {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "research-agent",
      owner: "research@example.com",
      image: { digest: `123456789012.dkr.ecr.${region}.amazonaws.com/research-agent@sha256:${"e".repeat(64)}` },
      model: { provider: "bedrock", id },
    },
    tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }] }],
  };
}

const INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

describe("Bedrock model grants", () => {
  it("given a Claude model id in us-east-1, then the task role may call its US inference profile, and the model in exactly the Regions that profile routes to, only through it", async () => {
    const rec = await recordDeployment(await modelOf(bedrockManifest("anthropic.claude-sonnet-4-5-20250929-v1:0")));
    const policy = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "research-agent-task"), "policy");
    const bedrock = policy.Statement.filter((s: any) => s.Action.some((a: string) => a.startsWith("bedrock:")));
    const profile = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    assert.deepEqual(bedrock, [
      { Sid: "ModelInvokeBedrockProfile", Effect: "Allow", Action: INVOKE, Resource: [profile] },
      {
        Sid: "ModelInvokeBedrockThroughProfile",
        Effect: "Allow",
        Action: INVOKE,
        Resource: [
          "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
          "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
          "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        ],
        Condition: { ArnEquals: { "bedrock:InferenceProfileArn": profile } },
      },
    ]);
    // The agent is told which id to call: the profile, not the bare model.
    const [container] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "research-agent-release-current"), "containerDefinitions");
    const env = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
    assert.equal(env.AIRLOCK_BEDROCK_MODEL_ID, "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert.equal(env.AIRLOCK_MODEL, "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0");
  });

  it("given a global profile id, then the grant adds the source Region's model and the Region-less model ARN", async () => {
    const rec = await recordDeployment(await modelOf(bedrockManifest("global.anthropic.claude-sonnet-4-5-20250929-v1:0")));
    const policy = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "research-agent-task"), "policy");
    const through = policy.Statement.find((s: any) => s.Sid === "ModelInvokeBedrockThroughProfile");
    assert.deepEqual(through.Resource, [
      "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]);
    assert.deepEqual(through.Condition, { ArnEquals: { "bedrock:InferenceProfileArn": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0" } });
  });

  it("given a model id Airlock cannot route, then the plan fails before any resource, naming `agent.model.id`", async () => {
    const model = await modelOf(bedrockManifest("anthropic.claude-sonnet-9-v1:0"));
    assert.throws(() => validateDeploymentArgs(model, {}, "us-east-1"), { message: /^`agent\.model\.id`: Airlock does not know which Regions Bedrock routes "anthropic\.claude-sonnet-9-v1:0" to/ });
    const eu = await modelOf(bedrockManifest("us.anthropic.claude-haiku-4-5-20251001-v1:0", "eu-west-1"));
    assert.throws(() => validateDeploymentArgs(eu, {}, "eu-west-1"), { message: /^`agent\.model\.id`: the inference profile "us\.anthropic\.claude-haiku-4-5-20251001-v1:0" cannot be called from eu-west-1 .* use "eu\.anthropic\.claude-haiku-4-5-20251001-v1:0"/ });
  });
});
