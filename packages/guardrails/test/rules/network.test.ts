import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SecurityGroupNoOpenEgress } from "../../src/rules/ec2/SecurityGroupNoOpenEgress.ts";
import { check } from "../helpers.ts";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const https = (cidrs: object) => ({ protocol: "tcp", fromPort: 443, toPort: 443, ...cidrs });

describe("SecurityGroupNoOpenEgress", () => {
  it("given egress to published ranges and the VPC resolver, when checked, then compliant", async () => {
    const props = { egress: [https({ cidrBlocks: ["140.82.112.0/20"], ipv6CidrBlocks: ["2606:50c0::/32"] }), { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: ["10.40.0.2/32"] }] };
    assert.deepEqual(await check(SecurityGroupNoOpenEgress, SG, props), { status: "compliant" });
  });
  it("given 0.0.0.0/0 and ::/0 in inline egress without an opt-out, when checked, then reported", async () => {
    const r = await check(SecurityGroupNoOpenEgress, SG, { egress: [https({ cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })] });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: [
        "egress[0] allows egress to 0.0.0.0/0, ::/0; allow only the hosts' published ranges, or opt out visibly (manifest `egress.anyIpOn443.reason`, or the tag `airlock:egress-opt-out` set to the reason)",
      ],
    });
  });
  it("given the manifest's anyIpOn443 opt-out (rule description `OPT-OUT …: reason`) on tcp 443, when checked, then compliant", async () => {
    const r = await check(SecurityGroupNoOpenEgress, SG, {
      egress: [https({ cidrBlocks: ["0.0.0.0/0"], description: "OPT-OUT anyIpOn443 (DNS firewall only): vendor publishes no ranges for its API" })],
    });
    assert.deepEqual(r, { status: "compliant" });
  });
  it("given the opt-out tag but all protocols to 0.0.0.0/0, when checked, then still reported", async () => {
    const r = await check(SecurityGroupNoOpenEgress, SG, {
      tags: { "airlock:egress-opt-out": "legacy batch job needs the whole internet" },
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: ["egress[0] allows every protocol to 0.0.0.0/0; even with the egress opt-out, name the protocol and port (e.g. tcp 443)"],
    });
  });
  it("given an opt-out with no real reason, when checked, then reported", async () => {
    const r = await check(SecurityGroupNoOpenEgress, SG, { tags: { "airlock:egress-opt-out": "needed" }, egress: [https({ cidrBlocks: ["0.0.0.0/0"] })] });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: ['egress[0]: the `airlock:egress-opt-out` opt-out gives no reason ("needed"); write one a reviewer can judge (10+ characters)'],
    });
  });
  it("given a vpc.SecurityGroupEgressRule to ::/0, or an ec2.SecurityGroupRule egress to 0.0.0.0/0, when checked, then reported; an ingress rule is not applicable", async () => {
    assert.equal((await check(SecurityGroupNoOpenEgress, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", { cidrIpv6: "::/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 })).status, "non-compliant");
    assert.equal((await check(SecurityGroupNoOpenEgress, "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", fromPort: 443, toPort: 443 })).status, "non-compliant");
    assert.deepEqual(
      await check(SecurityGroupNoOpenEgress, "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", fromPort: 443, toPort: 443, description: "airlock:egress-opt-out: webhook targets are customer-defined" }),
      { status: "compliant" },
    );
    assert.deepEqual(await check(SecurityGroupNoOpenEgress, "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress", cidrBlocks: ["0.0.0.0/0"] }), { status: "not-applicable" });
  });
  it("given a security group with no egress (missing property), when checked, then not applicable: the provider removes AWS's default allow-all", async () => {
    assert.deepEqual(await check(SecurityGroupNoOpenEgress, SG, { ingress: [] }), { status: "not-applicable" });
  });
});
