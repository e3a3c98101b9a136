/**
 * Policy config: the file Pulumi takes as `--policy-pack-config`, applied offline by `evaluatePlan`
 * and declared to the engine as each policy's `configSchema`. Error messages are checked exactly.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding, PlanDocument } from "@airlock/core";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePlan } from "../src/evaluate.ts";
import { configuredSeverity, loadPolicyConfig, validatePolicyConfig, type PolicyConfig } from "../src/config.ts";
import { PACK, packEntry, policyName } from "../src/pack.ts";
import { policyFor } from "../src/policies.ts";

const P = "urn:pulumi:dev::p::";
const resource = (type: string, name: string, inputs: Record<string, unknown>) => ({ urn: `${P}${type}::${name}`, type, name, parent: null, custom: true, inputs, dependsOn: [] });
/** A trust policy of about 3,000 characters: over the default quota (2,048), under a raised one (4,096). */
const bigTrust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": Array.from({ length: 200 }, (_, i) => String(100000000000 + i)) } } }] });
const plan = {
  version: 1,
  project: "p",
  stack: "dev",
  resources: [
    resource("aws:ecs/service:Service", "svc", { networkConfiguration: { assignPublicIp: true } }),
    resource("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 0, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" }),
    resource("aws:iam/role:Role", "big", { assumeRolePolicy: bigTrust }),
  ],
  agents: [],
  permissions: [],
  findings: [],
} as unknown as PlanDocument;
const ONLY = ["AIR-G017", "AIR-G040", "AIR-D008"];
const summary = (fs: readonly Finding[]) => fs.map((f) => [f.rule, f.severity]);

describe("evaluatePlan with a policy config", () => {
  it("given no config, then the pack's severities", async () => {
    assert.deepEqual(summary(await evaluatePlan(plan, { only: ONLY })), [["AIR-D008", "warning"], ["AIR-G017", "error"], ["AIR-G040", "error"]]);
  });

  it("given a rule `disabled`, then it does not run", async () => {
    const config = { "air-g017-service-no-public-ip": "disabled" } as const;
    assert.deepEqual(summary(await evaluatePlan(plan, { only: ONLY, config })), [["AIR-D008", "warning"], ["AIR-G040", "error"]]);
  });

  it("given an error rule lowered to `advisory` (the object form), then its findings are warnings and the others are unchanged", async () => {
    const config = { "air-g040-log-group-retention": { enforcementLevel: "advisory" } } as const;
    assert.deepEqual(summary(await evaluatePlan(plan, { only: ONLY, config })), [["AIR-D008", "warning"], ["AIR-G017", "error"], ["AIR-G040", "warning"]]);
  });

  it("given `all: advisory` and one policy `mandatory`, then the policy's own entry wins and every other error is a warning", async () => {
    const config = { all: "advisory", "air-d008-role-trust-policy-size": "mandatory" } as const;
    assert.deepEqual(summary(await evaluatePlan(plan, { only: ONLY, config })), [["AIR-D008", "error"], ["AIR-G017", "warning"], ["AIR-G040", "warning"]]);
  });

  it("given `all: disabled`, then nothing runs; `remediate` enforces as `mandatory`", async () => {
    assert.deepEqual(await evaluatePlan(plan, { only: ONLY, config: { all: "disabled" } }), []);
    assert.deepEqual(summary(await evaluatePlan(plan, { only: ["AIR-D008"], config: { all: "remediate" } })), [["AIR-D008", "error"]]);
  });

  it("given a raised trust-policy quota (AIR-D008 `maxCharacters`), then a 3,000-character trust policy passes, and the message names the configured quota when it does not", async () => {
    assert.deepEqual(await evaluatePlan(plan, { only: ["AIR-D008"], config: { "air-d008-role-trust-policy-size": { maxCharacters: 4096 } } }), []);
    const [f] = await evaluatePlan(plan, { only: ["AIR-D008"], config: { "air-d008-role-trust-policy-size": { maxCharacters: 3000 } } });
    assert.match(f!.message, /^IAM role: `assumeRolePolicy` is \d{4} characters without white space; the configured quota is 3000; /);
  });

  it("given a config that does not fit the pack, then evaluatePlan refuses it before running anything", async () => {
    await assert.rejects(evaluatePlan(plan, { config: { "air-g017": "disabled" } }), { name: "PolicyConfigError", message: "`config`: `air-g017` is not a policy of airlock-guardrails; write `air-g017-service-no-public-ip`" });
  });
});

describe("the severity an enforcement level gives each kind of rule", () => {
  const error = packEntry("AIR-G017")!;
  const warning = packEntry("AIR-D008")!;
  const info = packEntry("AIR-D016")!;
  const at = (level: string): PolicyConfig => ({ all: level }) as PolicyConfig;
  it("maps disabled → dropped, advisory → errors become warnings, mandatory and remediate → error", () => {
    assert.deepEqual(
      ["disabled", "advisory", "mandatory", "remediate"].map((l) => [l, configuredSeverity(error, at(l)), configuredSeverity(warning, at(l)), configuredSeverity(info, at(l))]),
      [
        ["disabled", undefined, undefined, undefined],
        ["advisory", "warning", "warning", "info"],
        ["mandatory", "error", "error", "error"],
        ["remediate", "error", "error", "error"],
      ],
    );
    assert.deepEqual([configuredSeverity(error, undefined), configuredSeverity(warning, {}), configuredSeverity(info, {})], ["error", "warning", "info"]);
  });
});

describe("loadPolicyConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-policy-config-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("given a valid file (levels, objects, settings, `all`), then returns it as written", () => {
    const config = { all: "mandatory", "air-d016-dns-firewall-association-mutation-protection": "disabled", "air-d008-role-trust-policy-size": { enforcementLevel: "advisory", maxCharacters: 4096 } };
    assert.deepEqual(loadPolicyConfig(file("ok.json", JSON.stringify(config))), config);
  });

  const cases: [string, string, (path: string) => string][] = [
    ["a missing file", "", (p) => `\`${p}\`: cannot read the policy config (ENOENT); pass the path of a JSON file such as {"all": "advisory"}`],
    ["not JSON", "{\n  all: advisory }", (p) => `\`${p}\`: not valid JSON at line 2, column 3; write an object such as {"all": "advisory"}`],
    ["a list", '["advisory"]', (p) => `\`${p}\`: must be a JSON object of policy names (or "all") to enforcement levels, e.g. {"all": "advisory"}, not a list`],
    ["an unknown policy name", '{"air-g999-nothing": "advisory"}', (p) => `\`${p}\`: \`air-g999-nothing\` is not a policy of airlock-guardrails; write a policy name (the rule id and name in kebab case, e.g. \`air-g001-iam-no-wildcard-actions\`) or \`all\``],
    ["a rule id instead of the policy name", '{"AIR-G002": "advisory"}', (p) => `\`${p}\`: \`AIR-G002\` is not a policy of airlock-guardrails; write \`air-g002-iam-no-wildcard-resources\``],
    ["an unknown level", '{"all": "warn"}', (p) => `\`${p}\`: \`all\`: "warn" is not an enforcement level; use "advisory", "mandatory", "remediate", "disabled"`],
    ["an unknown level in the object form", '{"air-g017-service-no-public-ip": {"enforcementLevel": "error"}}', (p) => `\`${p}\`: \`air-g017-service-no-public-ip.enforcementLevel\`: "error" is not an enforcement level; use "advisory", "mandatory", "remediate", "disabled"`],
    ["a level of the wrong type", '{"air-g017-service-no-public-ip": true}', (p) => `\`${p}\`: \`air-g017-service-no-public-ip\` must be an enforcement level ("advisory", "mandatory", "remediate", "disabled") or an object such as {"enforcementLevel": "advisory"}, not boolean true`],
    ["a setting the policy does not have", '{"air-g017-service-no-public-ip": {"maxCharacters": 10}}', (p) => `\`${p}\`: \`air-g017-service-no-public-ip.maxCharacters\` is not a setting of this policy; it has none besides \`enforcementLevel\``],
    ["a misspelt setting", '{"air-d008-role-trust-policy-size": {"maxChars": 4096}}', (p) => `\`${p}\`: \`air-d008-role-trust-policy-size.maxChars\` is not a setting of this policy; its settings are \`maxCharacters\``],
    ["a setting of the wrong type", '{"air-d008-role-trust-policy-size": {"maxCharacters": "4096"}}', (p) => `\`${p}\`: \`air-d008-role-trust-policy-size.maxCharacters\` must be an integer from 1 to 4096, not "4096"`],
    ["a setting out of range", '{"air-d008-role-trust-policy-size": {"maxCharacters": 8192}}', (p) => `\`${p}\`: \`air-d008-role-trust-policy-size.maxCharacters\` must be an integer from 1 to 4096, not number 8192`],
    ["a setting under `all`", '{"all": {"enforcementLevel": "advisory", "maxCharacters": 4096}}', (p) => `\`${p}\`: \`all.maxCharacters\` is not a setting of \`all\`, which takes only \`enforcementLevel\``],
  ];
  for (const [what, text, message] of cases) {
    it(`given ${what}, then it names the key and the fix`, () => {
      const path = what === "a missing file" ? join(dir, "missing.json") : file(`${what.replace(/\W+/g, "-")}.json`, text);
      assert.throws(() => loadPolicyConfig(path), { name: "PolicyConfigError", message: message(path) });
    });
  }

  it("validates an object as well as a file (the same messages, named `policy config`)", () => {
    assert.throws(() => validatePolicyConfig({ all: 3 }), { message: '`policy config`: `all` must be an enforcement level ("advisory", "mandatory", "remediate", "disabled") or an object such as {"enforcementLevel": "advisory"}, not number 3' });
  });
});

describe("the policies as the engine sees them", () => {
  const engineArgs = (type: string, props: Record<string, unknown>, config: Record<string, unknown>): ResourceValidationArgs =>
    ({ type, props, urn: `${P}${type}::r`, name: "r", opts: {}, stackTags: new Map(), isType: () => false, asType: () => undefined, getConfig: () => config, notApplicable: () => undefined as never }) as unknown as ResourceValidationArgs;

  it("declares a configSchema only where a rule has settings (never `enforcementLevel`, which Pulumi reserves)", () => {
    const withSchema = PACK.map(policyFor).filter((p) => p.configSchema !== undefined);
    assert.deepEqual(withSchema.map((p) => [p.name, p.configSchema]), [
      [
        "air-d008-role-trust-policy-size",
        { properties: { maxCharacters: { type: "integer", default: 2048, minimum: 1, maximum: 4096, description: 'The account\'s "Role trust policy length" quota (IAM raises it to at most 4,096 through Service Quotas).' } } },
      ],
    ]);
    for (const p of PACK.map(policyFor)) assert.ok(!(p.name === "all") && p.configSchema?.properties.enforcementLevel === undefined);
    assert.equal(policyName(packEntry("AIR-D008")!), "air-d008-role-trust-policy-size");
  });

  it("given the engine's config for AIR-D008, then the rule reads `maxCharacters` (the schema's default when absent)", async () => {
    const validate = (policyFor(packEntry("AIR-D008")!) as ResourceValidationPolicy).validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => Promise<void>;
    const reported: string[] = [];
    await validate(engineArgs("aws:iam/role:Role", { assumeRolePolicy: bigTrust }, { enforcementLevel: "advisory" }), (m) => reported.push(m));
    await validate(engineArgs("aws:iam/role:Role", { assumeRolePolicy: bigTrust }, { enforcementLevel: "advisory", maxCharacters: 4096 }), (m) => reported.push(m));
    assert.equal(reported.length, 1);
    assert.match(reported[0]!, /the default quota is 2048/);
  });
});
