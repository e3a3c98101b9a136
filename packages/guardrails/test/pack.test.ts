import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { PACK, packEntry } from "../src/pack.ts";
import { agentsFromTaskDefinitions, policyFor, policyName } from "../src/policies.ts";
import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

describe("the pack", () => {
  it("fixes the rule list: ids, rule names and severities", () => {
    assert.deepEqual(
      PACK.map((e) => [e.id, e.rule.name, e.rule.kind, e.severity]),
      [
        ["AIR-G001", "IamNoWildcardActions", "resource", "error"],
        ["AIR-G002", "IamNoWildcardResources", "resource", "error"],
        ["AIR-G003", "IamNoAdminManagedPolicies", "resource", "error"],
        ["AIR-G004", "IamActionsExist", "resource", "error"],
        ["AIR-G005", "IamResourcesMatchActions", "resource", "error"],
        ["AIR-G006", "IamWildcardReasoned", "stack", "warning"],
        ["AIR-G010", "TaskDefinitionNoSecretEnv", "resource", "error"],
        ["AIR-G011", "LambdaNoSecretEnv", "resource", "error"],
        ["AIR-G012", "ContainerReadOnlyRootFs", "resource", "error"],
        ["AIR-G013", "ContainerNonRootUser", "resource", "error"],
        ["AIR-G014", "ContainerDropAllCapabilities", "resource", "error"],
        ["AIR-G015", "ContainerNotPrivileged", "resource", "error"],
        ["AIR-G016", "TaskDefinitionRetained", "resource", "error"],
        ["AIR-G017", "ServiceNoPublicIp", "resource", "error"],
        ["AIR-G020", "SecurityGroupNoOpenEgress", "resource", "error"],
        ["AIR-G021", "EgressOptedOut", "resource", "warning"],
        ["AIR-G030", "SecretEncryptedWithKms", "resource", "error"],
        ["AIR-G031", "SecretRotatedOrAlarmed", "stack", "error"],
        ["AIR-G040", "LogGroupRetention", "resource", "error"],
        ["AIR-G041", "LogGroupEncrypted", "resource", "error"],
        ["AIR-G042", "LogGroupDataProtection", "stack", "error"],
        ["AIR-G050", "OutwardToolsApproved", "stack", "error"],
        ["AIR-G051", "ApprovalsOptedOut", "stack", "warning"],
        ["AIR-D001", "LambdaRuntimeSupported", "resource", "error"],
        ["AIR-D002", "LambdaRuntimeKnown", "resource", "warning"],
        ["AIR-D003", "TagsValid", "stack", "error"],
        ["AIR-D004", "FargateTaskSize", "resource", "error"],
        ["AIR-D005", "RoleInlinePolicySize", "stack", "error"],
        ["AIR-D006", "ManagedPolicySize", "resource", "error"],
        ["AIR-D007", "PolicyStatementIds", "resource", "error"],
        ["AIR-D008", "RoleTrustPolicySize", "resource", "warning"],
        ["AIR-D009", "LogDataProtectionIdentifiers", "resource", "error"],
        ["AIR-D010", "PhysicalNameFits", "stack", "error"],
        ["AIR-D011", "FunctionUrlPublicPermissions", "stack", "error"],
        ["AIR-D012", "SecretRotationAfterInvokePermission", "stack", "error"],
        ["AIR-D013", "NatGatewayAfterInternetGateway", "stack", "error"],
        ["AIR-D014", "DnsFirewallResolvesAwsNames", "stack", "error"],
        ["AIR-D015", "VpcEndpointPolicy", "stack", "error"],
        ["AIR-D016", "DnsFirewallAssociationMutationProtection", "resource", "info"],
        ["AIR-D017", "EncryptedTopicPublishers", "stack", "error"],
        ["AIR-D018", "PrivateEgressRouted", "stack", "error"],
        ["AIR-D019", "BedrockInferenceProfileGrants", "stack", "error"],
        ["AIR-D020", "SecurityGroupDescriptions", "resource", "error"],
        ["AIR-D021", "PrivateRouteManagedElsewhere", "stack", "warning"],
        ["AIR-D022", "LogGroupKeyPolicy", "stack", "error"],
      ],
    );
  });

  it("holds every rule file under src/rules exactly once, named after its file", () => {
    const dir = new URL("../src/rules/", import.meta.url);
    const files = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.split("/").pop()!.replace(/\.ts$/, ""))
      .sort();
    assert.deepEqual(PACK.map((e) => e.rule.name).sort(), files);
    assert.equal(new Set(PACK.map((e) => e.id)).size, PACK.length);
    for (const e of PACK) assert.ok(e.explanation.length > 20, `${e.id} needs an explanation`);
    assert.equal(packEntry("AIR-G020")?.rule.name, "SecurityGroupNoOpenEgress");
  });
});

describe("the pack as @pulumi/policy policies (called with the engine's argument shapes, no PolicyPack)", () => {
  const engineArgs = (type: string, props: Record<string, unknown>): ResourceValidationArgs =>
    ({ type, props, urn: `urn:pulumi:dev::p::${type}::r`, name: "r", opts: {}, stackTags: new Map(), isType: () => false, asType: () => undefined, getConfig: () => ({}), notApplicable: () => { throw new Error("n/a"); } }) as unknown as ResourceValidationArgs;

  it("names each policy after its id and rule, with mandatory enforcement and high severity for errors", () => {
    const p = policyFor(PACK[0]!);
    assert.equal(p.name, "air-g001-iam-no-wildcard-actions");
    assert.equal(policyName(packEntry("AIR-G042")!), "air-g042-log-group-data-protection");
    assert.equal(p.enforcementLevel, "mandatory");
    assert.equal(p.severity, "high");
    assert.match(p.description, /^AIR-G001: Identity policies allow exact actions only/);
  });

  it("given a resource that breaks a rule, when the engine validates it, then the violation carries the rule id and the URN", async () => {
    const policy = policyFor(packEntry("AIR-G017")!) as ResourceValidationPolicy;
    const reported: [string, string | undefined][] = [];
    const validate = policy.validateResource as (a: ResourceValidationArgs, r: (m: string, u?: string) => void) => Promise<void>;
    await validate(engineArgs("aws:ecs/service:Service", { networkConfiguration: { assignPublicIp: true } }), (m, u) => reported.push([m, u]));
    await validate(engineArgs("aws:ecs/service:Service", { networkConfiguration: { assignPublicIp: false } }), (m, u) => reported.push([m, u]));
    await validate(engineArgs("aws:s3/bucket:Bucket", {}), (m, u) => reported.push([m, u]));
    assert.deepEqual(reported, [
      ["AIR-G017: `networkConfiguration.assignPublicIp` is true; run the service in private subnets with `assignPublicIp: false`", "urn:pulumi:dev::p::aws:ecs/service:Service::r"],
    ]);
  });

  it("given a stack whose task definition declares an approve tier and no gateway, when the engine validates the stack, then the approvals rule reports it", async () => {
    const td = {
      urn: "urn:pulumi:dev::p::aws:ecs/taskDefinition:TaskDefinition::td",
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name: "td",
      dependencies: [],
      props: { containerDefinitions: JSON.stringify([{ name: "agent", environment: [{ name: "AIRLOCK_AGENT", value: "a" }, { name: "AIRLOCK_APPROVAL_TIERS", value: '{"customer.reply":"approve","kb.search":"auto"}' }] }]) },
    };
    assert.deepEqual(agentsFromTaskDefinitions([td]), [{ name: "a", tools: [{ name: "customer.reply", actionType: "customer.reply", tier: "approve", outward: true }] }]);
    const policy = policyFor(packEntry("AIR-G050")!) as StackValidationPolicy;
    const reported: string[] = [];
    await policy.validateStack({ resources: [td], stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined as never } as unknown as StackValidationArgs, (m) => reported.push(m));
    assert.deepEqual(reported, [
      "AIR-G050: outward tool `customer.reply` of agent `a` needs `approve` (action type `customer.reply`) but no approval gateway is deployed; add an ApprovalGateway to the stack so its calls wait for a human",
    ]);
  });
});
