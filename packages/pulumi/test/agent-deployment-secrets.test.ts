/**
 * A generated secret is only useful if the service that must accept it can read it, and running
 * tasks keep the value they started with: after a rotation the platform's rotation function
 * redeploys the agent's service, which it may do on exactly that service.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { validateDeploymentArgs } from "../src/agent/agent-deployment.ts";
import { all, exampleModel, find, json, modelOf, recordDeployment } from "./harness.ts";

const BILLING_API_ROLE = "arn:aws:iam::123456789012:role/billing-api";

describe("consumers of generated secrets and the redeploy after rotation", () => {
  it("lets the named consumer read the generated secret, tags the rotated secret with the service, and lets the rotation function redeploy exactly that service", async () => {
    const rec = await recordDeployment(await exampleModel(), { deployment: { secretConsumers: { "billing-api-token": [BILLING_API_ROLE] } } });
    const policy = json(find(rec, "aws:secretsmanager/secretPolicy:SecretPolicy", "support-agent-secrets-billing-api-token"), "policy");
    assert.ok(policy.Statement[0].Condition.StringNotEquals["aws:PrincipalArn"].includes(BILLING_API_ROLE));
    assert.deepEqual(policy.Statement.find((s: any) => s.Sid === "ConsumersReadTheValue").Principal, { AWS: [BILLING_API_ROLE] });
    // Only that secret: the vendor key's policy names no consumer.
    assert.ok(!JSON.stringify(json(find(rec, "aws:secretsmanager/secretPolicy:SecretPolicy", "support-agent-secrets-github-token"), "policy")).includes("billing-api"));

    const billing = find(rec, "aws:secretsmanager/secret:Secret", "support-agent-secrets-billing-api-token");
    assert.equal((billing.inputs.tags as Record<string, string>)["airlock:redeploy"], "platform-cluster/support-agent-test");

    const redeploy = find(rec, "aws:iam/rolePolicy:RolePolicy", "support-agent-rotation-redeploy");
    assert.equal(redeploy.inputs.role, "platform-secret-fn-rotation");
    assert.deepEqual(json(redeploy, "policy"), {
      Version: "2012-10-17",
      Statement: [{ Sid: "RedeployAfterRotation", Effect: "Allow", Action: ["ecs:UpdateService"], Resource: ["arn:aws:ecs:us-east-1:123456789012:service/platform-cluster/support-agent-test"] }],
    });
    // It is the service the deployment runs, by the name it is given.
    assert.equal(find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.name, "support-agent-test");
  });

  it("adds no redeploy grant for an agent the platform's rotation function rotates nothing of", async () => {
    const model = await modelOf({
      apiVersion: "airlock/v1",
      agent: { name: "plain-agent", owner: "team@example.com", image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/plain@sha256:${"a".repeat(64)}` }, model: { provider: "anthropic", id: "claude-haiku-4-5", secret: "anthropic-api-key" } },
      tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }] }],
      secrets: [{ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
    });
    const rec = await recordDeployment(model);
    assert.deepEqual(all(rec, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.endsWith("-rotation-redeploy")), []);
  });

  it("rejects consumers of a secret the agent does not have, or of one Airlock does not generate, naming `secretConsumers`", async () => {
    const model = await exampleModel();
    assert.throws(() => validateDeploymentArgs(model, { secretConsumers: { "billing-token": [BILLING_API_ROLE] } }, "us-east-1"), {
      message: "`secretConsumers.billing-token`: agent `support-agent` has no secret named `billing-token`; its generated secrets are billing-api-token",
    });
    assert.throws(() => validateDeploymentArgs(model, { secretConsumers: { "github-token": [BILLING_API_ROLE] } }, "us-east-1"), {
      message:
        "`secretConsumers.github-token`: `github-token` is not a value Airlock generates (source out-of-band): its issuer already knows it; only a generated secret has a consumer that must read it from Secrets Manager (its generated secrets: billing-api-token)",
    });
    assert.throws(() => validateDeploymentArgs(model, { secretConsumers: { "billing-api-token": ["billing-api"] } }, "us-east-1"), {
      message: /^`secretConsumers\.billing-api-token\[0\]`: "billing-api" is not an IAM role ARN/,
    });
  });
});
