import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { BEDROCK_INFERENCE_PROFILES, bedrockInvokeResources, resolveBedrockModel } from "../../src/index.ts";

const ACCOUNT = "123456789012";

describe("Bedrock inference profiles", () => {
  it("given the US Claude Sonnet 4.5 profile called from us-east-1, then the grants are the profile and the model in exactly the three US Regions it routes to", () => {
    assert.deepEqual(bedrockInvokeResources("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1", "aws", ACCOUNT), {
      inferenceProfileId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      inferenceProfileArn: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      foundationModelArns: [
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
      ],
    });
  });

  it("routes by the source Region: the same profile from us-west-1 or ca-central-1 reaches one more Region", () => {
    const fm = (r: string) => `arn:aws:bedrock:${r}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`;
    assert.deepEqual(bedrockInvokeResources("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-west-1", "aws", ACCOUNT).foundationModelArns, ["us-east-1", "us-east-2", "us-west-1", "us-west-2"].map(fm));
    assert.deepEqual(bedrockInvokeResources("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "ca-central-1", "aws", ACCOUNT).foundationModelArns, ["ca-central-1", "us-east-1", "us-east-2", "us-west-2"].map(fm));
    // The documented example: Claude 3 Haiku from Ohio reaches three Regions, from Oregon two.
    const haiku = (r: string) => bedrockInvokeResources("us.anthropic.claude-3-haiku-20240307-v1:0", r, "aws", ACCOUNT).foundationModelArns.map((a) => a.split(":")[3]);
    assert.deepEqual(haiku("us-east-2"), ["us-east-1", "us-east-2", "us-west-2"]);
    assert.deepEqual(haiku("us-west-2"), ["us-east-1", "us-west-2"]);
  });

  it("given a bare model id, then it resolves to the geographic profile of the Region (data stays in the geography)", () => {
    const eu = bedrockInvokeResources("anthropic.claude-sonnet-4-5-20250929-v1:0", "eu-west-2", "aws", ACCOUNT);
    assert.equal(eu.inferenceProfileId, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert.equal(eu.inferenceProfileArn, "arn:aws:bedrock:eu-west-2:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert.deepEqual(eu.foundationModelArns.map((a) => a.split(":")[3]), ["eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3"]);
    assert.equal(resolveBedrockModel("anthropic.claude-sonnet-4-5-20250929-v1:0", "ap-northeast-1").profile.id, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert.equal(resolveBedrockModel("anthropic.claude-haiku-4-5-20251001-v1:0", "ap-southeast-2").profile.id, "au.anthropic.claude-haiku-4-5-20251001-v1:0");
    assert.equal(resolveBedrockModel("anthropic.claude-3-7-sonnet-20250219-v1:0", "us-gov-east-1").profile.id, "us-gov.anthropic.claude-3-7-sonnet-20250219-v1:0");
  });

  it("given a global profile, then the grants are the profile, the model in the source Region and the Region-less model ARN global routing is authorised against", () => {
    assert.deepEqual(bedrockInvokeResources("global.anthropic.claude-haiku-4-5-20251001-v1:0", "eu-west-1", "aws", ACCOUNT), {
      inferenceProfileId: "global.anthropic.claude-haiku-4-5-20251001-v1:0",
      inferenceProfileArn: "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0",
      foundationModelArns: [
        "arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
      ],
    });
  });

  it("uses the partition it is given (GovCloud)", () => {
    const gov = bedrockInvokeResources("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-gov-east-1", "aws-us-gov", ACCOUNT);
    assert.deepEqual(gov.foundationModelArns, ["arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"]);
    assert.match(gov.inferenceProfileArn, /^arn:aws-us-gov:bedrock:us-gov-east-1:123456789012:inference-profile\//);
  });

  it("given a model or profile it cannot route, then the error names `agent.model.id` and the fix", () => {
    assert.throws(() => resolveBedrockModel("anthropic.claude-sonnet-4-5-v1:0", "us-east-1"), {
      message:
        '`agent.model.id`: Airlock does not know which Regions Bedrock routes "anthropic.claude-sonnet-4-5-v1:0" to, so it cannot grant exactly them; use a model or inference profile id from BEDROCK_INFERENCE_PROFILES (packages/core/src/aws/bedrock.ts), e.g. "us.anthropic.claude-sonnet-4-5-20250929-v1:0", or add its profile there with the routing AWS documents',
    });
    assert.throws(() => resolveBedrockModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "eu-west-1"), {
      message:
        '`agent.model.id`: the inference profile "us.anthropic.claude-sonnet-4-5-20250929-v1:0" cannot be called from eu-west-1 (its source Regions: ca-central-1, us-east-1, us-east-2, us-west-1, us-west-2); use "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", whose source Regions include eu-west-1',
    });
    assert.throws(() => resolveBedrockModel("anthropic.claude-sonnet-4-5-20250929-v1:0", "ap-south-1"), {
      message:
        '`agent.model.id`: "anthropic.claude-sonnet-4-5-20250929-v1:0" is called through an inference profile, and no geographic profile of it serves ap-south-1; name the global profile "global.anthropic.claude-sonnet-4-5-20250929-v1:0" (requests may then be processed in any commercial Region), or deploy in a Region a geographic profile serves',
    });
  });

  it("holds every profile with its source quoted, its model id inside its profile id, and no Region routed twice", () => {
    assert.ok(BEDROCK_INFERENCE_PROFILES.length >= 30);
    const ids = new Set<string>();
    for (const p of BEDROCK_INFERENCE_PROFILES) {
      assert.ok(!ids.has(p.id), p.id);
      ids.add(p.id);
      assert.equal(p.id, `${p.geography}.${p.modelId}`);
      assert.match(p.source.url, /^https:\/\/docs\.aws\.amazon\.com\/bedrock\//);
      assert.ok(p.source.quote.includes(p.id), p.id);
      for (const [src, dst] of Object.entries(p.routes)) {
        assert.equal(new Set(dst).size, dst.length, `${p.id} ${src}`);
        if (p.geography !== "global") assert.ok(dst.length >= 1, `${p.id} ${src}`);
      }
    }
  });
});
