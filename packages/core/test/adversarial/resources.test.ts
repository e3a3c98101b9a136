/**
 * Resources outside the agent's reach (issue #15): another account's table, another or a made-up
 * partition, a Region other than the platform's, `?` wildcards in a resource name, and another
 * agent's Airlock-managed secret by ARN.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkModelPlacement, compile } from "../../src/index.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";


function withTable(arn: string): Record<string, any> {
  const m = baseManifest();
  m.tools[0].aws[0].resources = [arn];
  return m;
}

describe("resources outside the agent's account and partition", () => {
  it("given another account's table, when compiled, then it is refused naming the agent's account and where it comes from", async () => {
    const problems = await problemsOf(withTable("arn:aws:dynamodb:us-east-1:999999999999:table/orders"));
    assert.deepEqual(problems, [
      {
        path: "tools[0].aws[0].resources[0]",
        message:
          '"arn:aws:dynamodb:us-east-1:999999999999:table/orders" is in account 999999999999, not the agent\'s account 123456789012 (its image\'s ECR registry); the task role is granted only its own account\'s resources: use the table of account 123456789012, or deploy the agent in 999999999999',
      },
    ]);
  });

  it("given an aws-cn ARN for an agent whose image is in us-east-1, when compiled, then it is refused: a role cannot act in another partition", async () => {
    const problems = await problemsOf(withTable("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders"));
    assert.deepEqual(problems, [
      {
        path: "tools[0].aws[0].resources[0]",
        message:
          '"arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders" is in partition aws-cn, but the agent is in aws (its image\'s ECR registry); a role cannot act in another partition: use the aws ARN',
      },
    ]);
  });

  it("given a made-up partition (aws-evil), when compiled, then it is refused naming the partitions AWS has", async () => {
    const problems = await problemsOf(withTable("arn:aws-evil:dynamodb:us-east-1:123456789012:table/orders"));
    assert.deepEqual(problems, [
      {
        path: "tools[0].aws[0].resources[0]",
        message:
          '"arn:aws-evil:dynamodb:us-east-1:123456789012:table/orders" names partition "aws-evil", which AWS does not have; write one of aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc, aws-cn, aws (usually aws)',
      },
    ]);
  });

  it("given a ? wildcard in a resource name, when compiled without allowWildcard, then it is refused as a wildcard", async () => {
    const problems = await problemsOf(withTable("arn:aws:dynamodb:us-east-1:123456789012:table/order?"));
    assert.deepEqual(problems, [
      {
        path: "tools[0].aws[0].resources[0]",
        message: '"arn:aws:dynamodb:us-east-1:123456789012:table/order?" contains a wildcard (`?` matches any one character); list exact resource ARNs, or set `allowWildcard.reason` on the tool if a wildcard is truly needed',
      },
    ]);
  });

  it("given another agent's Airlock secret by ARN, when compiled, then it is refused: secrets reach a tool only through `secrets`", async () => {
    const m = baseManifest();
    m.tools[1].aws.push({ service: "secretsmanager", actions: ["secretsmanager:GetSecretValue"], resources: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/prod/billing-agent/payments-api-token-AbCdEf"] });
    const problems = await problemsOf(m);
    assert.deepEqual(problems, [
      {
        path: "tools[1].aws[1].resources[0]",
        message:
          '"arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/prod/billing-agent/payments-api-token-AbCdEf" is a secret Airlock manages for an agent; a tool reads only its own agent\'s secrets, declared under `secrets` and named in the tool\'s `secrets`: remove the grant',
      },
    ]);
  });
});

describe("resources outside the platform's Region", () => {
  it("given a eu-west-1 table for a us-east-1 platform, when the placement is checked, then it is refused naming the tool, the Region and the fix", async () => {
    const model = await compile(withTable("arn:aws:dynamodb:eu-west-1:123456789012:table/orders"));
    assert.throws(() => checkModelPlacement(model, "us-east-1"), {
      message:
        "`tools`: tool `read_orders` of agent `test-agent` is granted arn:aws:dynamodb:eu-west-1:123456789012:table/orders, in eu-west-1, but the platform deploys to us-east-1: the agent reaches AWS only through the platform's VPC endpoints, in us-east-1; grant the tool that Region's resource, or deploy the agent to eu-west-1",
    });
  });

  it("given an aws ARN for a cn-north-1 platform, when the placement is checked, then it is refused: another partition", async () => {
    const m = baseManifest();
    m.agent.image = { digest: `123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/test-agent@sha256:${"a".repeat(64)}` };
    m.tools[0].aws[0].resources = ["arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders"];
    m.tools[1].aws[0].resources = ["arn:aws-cn:s3:::reports-bucket/reports/daily.json"];
    const model = await compile(m);
    assert.doesNotThrow(() => checkModelPlacement(model, "cn-north-1"));
    assert.throws(() => checkModelPlacement(model, "us-east-1"), /^Error: `tools`: tool `put_report` of agent `test-agent` is granted arn:aws-cn:s3:::reports-bucket\/reports\/daily.json, in partition aws-cn, but the platform deploys to us-east-1 \(partition aws\)/);
  });

  it("given the same Region and global ARNs, when the placement is checked, then it passes", async () => {
    const model = await compile(baseManifest());
    assert.doesNotThrow(() => checkModelPlacement(model, "us-east-1"));
  });
});
