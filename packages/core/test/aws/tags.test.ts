import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkTags, sanitizeTags, sanitizeTagValue, TAG_LIMITS, tagLimitsFor } from "../../src/index.ts";

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const TYPES = [
  "aws:ecs/service:Service",
  "aws:iam/role:Role",
  "aws:lambda/function:Function",
  "aws:secretsmanager/secret:Secret",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:sns/topic:Topic",
  "aws:kms/key:Key",
  "aws:ec2/vpc:Vpc",
  "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup",
  "aws:ecr/repository:Repository",
  "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
  "random:index/randomPassword:RandomPassword",
];

describe("tag limits per service", () => {
  it("maps resource types to their service's limits", () => {
    assert.equal(tagLimitsFor("aws:ecs/service:Service").service, "ECS");
    assert.equal(tagLimitsFor("aws:cloudwatch/logGroup:LogGroup").service, "CloudWatch Logs");
    assert.equal(tagLimitsFor("aws:cloudwatch/eventRule:EventRule").service, "EventBridge");
    assert.equal(tagLimitsFor("aws:cloudwatch/metricAlarm:MetricAlarm").service, "CloudWatch");
    assert.equal(tagLimitsFor("aws:ec2/subnet:Subnet").keyMax, 127);
    assert.equal(tagLimitsFor("aws:s3/bucket:Bucket"), TAG_LIMITS.general);
  });

  it("given the eval-gate tag of today's plan (with `%`), when checked for ECS, then the value is rejected with the pattern and the fix", () => {
    assert.deepEqual(checkTags("aws:ecs/service:Service", { "airlock:eval-gate": "on: pass rate at least 90%", "airlock:agent": "support-agent" }), [
      '`tags` key `airlock:eval-gate` value "on: pass rate at least 90%" has characters ECS rejects (`%`); tag values must match ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$; write it as "on: pass rate at least 90 percent" (sanitizeTagValue)',
    ]);
  });

  it("given the same value on an EC2 resource (any character allowed), then it passes; a 128-character key does not", () => {
    assert.deepEqual(checkTags("aws:ec2/vpc:Vpc", { note: "90% (of 100)" }), []);
    assert.deepEqual(checkTags("aws:ec2/vpc:Vpc", { ["k".repeat(128)]: "v" }), [`\`tags\` key \`${"k".repeat(128)}\` is 128 characters; EC2 allows 127; shorten the key`]);
  });

  it("given the reserved prefix, too many tags or a long value, then each is reported", () => {
    assert.deepEqual(checkTags("aws:iam/role:Role", { "aws:x": "y" }), ["`tags` key `aws:x` starts with the reserved prefix `aws:`; rename the key"]);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    assert.deepEqual(checkTags("aws:sns/topic:Topic", many), ["`tags` has 51 tags; SNS allows 50 per resource; drop 1"]);
    assert.deepEqual(checkTags("aws:kms/key:Key", { d: "x".repeat(257) }), ["`tags` key `d` value is 257 characters; KMS allows 256; shorten it (sanitizeTagValue cuts it to 256)"]);
  });

  it("given no tags, non-string values (unknown outputs) or a secret placeholder (missing property), then nothing to report", () => {
    assert.deepEqual(checkTags("aws:ecs/service:Service", {}), []);
    assert.deepEqual(checkTags("aws:ecs/service:Service", { a: 1, b: null, c: "[secret]" }), []);
  });
});

describe("sanitizeTagValue", () => {
  it("maps the values Airlock writes into the allowed set", () => {
    assert.equal(sanitizeTagValue("on: pass rate at least 90%"), "on: pass rate at least 90 percent");
    assert.equal(sanitizeTagValue("OPT-OUT (vendor API has no ranges) & DNS firewall"), "OPT-OUT vendor API has no ranges and DNS firewall");
    assert.equal(sanitizeTagValue("line one\nline\ttwo  "), "line one line two");
    assert.equal(sanitizeTagValue("aws:managed"), "aws-managed");
    assert.equal(sanitizeTagValue("Café ≥ 3"), "Café 3");
    assert.equal(sanitizeTagValue("x".repeat(300)).length, 256);
    assert.deepEqual(sanitizeTags({ a: "90%", b: "ok" }), { a: "90 percent", b: "ok" });
  });

  it("property: any string in, a value every service accepts out, and sanitising again changes nothing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (input) => {
        const out = sanitizeTagValue(input);
        for (const type of TYPES) assert.deepEqual(checkTags(type, { k: out }), [], `${type}: ${JSON.stringify(out)}`);
        assert.equal(sanitizeTagValue(out), out);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("property: a value already in the allowed set (single spaces, trimmed) comes out unchanged", () => {
    const allowed = fc.constantFrom(..."abcXYZ019_.:/=+-@éß".split(""));
    const word = fc.array(allowed, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(fc.array(word, { minLength: 0, maxLength: 10 }), (words) => {
        const v = words.join(" ").slice(0, 256).trim();
        fc.pre(!/^aws:/i.test(v));
        assert.equal(sanitizeTagValue(v), v);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
