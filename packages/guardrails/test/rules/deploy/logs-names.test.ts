import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { logMaskingRegexOf, SECRET_PATTERNS } from "@airlock/core";
import { LogDataProtectionIdentifiers } from "../../../src/rules/deploy/LogDataProtectionIdentifiers.ts";
import { PhysicalNameFits } from "../../../src/rules/deploy/PhysicalNameFits.ts";
import { dataProtectionPolicy } from "../../../../pulumi/src/observability/data-protection.ts";
import { check } from "../../helpers.ts";
import { maskingPolicyDocument, res } from "./plan-shapes.ts";

const DPP = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy";
const UNSUPPORTED = "which custom data identifiers do not support (only letters, digits, _ # = @ / ; , - space and ^ $ ? [ ] { } | \\ * + .); rewrite it without groups, e.g. as one identifier per alternative or a character class";

describe("LogDataProtectionIdentifiers (AIR-D009)", () => {
  it("given the policy as planned with the scanner regexes, then the Anthropic and private-key identifiers are reported", async () => {
    assert.deepEqual(await check(LogDataProtectionIdentifiers, DPP, { logGroupName: "/airlock/support-agent/agent", policyDocument: maskingPolicyDocument }), {
      status: "non-compliant",
      messages: [
        `data protection policy of \`/airlock/support-agent/agent\`: \`policyDocument\` custom data identifier \`AnthropicApiKey\`: the regex \`sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{40,}\` uses \`(\` \`:\` \`)\`, ${UNSUPPORTED}`,
        `data protection policy of \`/airlock/support-agent/agent\`: \`policyDocument\` custom data identifier \`PrivateKey\`: the regex \`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----\` uses \`(\` \`:\` \`)\`, ${UNSUPPORTED}`,
      ],
    });
  });
  it("given the policy the component now writes (logMaskingRegex), then compliant", async () => {
    assert.deepEqual(await check(LogDataProtectionIdentifiers, DPP, { logGroupName: "/airlock/support-agent/agent", policyDocument: dataProtectionPolicy("p") }), { status: "compliant" });
    const anthropic = SECRET_PATTERNS.find((p) => p.id === "AnthropicApiKey")!;
    assert.equal(logMaskingRegexOf(anthropic), "sk-ant-[a-z]{3,5}[0-9]{2}-[A-Za-z0-9_-]{40,}");
  });
  it("given an account policy of another type, or no document (missing property), then not applicable", async () => {
    assert.deepEqual(await check(LogDataProtectionIdentifiers, "aws:cloudwatch/logAccountPolicy:LogAccountPolicy", { policyType: "SUBSCRIPTION_FILTER_POLICY", policyDocument: "{}" }), { status: "not-applicable" });
    assert.deepEqual(await check(LogDataProtectionIdentifiers, DPP, { logGroupName: "/x" }), { status: "not-applicable" });
  });
});

describe("PhysicalNameFits (AIR-D010)", () => {
  const platform = "p".repeat(31);
  it("given today's age-monitor role and rule (auto-named from `acme-agents-…`), then they fit", () => {
    const resources = [
      res("aws:iam/role:Role", "acme-agents-secret-functions-age-monitor", { assumeRolePolicy: "{}" }),
      res("aws:cloudwatch/eventRule:EventRule", "acme-agents-secret-functions-age-monitor", { scheduleExpression: "rate(6 hours)" }),
      res("aws:lambda/function:Function", "acme-agents-secret-functions-age-monitor", { name: "airlock-acme-agents-secret-age" }),
    ];
    assert.deepEqual(PhysicalNameFits.check({ resources }), []);
  });
  it("given the platform name at 31 characters, then the role's and the rule's auto-names are too long", () => {
    const role = res("aws:iam/role:Role", `${platform}-secret-functions-age-monitor`, {});
    const rule = res("aws:cloudwatch/eventRule:EventRule", `${platform}-secret-functions-age-monitor`, {});
    assert.deepEqual(PhysicalNameFits.check({ resources: [role, rule] }), [
      {
        subject: role.urn,
        message: `iam Role \`${role.name}\`: the auto-name (logical name \`${role.name}\` plus \`-\` and 7 random characters) is 68 characters; Role names allow 64; shorten the logical name to at most 56 characters or set a shorter \`name\``,
      },
      {
        subject: rule.urn,
        message: `cloudwatch EventRule \`${rule.name}\`: the auto-name (logical name \`${rule.name}\` plus \`-\` and 7 random characters) is 68 characters; EventRule names allow 64; shorten the logical name to at most 56 characters or set a shorter \`name\``,
      },
    ]);
  });
  it("given a namePrefix too long, or an explicit name with a space, then reported; an unknown name (missing property), not", () => {
    assert.deepEqual(PhysicalNameFits.check({ resources: [res("aws:iam/role:Role", "r", { namePrefix: "x".repeat(40) })] }).map((v) => v.message), [
      `iam Role \`r\`: \`namePrefix\` \`${"x".repeat(40)}\` plus 26 generated characters is 66 characters; Role names allow 64; shorten \`namePrefix\` to at most 38 characters`,
    ]);
    assert.deepEqual(PhysicalNameFits.check({ resources: [res("aws:cloudwatch/dashboard:Dashboard", "d", { dashboardName: "my dashboard" })] }).map((v) => v.message), [
      "cloudwatch Dashboard `d`: `dashboardName` `my dashboard` has characters Dashboard names do not allow; use letters, digits, - and _",
    ]);
    assert.deepEqual(PhysicalNameFits.check({ resources: [res("aws:iam/role:Role", "r", { name: "[secret]" }), res("aws:cloudwatch/dashboard:Dashboard", "d", {})] }), []);
  });
});
