import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SecurityGroupDescriptions } from "../../../src/rules/deploy/SecurityGroupDescriptions.ts";
import { packEntry } from "../../../src/pack.ts";
import { check } from "../../helpers.ts";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const IPV4_SET = "descriptions of rules on IPv4 ranges allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*";
const PREFIX_LIST_SET = "descriptions of rules on prefix lists allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*";
const https = (to: object, description?: string) => ({ protocol: "tcp", fromPort: 443, toPort: 443, ...to, ...(description === undefined ? {} : { description }) });
/** An agent security group as the plan records it, with an opt-out whose reason holds `&`. */
const agentSg = {
  vpcId: "platform-vpc-id",
  description: "support-agent: no ingress; egress only to the allowlist",
  ingress: [],
  egress: [
    https({ securityGroups: ["platform-endpoints-id"] }, "HTTPS to the AWS interface endpoints"),
    https({ prefixListIds: ["pl-02cd2c6b"] }, "HTTPS to the s3 gateway endpoint"),
    { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: ["10.40.0.2/32"], description: "DNS to the VPC resolver (filtered by the DNS firewall)" },
    https({ cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, "OPT-OUT anyIpOn443 (DNS firewall only): vendor publishes no ranges & rotates them"),
  ],
};

describe("SecurityGroupDescriptions (AIR-D020)", () => {
  it("given an agent security group with an `&` only on its rule to IP ranges, then compliant", async () => {
    assert.deepEqual(await check(SecurityGroupDescriptions, SG, agentSg), { status: "compliant" });
  });

  it("given the old opt-out description (apostrophe, quotes, emoji, newline, 255 characters cut), then the rule is reported with the set and the sanitised text", async () => {
    const reason = `vendor's "edge" rotates 🙈\n${"x".repeat(300)}`;
    const old = `OPT-OUT anyIpOn443 (DNS firewall only): ${reason}`.slice(0, 255);
    const egress = [...agentSg.egress.slice(0, 3), https({ cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, old)];
    const r = await check(SecurityGroupDescriptions, SG, { ...agentSg, egress });
    const fixed = `OPT-OUT anyIpOn443 (DNS firewall only): vendors edge rotates ${"x".repeat(188)}`;
    assert.equal(old, `OPT-OUT anyIpOn443 (DNS firewall only): vendor's "edge" rotates 🙈\n${"x".repeat(188)}`);
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: [`\`egress[3].description\` has characters EC2 rejects (\`'\` \`"\` \`🙈\` "\\n"); ${IPV4_SET}; write it as ${JSON.stringify(fixed)} (sanitizeSecurityGroupDescription)`],
    });
  });

  it("given `&` on a rule to a prefix list, an accent in the group's own description and a long ingress description, then each is reported", async () => {
    const r = await check(SecurityGroupDescriptions, SG, {
      description: "Équipe support: no ingress",
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"], description: "y".repeat(256) }],
      egress: [https({ prefixListIds: ["pl-02cd2c6b"] }, "S3 & DynamoDB")],
    });
    assert.deepEqual(r, {
      status: "non-compliant",
      messages: [
        '`description` has characters EC2 rejects (`É`); security group descriptions allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*; write it as "Equipe support: no ingress" (sanitizeSecurityGroupDescription)',
        `\`ingress[0].description\` is 256 characters (EC2 allows 255); write it as "${"y".repeat(255)}" (sanitizeSecurityGroupDescription)`,
        `\`egress[0].description\` has characters EC2 rejects (\`&\`); ${PREFIX_LIST_SET}; write it as "S3 and DynamoDB" (sanitizeSecurityGroupDescription)`,
      ],
    });
  });

  it("given the standalone rule resources, then each description is checked against its own target", async () => {
    assert.deepEqual(await check(SecurityGroupDescriptions, EGRESS_RULE, { cidrIpv4: "10.0.0.0/8", ipProtocol: "tcp", description: "Billing & payments" }), { status: "compliant" });
    assert.deepEqual(await check(SecurityGroupDescriptions, INGRESS_RULE, { referencedSecurityGroupId: "sg-0123", ipProtocol: "tcp", description: "from the ALB & bastion" }), {
      status: "non-compliant",
      messages: ['`description` has characters EC2 rejects (`&`); descriptions of rules on security groups allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*; write it as "from the ALB and bastion" (sanitizeSecurityGroupDescription)'],
    });
    assert.deepEqual(await check(SecurityGroupDescriptions, SG_RULE, { type: "egress", cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", description: "airlock:egress-opt-out: vendor's API" }), {
      status: "non-compliant",
      messages: [`\`description\` has characters EC2 rejects (\`'\`); ${IPV4_SET}; write it as "airlock:egress-opt-out: vendors API" (sanitizeSecurityGroupDescription)`],
    });
    assert.equal((await check(SecurityGroupDescriptions, SG_RULE, { type: "ingress", sourceSecurityGroupId: "sg-1", description: "a&b" })).status, "non-compliant");
  });

  it("given no description anywhere (missing property: Pulumi's default), an unknown or secret value, or another type, then nothing to report", async () => {
    assert.deepEqual(await check(SecurityGroupDescriptions, SG, { vpcId: "v", egress: [https({ cidrBlocks: ["10.0.0.0/8"] })] }), { status: "compliant" });
    assert.deepEqual(await check(SecurityGroupDescriptions, SG, { description: "[secret]", ingress: "unknown", egress: [null, https({ prefixListIds: "pl-unknown" }, "[secret]")] }), { status: "compliant" });
    assert.deepEqual(await check(SecurityGroupDescriptions, EGRESS_RULE, { cidrIpv6: "::/0" }), { status: "compliant" });
    assert.deepEqual(await check(SecurityGroupDescriptions, "aws:ec2/vpc:Vpc", { description: "🙈" }), { status: "not-applicable" });
  });

  it("is in the pack as an error", () => {
    assert.equal(packEntry("AIR-D020")?.rule, SecurityGroupDescriptions);
    assert.equal(packEntry("AIR-D020")?.severity, "error");
  });
});
