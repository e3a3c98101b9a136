/**
 * AIR-D011..D013: what must exist, and be created, before a public function URL, a secret
 * rotation, a NAT gateway and its address. Resources shaped as the plan records them (mock ids
 * `<name>-id`, ARNs from the mocks) and as the policy engine passes them (unknown outputs absent,
 * `dependencies` as URNs).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { FunctionUrlPublicPermissions } from "../../../src/rules/deploy/FunctionUrlPublicPermissions.ts";
import { SecretRotationAfterInvokePermission } from "../../../src/rules/deploy/SecretRotationAfterInvokePermission.ts";
import { NatGatewayAfterInternetGateway } from "../../../src/rules/deploy/NatGatewayAfterInternetGateway.ts";
import { packEntry } from "../../../src/pack.ts";
import { policyFor } from "../../../src/policies.ts";
import type { StackResource } from "../../../src/rule.ts";
import { res } from "./plan-shapes.ts";

const FN = "aws:lambda/function:Function";
const PERM = "aws:lambda/permission:Permission";
const URL = "aws:lambda/functionUrl:FunctionUrl";
const URLS_AUTH = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";

describe("FunctionUrlPublicPermissions (AIR-D011)", () => {
  const fn = res(FN, "approvals-function", { name: "airlock-dev-approvals", runtime: "nodejs24.x" });
  const invokeUrl = res(PERM, "approvals-url-invoke-url", { action: "lambda:InvokeFunctionUrl", function: "airlock-dev-approvals", functionUrlAuthType: "NONE", principal: "*" }, [fn.urn]);
  const invoke = res(PERM, "approvals-url-invoke", { action: "lambda:InvokeFunction", function: "airlock-dev-approvals", invokedViaFunctionUrl: true, principal: "*" }, [fn.urn]);
  const url = (props: Record<string, unknown> = {}, deps = [fn.urn, invoke.urn, invokeUrl.urn]) => res(URL, "approvals-url", { authorizationType: "NONE", functionName: "airlock-dev-approvals", invokeMode: "BUFFERED", ...props }, deps);
  const fix = (action: string, input: string) =>
    `since October 2025 a public function URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction, so every request is refused with 403; add an aws.lambda.Permission with \`action: "${action}"\`, \`principal: "*"\` and ${input}, and list it in the URL's \`dependsOn\` (${URLS_AUTH})`;

  it("given a public URL that waits for both permissions on its function (today's gateway), then compliant", () => {
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, invoke, invokeUrl, url()] }), []);
  });

  it("given the permissions name the function by ARN, and an IAM-authenticated URL with none, then compliant", () => {
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:airlock-dev-approvals";
    const byArn = [invoke, invokeUrl].map((p) => ({ ...p, props: { ...p.props, function: arn } }));
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, ...byArn, url()] }), []);
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, url({ authorizationType: "AWS_IAM" }, [fn.urn])] }), []);
  });

  it("given only the InvokeFunctionUrl permission (the pre-October-2025 setup), then the missing lambda:InvokeFunction is reported with the fix", () => {
    const u = url({}, [fn.urn, invokeUrl.urn]);
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, invokeUrl, u] }), [
      {
        subject: u.urn,
        message: `lambda FunctionUrl \`approvals-url\`: \`authorizationType\` is NONE, but no Permission on function \`airlock-dev-approvals\` allows \`lambda:InvokeFunction\` to principal \`*\` with \`invokedViaFunctionUrl: true\`; ${fix("lambda:InvokeFunction", "`invokedViaFunctionUrl: true`")}`,
      },
    ]);
  });

  it("given a permission without `functionUrlAuthType` (missing property), then it does not count, and the near miss is named", () => {
    const { functionUrlAuthType: _t, ...rest } = invokeUrl.props;
    const bare = { ...invokeUrl, props: rest };
    const u = url();
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, invoke, bare, u] }), [
      {
        subject: u.urn,
        message: `lambda FunctionUrl \`approvals-url\`: \`authorizationType\` is NONE, but no Permission on function \`airlock-dev-approvals\` allows \`lambda:InvokeFunctionUrl\` to principal \`*\` with \`functionUrlAuthType: "NONE"\` (Permission \`approvals-url-invoke-url\` allows it without \`functionUrlAuthType: "NONE"\`); ${fix("lambda:InvokeFunctionUrl", '`functionUrlAuthType: "NONE"`')}`,
      },
    ]);
  });

  it("given a URL on an alias, then only permissions with that qualifier count", () => {
    const u = url({ qualifier: "live" });
    const found = FunctionUrlPublicPermissions.check({ resources: [fn, invoke, invokeUrl, u] });
    assert.equal(found.length, 2);
    assert.match(found[0]!.message, /no Permission on function `airlock-dev-approvals` \(qualifier `live`\) allows `lambda:InvokeFunctionUrl`/);
    const qualified = [invoke, invokeUrl].map((p) => ({ ...p, props: { ...p.props, qualifier: "live" } }));
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, ...qualified, u] }), []);
  });

  it("given the URL does not wait for a permission, then reported with the dependsOn fix", () => {
    const u = url({}, [fn.urn, invokeUrl.urn]);
    assert.deepEqual(FunctionUrlPublicPermissions.check({ resources: [fn, invoke, invokeUrl, u] }), [
      {
        subject: u.urn,
        message: `lambda FunctionUrl \`approvals-url\`: does not wait for Permission \`approvals-url-invoke\` (\`lambda:InvokeFunction\` on function \`airlock-dev-approvals\`), so the URL can go live before its function accepts public calls and refuse them with 403 until it does; add the Permission to the URL's \`dependsOn\` (${URLS_AUTH})`,
      },
    ]);
  });

  it("given a preview where the function name is not known yet, when the engine validates the stack, then the function is the one each resource depends on", async () => {
    const engineFn: StackResource = { ...fn, props: { runtime: "nodejs24.x" } };
    const unknown = (p: StackResource): StackResource => ({ ...p, props: Object.fromEntries(Object.entries(p.props).filter(([k]) => k !== "function")) });
    const u = url({ functionName: undefined }, [fn.urn, invokeUrl.urn]);
    const policy = policyFor(packEntry("AIR-D011")!) as StackValidationPolicy;
    const reported: [string, string | undefined][] = [];
    const resources = [engineFn, unknown(invoke), unknown(invokeUrl), { ...u, props: { authorizationType: "NONE" } }].map((r) => ({ ...r, dependencies: (r.dependencies ?? []).map((urn) => ({ urn })) }));
    await policy.validateStack({ resources, stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined as never } as unknown as StackValidationArgs, (m, urn) => reported.push([m, urn]));
    assert.deepEqual(reported, [
      [
        `AIR-D011: lambda FunctionUrl \`approvals-url\`: does not wait for Permission \`approvals-url-invoke\` (\`lambda:InvokeFunction\` on function \`approvals-function\`), so the URL can go live before its function accepts public calls and refuse them with 403 until it does; add the Permission to the URL's \`dependsOn\` (${URLS_AUTH})`,
        u.urn,
      ],
    ]);
  });
});

describe("SecretRotationAfterInvokePermission (AIR-D012)", () => {
  const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";
  const fn = res(FN, "secret-functions-rotation", { name: "airlock-dev-rotate-secrets" });
  const perm = res(PERM, "secret-functions-rotation", { action: "lambda:InvokeFunction", function: "airlock-dev-rotate-secrets", principal: "secretsmanager.amazonaws.com", sourceAccount: "123456789012" }, [fn.urn]);
  const secret = res("aws:secretsmanager/secret:Secret", "billing-api-token", { name: "airlock/dev/support-agent/billing-api-token" });
  const version = res("aws:secretsmanager/secretVersion:SecretVersion", "billing-api-token", { secretId: "billing-api-token-id" }, [secret.urn]);
  const rotation = (deps: string[], arn = "arn:aws:lambda:us-east-1:123456789012:function:airlock-dev-rotate-secrets") =>
    res(ROTATION, "billing-api-token", { rotationLambdaArn: arn, rotationRules: { automaticallyAfterDays: 30 }, secretId: "billing-api-token-id" }, deps);

  it("given a rotation that waits for the permission (today's plan, directly or through the secret version), then compliant", () => {
    assert.deepEqual(SecretRotationAfterInvokePermission.check({ resources: [fn, perm, secret, rotation([secret.urn, fn.urn, perm.urn])] }), []);
    const versionAfterPermission = { ...version, dependencies: [secret.urn, perm.urn] };
    assert.deepEqual(SecretRotationAfterInvokePermission.check({ resources: [fn, perm, secret, versionAfterPermission, rotation([versionAfterPermission.urn])] }), []);
  });

  it("given a rotation function outside the stack (a team's own Lambda), then not applicable", () => {
    assert.deepEqual(SecretRotationAfterInvokePermission.check({ resources: [secret, rotation([secret.urn], "arn:aws:lambda:us-east-1:123456789012:function:team-rotator")] }), []);
  });

  it("given no permission for secretsmanager.amazonaws.com (one for events.amazonaws.com only), then reported with the fix", () => {
    const events = { ...perm, props: { ...perm.props, principal: "events.amazonaws.com" } };
    const r = rotation([fn.urn]);
    assert.deepEqual(SecretRotationAfterInvokePermission.check({ resources: [fn, events, r] }), [
      {
        subject: r.urn,
        message:
          "secretsmanager SecretRotation `billing-api-token`: no Permission lets `secretsmanager.amazonaws.com` invoke its rotation function `airlock-dev-rotate-secrets`; Secrets Manager rotates the secret as soon as rotation is turned on and calls the function through its resource policy, so the rotation fails; add an aws.lambda.Permission with `action: \"lambda:InvokeFunction\"`, `principal: \"secretsmanager.amazonaws.com\"` (and `sourceAccount`) on the function, and list it in the rotation's `dependsOn` (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html)",
      },
    ]);
  });

  it("given the permission but no dependency on it (the defect issue #11 names), then reported", () => {
    const r = rotation([secret.urn, fn.urn]);
    assert.deepEqual(SecretRotationAfterInvokePermission.check({ resources: [fn, perm, secret, r] }), [
      {
        subject: r.urn,
        message:
          "secretsmanager SecretRotation `billing-api-token`: does not wait for Permission `secret-functions-rotation`, which lets `secretsmanager.amazonaws.com` invoke `airlock-dev-rotate-secrets`; Secrets Manager rotates the secret as soon as rotation is turned on, so a rotation configured before the permission exists fails; add the Permission to the rotation's `dependsOn` (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-rotate-secret-request/rotate-immediately.html)",
      },
    ]);
  });

  it("given a preview where `rotationLambdaArn` is not known yet (missing property), then the function is the one the rotation depends on", () => {
    const r = { ...rotation([fn.urn]), props: { secretId: "billing-api-token-id" } };
    assert.equal(SecretRotationAfterInvokePermission.check({ resources: [fn, perm, r] }).length, 1);
    assert.deepEqual(SecretRotationAfterInvokePermission.check({ resources: [fn, perm, { ...r, dependencies: [fn.urn, perm.urn] }] }), []);
  });
});

describe("NatGatewayAfterInternetGateway (AIR-D013)", () => {
  const vpc = res("aws:ec2/vpc:Vpc", "acme-vpc", { cidrBlock: "10.40.0.0/16" });
  const igw = res("aws:ec2/internetGateway:InternetGateway", "acme-igw", { vpcId: "acme-vpc-id" }, [vpc.urn]);
  const subnet = res("aws:ec2/subnet:Subnet", "acme-public-a", { vpcId: "acme-vpc-id", cidrBlock: "10.40.0.0/20" }, [vpc.urn]);
  const eip = (deps: string[] = [igw.urn], props: Record<string, unknown> = { domain: "vpc" }) => res("aws:ec2/eip:Eip", "acme-nat-a", props, deps);
  const nat = (deps: string[], props: Record<string, unknown> = {}) => res("aws:ec2/natGateway:NatGateway", "acme-nat-a", { allocationId: "acme-nat-a-id", subnetId: "acme-public-a-id", ...props }, deps);
  const NAT_URL = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/nat_gateway";

  it("given the NAT gateway and its EIP waiting for the internet gateway (today's plan), then compliant", () => {
    const e = eip();
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, igw, subnet, e, nat([e.urn, igw.urn, subnet.urn])] }), []);
    // Through the EIP is enough for the NAT gateway: it waits for the address, which waits for the gateway.
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, igw, subnet, e, nat([e.urn, subnet.urn])] }), []);
  });

  it("given a private NAT gateway, or no internet gateway of that VPC in the stack, then not applicable", () => {
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, subnet, nat([subnet.urn], { connectivityType: "private", allocationId: undefined })] }), []);
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, subnet, eip([]), nat([subnet.urn])] }), []);
  });

  it("given neither waits for the internet gateway, then both are reported, each with the provider's note and the fix", () => {
    const e = eip([]);
    const n = nat([e.urn, subnet.urn]);
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, igw, subnet, e, n] }), [
      {
        subject: n.urn,
        message: `ec2 NatGateway \`acme-nat-a\`: a public NAT gateway that does not wait for the internet gateway of its VPC (\`acme-igw\`), so it can be created first and refused while the VPC has no internet gateway; add \`acme-igw\` to its \`dependsOn\` (aws_nat_gateway: "it is recommended to add an explicit dependency on the Internet Gateway for the VPC": ${NAT_URL})`,
      },
      {
        subject: e.urn,
        message:
          'ec2 Eip `acme-nat-a`: the address of NAT gateway `acme-nat-a` does not wait for the internet gateway of its VPC (`acme-igw`), so it can be created first and refused while the VPC has no internet gateway; add `acme-igw` to its `dependsOn` (aws_eip: "EIP may require IGW to exist prior to association": https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip)',
      },
    ]);
  });

  it("given the internet gateway attached through an InternetGatewayAttachment and a regional NAT gateway (`vpcId`, no subnet), then the attachment is what they wait for", () => {
    const bare = res("aws:ec2/internetGateway:InternetGateway", "acme-igw", {});
    const attachment = res("aws:ec2/internetGatewayAttachment:InternetGatewayAttachment", "acme-igw-attachment", { internetGatewayId: "acme-igw-id", vpcId: "acme-vpc-id" }, [bare.urn, vpc.urn]);
    const regional = (deps: string[]) => res("aws:ec2/natGateway:NatGateway", "acme-nat", { availabilityMode: "regional", vpcId: "acme-vpc-id" }, deps);
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, bare, attachment, regional([vpc.urn, attachment.urn])] }), []);
    const [finding] = NatGatewayAfterInternetGateway.check({ resources: [vpc, bare, attachment, regional([vpc.urn, bare.urn])] });
    assert.match(finding!.message, /^ec2 NatGateway `acme-nat`: a public NAT gateway that does not wait for the internet gateway of its VPC \(`acme-igw-attachment`\)/);
  });

  it("given an allocation the engine does not know yet (missing property), then the EIP is the one the NAT gateway depends on", () => {
    const e = eip([]);
    const n = { ...nat([e.urn, igw.urn, subnet.urn]), props: { subnetId: "acme-public-a-id" } };
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, igw, subnet, e, n] }).map((f) => f.subject), [e.urn]);
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, igw, subnet, eip(), n] }), []);
    // An EIP the NAT gateway does not use is not its address.
    const other = res("aws:ec2/eip:Eip", "bastion", { domain: "vpc" });
    assert.deepEqual(NatGatewayAfterInternetGateway.check({ resources: [vpc, igw, subnet, eip(), other, nat([igw.urn, subnet.urn])] }), []);
  });
});
