/** A valid manifest to start from; each test breaks one thing in a copy. */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { strict as assert } from "node:assert";
import { compile, ManifestError, type CompileOptions, type ManifestProblem } from "../src/index.ts";

const EXAMPLE = new URL("../../../examples/support-agent/agent.yaml", import.meta.url);
export const EXAMPLE_DIR = new URL("../../../examples/support-agent/", import.meta.url).pathname;

// A simple, explicit manifest (no prompt file) so tests do not depend on the example's details.
export function baseManifest(): Record<string, any> {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "test-agent",
      owner: "team@example.com",
      image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/test-agent@sha256:${"a".repeat(64)}` },
      model: { provider: "anthropic", id: "claude-sonnet-4-5", secret: "anthropic-api-key" },
    },
    tools: [
      {
        name: "read_orders",
        description: "Reads orders.",
        access: "read",
        aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }],
      },
      {
        name: "put_report",
        description: "Writes a report object.",
        access: "write",
        aws: [{ service: "s3", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::reports-bucket/reports/daily.json"] }],
      },
    ],
    secrets: [{ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
  };
}

export function exampleManifest(): Record<string, any> {
  return parse(readFileSync(EXAMPLE, "utf8"));
}

/** A fake key in Anthropic's format (not a real key). */
export function fakeAnthropicKey(): string {
  return `sk-ant-api03-${"Ab3_dE-fG7hIjK".repeat(7).slice(0, 93)}AA`;
}

/** The problems `compile` refuses manifest `m` with; fails the test when it compiles or throws anything else. */
export async function problemsOf(m: unknown, options: CompileOptions = {}): Promise<ManifestProblem[]> {
  try {
    await compile(m, options);
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected a ManifestError, got ${String(e)}`);
    return [...e.problems];
  }
  assert.fail("expected the manifest to be rejected");
}
