import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkPhysicalName, effectivePhysicalName, PHYSICAL_NAME_LIMITS } from "../../src/index.ts";

const ROLE = "aws:iam/role:Role";
/** The longest platform name the schema allows (kebab-case, 2 to 32 characters; the platform uses 31 in the issue). */
const PLATFORM = "p".repeat(31);

describe("physical names", () => {
  it("given an explicit name, a namePrefix or neither, then the effective name is the name, prefix + 26 or logical + 8", () => {
    assert.equal(effectivePhysicalName(ROLE, "r", { name: "exact" })?.length, 5);
    assert.equal(effectivePhysicalName(ROLE, "r", { namePrefix: "pre-" })?.length, 4 + 26);
    assert.deepEqual(effectivePhysicalName(ROLE, "acme-agents-secret-functions-age-monitor", {}), {
      name: "acme-agents-secret-functions-age-monitor-0000000",
      length: 48,
      how: "auto",
      limit: PHYSICAL_NAME_LIMITS.find((l) => l.type === ROLE),
    });
    assert.equal(effectivePhysicalName("aws:kms/alias:Alias", "k", {})?.name, "alias/k-0000000");
  });

  it("given the age monitor's role with a 31-character platform name (today's auto-name), then it is 68 characters and refused", () => {
    assert.deepEqual(checkPhysicalName(ROLE, `${PLATFORM}-secret-functions-age-monitor`, {}), [
      `the auto-name (logical name \`${PLATFORM}-secret-functions-age-monitor\` plus \`-\` and 7 random characters) is 68 characters; Role names allow 64; shorten the logical name to at most 56 characters or set a shorter \`name\``,
    ]);
  });

  it("given names with characters the type forbids, then reported", () => {
    assert.deepEqual(checkPhysicalName("aws:cloudwatch/eventRule:EventRule", "r", { name: "has space" }), [
      "`name` `has space` has characters EventRule names do not allow; use letters, digits and . - _",
    ]);
    assert.deepEqual(checkPhysicalName("aws:ecr/repository:Repository", "r", { name: "Upper" }), ["`name` `Upper` has characters Repository names do not allow; use lowercase letters, digits and . _ - / between them"]);
  });

  it("given an unknown name (secret, output) or a type not in the table (missing fact), then nothing to report", () => {
    assert.equal(effectivePhysicalName(ROLE, "r", { name: "[secret]" }), undefined);
    assert.equal(effectivePhysicalName("aws:s3/bucket:Bucket", "r", {}), undefined);
    assert.equal(effectivePhysicalName("aws:lambda/alias:Alias", "r", {}), undefined);
    assert.deepEqual(checkPhysicalName(ROLE, "x".repeat(56), {}), []);
  });

  it("holds one entry per type, each with a source", () => {
    assert.equal(new Set(PHYSICAL_NAME_LIMITS.map((l) => l.type)).size, PHYSICAL_NAME_LIMITS.length);
    for (const l of PHYSICAL_NAME_LIMITS) assert.match(l.source.url, /^https:\/\//, l.type);
  });
});
