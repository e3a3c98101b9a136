import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkEc2Description, EC2_DESCRIPTION_LIMITS, ec2DescriptionLimits, sanitizeSecurityGroupDescription } from "../../src/index.ts";

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
/** The set every target accepts (no `&`), at most 255 characters. */
const EVERYWHERE = /^[A-Za-z0-9 ._\-:/()#,@[\]+=;{}!$*]{0,255}$/;
const NASTY = `vendor's "edge" IPs rotate 100% <daily> & café 🙈\nsee ticket | OPS-7`;

describe("EC2 security group and rule description limits", () => {
  it("quotes the EC2 API reference for each target: 255 characters, `&` only for groups and IP ranges", () => {
    for (const l of Object.values(EC2_DESCRIPTION_LIMITS)) {
      assert.equal(l.maxLength, 255);
      assert.match(l.source.quote, /Up to 255 characters in length/);
      assert.ok(l.source.quote.includes(l.allowed), `${l.target} quotes its set`);
      assert.equal(l.pattern.test("a&b"), l.allowed.includes("&"), l.target);
    }
    assert.deepEqual(Object.values(EC2_DESCRIPTION_LIMITS).filter((l) => l.allowed.includes("&")).map((l) => l.target), ["securityGroup", "ipRange", "ipv6Range"]);
    assert.equal(ec2DescriptionLimits(["ipRange", "prefixListId"])[0]!.target, "prefixListId");
    assert.equal(ec2DescriptionLimits([])[0]!.target, "securityGroup");
  });

  it("given an apostrophe in a rule description on IPv4 ranges, then it is reported with the set and the sanitised text", () => {
    assert.deepEqual(checkEc2Description("DNS to the VPC's resolver", ["ipRange"], "egress[3].description"), [
      '`egress[3].description` has characters EC2 rejects (`\'`); descriptions of rules on IPv4 ranges allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*; write it as "DNS to the VPCs resolver" (sanitizeSecurityGroupDescription)',
    ]);
  });

  it("given `&`, then a group or a rule on IP ranges accepts it and a rule on a prefix list or a security group does not", () => {
    assert.deepEqual(checkEc2Description("Support & Success", ["securityGroup"]), []);
    assert.deepEqual(checkEc2Description("Support & Success", ["ipRange", "ipv6Range"]), []);
    assert.deepEqual(checkEc2Description("Support & Success", ["ipRange", "prefixListId"]), [
      '`description` has characters EC2 rejects (`&`); descriptions of rules on prefix lists allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*; write it as "Support and Success" (sanitizeSecurityGroupDescription)',
    ]);
    assert.match(checkEc2Description("a&b", ["userIdGroupPair"])[0]!, /descriptions of rules on security groups allow/);
  });

  it("given 256 characters and a newline, then both are reported in one line", () => {
    assert.deepEqual(checkEc2Description(`${"x".repeat(255)}\n`, ["ipv6Range"]), [
      `\`description\` is 256 characters (EC2 allows 255) and has characters EC2 rejects ("\\n"); descriptions of rules on IPv6 ranges allow a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*; write it as "${"x".repeat(255)}" (sanitizeSecurityGroupDescription)`,
    ]);
  });

  it("given no description, a non-string (unknown output) or a secret placeholder (missing property), then nothing to report", () => {
    assert.deepEqual(checkEc2Description(undefined, ["ipRange"]), []);
    assert.deepEqual(checkEc2Description(42, ["ipRange"]), []);
    assert.deepEqual(checkEc2Description("[secret]", ["ipRange"]), []);
    assert.deepEqual(checkEc2Description("", ["ipRange"]), []);
  });
});

describe("sanitizeSecurityGroupDescription", () => {
  it("keeps the words of free text: accents dropped, % and & in words, apostrophes inside words gone, brackets as parentheses", () => {
    assert.equal(sanitizeSecurityGroupDescription(NASTY), "vendors edge IPs rotate 100 percent (daily) and cafe see ticket / OPS-7");
    assert.equal(sanitizeSecurityGroupDescription("Straße nach Łódź — naïve ﬁle"), "Strasse nach Lodz - naive file");
    assert.equal(sanitizeSecurityGroupDescription("OPT-OUT anyIpOn443 (DNS firewall only): vendor publishes no ranges"), "OPT-OUT anyIpOn443 (DNS firewall only): vendor publishes no ranges");
  });

  it("cuts to 255 characters and never ends on a space", () => {
    const out = sanitizeSecurityGroupDescription(`${"word ".repeat(60)}🙈`);
    assert.equal(out.length, 254);
    assert.ok(!out.endsWith(" "));
  });

  it("given any string, then the result is accepted by every target, and sanitising it again changes nothing", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400, unit: "grapheme" }), fc.string({ maxLength: 600, unit: "binary" }), fc.string({ maxLength: 300 })), (text) => {
        const out = sanitizeSecurityGroupDescription(text);
        assert.match(out, EVERYWHERE);
        assert.doesNotMatch(out, /^ | $| {2}/);
        for (const target of Object.keys(EC2_DESCRIPTION_LIMITS) as (keyof typeof EC2_DESCRIPTION_LIMITS)[]) assert.deepEqual(checkEc2Description(out, [target]), [], target);
        assert.equal(sanitizeSecurityGroupDescription(out), out);
      }),
      { numRuns: 2000, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it("given text already in the set (single spaces, no `&`, at most 255 characters), then it comes back unchanged", () => {
    const word = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(..."abcXYZ019._-:/()#,@[]+=;{}!$*") });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), (words) => {
        const text = words.join(" ").slice(0, 255).trim();
        fc.pre(!/ {2}/.test(text));
        assert.equal(sanitizeSecurityGroupDescription(text), text);
      }),
      { numRuns: 500, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
