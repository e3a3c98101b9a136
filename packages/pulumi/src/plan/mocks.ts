/**
 * Deterministic mocks for planning offline: every resource gets stable, realistic outputs (ARNs,
 * ids, names) derived from its type and name, so plans are reproducible and diff cleanly.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** The account and region the mocks report. */
export interface MockContext {
  /** 12-digit account id in the ARNs the mocks make. */
  readonly accountId: string;
  /** Region in the ARNs the mocks make. */
  readonly region: string;
}

const SERVICE_OF: Record<string, string> = {
  "aws:iam/role:Role": "iam",
  "aws:cloudwatch/logGroup:LogGroup": "logs",
  "aws:secretsmanager/secret:Secret": "secretsmanager",
  "aws:ecs/taskDefinition:TaskDefinition": "ecs",
  "aws:ecs/cluster:Cluster": "ecs",
  "aws:ecs/service:Service": "ecs",
  "aws:sns/topic:Topic": "sns",
  "aws:lambda/function:Function": "lambda",
  "aws:kms/key:Key": "kms",
  "aws:ecr/repository:Repository": "ecr",
  "aws:cloudwatch/metricAlarm:MetricAlarm": "cloudwatch",
  "aws:cloudwatch/eventRule:EventRule": "events",
};

/** Unmocked invokes are collected here and reported with a clear message. */
export class DeterministicMocks implements pulumi.runtime.Mocks {
  readonly unmockedCalls: string[] = [];
  private readonly revisions = new Map<string, number>();
  /** Region of each explicit AWS provider, by the id the mocks gave it. */
  private readonly providerRegions = new Map<string, string>();

  constructor(private readonly ctx: MockContext) {}

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const { accountId, region } = this.ctx;
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        // Pipelines deploy with an assumed role; the plan does too, so resource policies name its role.
        return { accountId, arn: `arn:aws:sts::${accountId}:assumed-role/airlock-deployer/airlock-plan`, userId: "AROAAIRLOCKPLAN:airlock-plan", id: accountId };
      case "aws:iam/getSessionContext:getSessionContext": {
        // An assumed-role session's issuer is its role; any other principal is its own issuer.
        const arn = String((args.inputs as { arn?: unknown }).arn ?? "");
        const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
        return m
          ? { arn, issuerArn: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`, issuerName: m[3], issuerId: "AROAAIRLOCKPLAN", sessionName: m[4], id: arn }
          : { arn, issuerArn: arn, issuerName: arn.split("/").pop() ?? "", issuerId: "", sessionName: "", id: arn };
      }
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
      case "aws:index/getRegion:getRegion": {
        // An explicit provider answers with its own region, as the real engine would.
        const providerId = args.provider?.split("::").pop();
        const r = (providerId !== undefined ? this.providerRegions.get(providerId) : undefined) ?? region;
        return { name: r, region: r, id: r, endpoint: `ec2.${r}.amazonaws.com` };
      }
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return { userName: "AWS", password: "planned-registry-password", authorizationToken: "planned", proxyEndpoint: `https://${accountId}.dkr.ecr.${region}.amazonaws.com`, id: region };
      default:
        this.unmockedCalls.push(args.token);
        return {};
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const { accountId } = this.ctx;
    // A resource on an explicit provider is made in that provider's region, as the real engine would.
    const providerId = args.provider?.split("::").pop();
    const region = (providerId !== undefined ? this.providerRegions.get(providerId) : undefined) ?? this.ctx.region;
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const physicalName = typeof inputs.name === "string" ? inputs.name : args.name;
    const id = args.custom === false ? "" : `${args.name}-id`;
    // Resources Pulumi would auto-name get their logical name (the engine adds a random suffix).
    const state: Record<string, unknown> = { ...inputs, id, ...(args.custom !== false && inputs.name === undefined ? { name: args.name } : {}) };
    const svc = SERVICE_OF[args.type];
    switch (args.type) {
      case "pulumi:providers:aws":
        if (typeof inputs.region === "string") this.providerRegions.set(id, inputs.region);
        break;
      case "aws:iam/role:Role":
        state.name = physicalName;
        state.arn = `arn:aws:iam::${accountId}:role/${physicalName}`;
        state.uniqueId = `AROA${hashish(args.name)}`;
        break;
      case "aws:cloudwatch/logGroup:LogGroup":
        state.arn = `arn:aws:logs:${region}:${accountId}:log-group:${physicalName}`;
        break;
      case "aws:secretsmanager/secret:Secret":
        state.arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${physicalName}-${hashish(physicalName).slice(0, 6)}`;
        break;
      case "aws:ecs/taskDefinition:TaskDefinition": {
        const family = String(inputs.family ?? args.name);
        const rev = (this.revisions.get(family) ?? 0) + 1;
        this.revisions.set(family, rev);
        state.revision = rev;
        state.arn = `arn:aws:ecs:${region}:${accountId}:task-definition/${family}:${rev}`;
        state.arnWithoutRevision = `arn:aws:ecs:${region}:${accountId}:task-definition/${family}`;
        break;
      }
      case "aws:ecs/cluster:Cluster":
        state.name = physicalName;
        state.arn = `arn:aws:ecs:${region}:${accountId}:cluster/${physicalName}`;
        break;
      case "aws:ecs/service:Service":
        state.arn = `arn:aws:ecs:${region}:${accountId}:service/${physicalName}`;
        break;
      case "aws:sns/topic:Topic":
        state.name = physicalName;
        state.arn = `arn:aws:sns:${region}:${accountId}:${physicalName}`;
        break;
      case "aws:lambda/function:Function":
        state.name = physicalName;
        state.arn = `arn:aws:lambda:${region}:${accountId}:function:${physicalName}`;
        state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
        if (inputs.publish === true) state.version = "1";
        break;
      case "aws:lambda/alias:Alias":
        // An alias ARN is the function's, qualified by the alias name.
        state.arn = `arn:aws:lambda:${region}:${accountId}:function:${String(inputs.functionName)}:${String(inputs.name)}`;
        state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
        break;
      case "aws:kms/key:Key":
        // KMS key ids are UUIDs (the form bring-your-own `kmsKey.keyArn` checks); one per name.
        state.keyId = uuidOf(args.name);
        state.arn = `arn:aws:kms:${region}:${accountId}:key/${state.keyId}`;
        break;
      case "aws:ecr/repository:Repository":
        state.arn = `arn:aws:ecr:${region}:${accountId}:repository/${physicalName}`;
        state.repositoryUrl = `${accountId}.dkr.ecr.${region}.amazonaws.com/${physicalName}`;
        state.registryId = accountId;
        break;
      case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        // An IAM OIDC provider's ARN names its URL without the scheme (one per issuer and account).
        state.arn = `arn:aws:iam::${accountId}:oidc-provider/${String(inputs.url ?? args.name).replace(/^https:\/\//, "")}`;
        break;
      case "aws:ec2/vpcEndpoint:VpcEndpoint":
        state.prefixListId = `pl-${hashish(args.name).slice(0, 8).toLowerCase()}`;
        break;
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        state.arn = `arn:aws:cloudwatch:${region}:${accountId}:alarm:${physicalName}`;
        break;
      case "aws:cloudwatch/eventRule:EventRule":
        state.arn = `arn:aws:events:${region}:${accountId}:rule/${physicalName}`;
        break;
      case "random:index/randomPassword:RandomPassword":
        state.result = "planned-random-value";
        break;
      case "docker:index/image:Image":
        state.repoDigest = `${String(inputs.imageName ?? "").split(":")[0]}@sha256:${"0".repeat(64)}`;
        break;
      default:
        if (svc !== undefined) state.arn = `arn:aws:${svc}:${region}:${accountId}:${physicalName}`;
        else if (args.type.startsWith("aws:")) state.arn = `arn:aws:${args.type.split(":")[1]!.split("/")[0]}:${region}:${accountId}:${args.name}`;
    }
    return { id, state };
  }
}

/** A short stable uppercase token derived from a string (not a security hash). */
/** A UUID-shaped id (8-4-4-4-12 hex digits) derived from `s`, the same on every run. */
function uuidOf(s: string): string {
  const h = createHash("sha256").update(s).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function hashish(s: string): string {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).toUpperCase().padStart(7, "0");
}
