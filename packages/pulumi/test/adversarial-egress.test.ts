/**
 * An egress range overlapping the platform's VPC (issue #15): refused before the platform
 * registers, since the security group would open the VPC's own addresses to the agent.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "@airlock/core";
import { resolvePlatformArgs } from "../src/platform/resolve.ts";

describe("an egress range overlapping the platform's VPC", () => {
  it("given a host whose range lies inside the default VPC, when the platform resolves, then it is refused naming the range, the VPC and the fix", async () => {
    const agent = await compile({
      apiVersion: "airlock/v1",
      agent: { name: "probe-agent", owner: "team@example.com", image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/probe@sha256:${"c".repeat(64)}` }, model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" } },
      tools: [{ name: "call_internal", description: "Calls an internal service.", access: "read", hosts: ["internal.acme.example.com"] }],
      egress: { ranges: { "internal.acme.example.com": ["10.40.3.0/24"] } },
    });
    assert.throws(() => resolvePlatformArgs("platform", { agents: [agent], region: "us-east-1" }), {
      message:
        "`agents`: agent `probe-agent` allows internal.acme.example.com at 10.40.3.0/24, which overlaps the platform's VPC (10.40.0.0/16): the security group would let the agent reach the VPC's own addresses (other agents' tasks, the sandbox, the endpoints); egress ranges are for hosts outside the VPC, so list the host's own range outside 10.40.0.0/16, or give the platform another `vpcCidr`",
    });
  });

  it("given a range that contains the whole VPC (10.0.0.0/8), when the platform resolves, then it is refused too", async () => {
    const agent = await compile({
      apiVersion: "airlock/v1",
      agent: { name: "probe-agent", owner: "team@example.com", image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/probe@sha256:${"c".repeat(64)}` }, model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" } },
      tools: [{ name: "call_internal", description: "Calls an internal service.", access: "read", hosts: ["internal.acme.example.com"] }],
      egress: { ranges: { "internal.acme.example.com": ["10.0.0.0/8"] } },
    });
    assert.throws(() => resolvePlatformArgs("platform", { agents: [agent], region: "us-east-1", privateRoutes: [{ cidr: "10.0.0.0/8", managedElsewhere: { reason: "the network team's transit gateway" } }] }), /overlaps the platform's VPC \(10\.40\.0\.0\/16\)/);
  });
});
