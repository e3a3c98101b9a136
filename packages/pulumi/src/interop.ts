/**
 * Interop with what a Pulumi user already has: ARNs of existing resources (a cluster, a KMS key, a
 * log group, a secret) checked before any resource is made where they are plain strings and at
 * deploy time where they are Outputs, lists from other resources' outputs split into the plain
 * lists a component must branch on, and the requirements Airlock hands to the owner of a resource
 * it does not manage, as readable notes in the plan.
 */
import * as pulumi from "@pulumi/pulumi";
import { REQUIREMENT_TOKEN, type Finding } from "@airlock/core";
import type { AwsContext } from "./aws-context.ts";
import { recordPlanFinding } from "./registry.ts";

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ParsedArn {
  /** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso` or `aws-iso-b`. */
  readonly partition: string;
  /** The service namespace (`kms`, `logs`, …). */
  readonly service: string;
  /** The region; empty for global services. */
  readonly region: string;
  /** The 12-digit account id; empty where the ARN has none. */
  readonly account: string;
  /** Everything after the account (`key/…`, `log-group:…`). */
  readonly resource: string;
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/;

/**
 * Splits an ARN into its parts.
 *
 * @param value - a string that may be an ARN
 * @returns its parts, or undefined when `value` is not an ARN of a known partition
 */
export function parseArn(value: string): ParsedArn | undefined {
  const m = ARN.exec(value);
  if (m === null) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

/** What an existing resource's ARN must look like. */
export interface ArnSpec {
  /** The argument's path, as error messages name it (`kmsKey.keyArn`). */
  readonly field: string;
  /** What the ARN names, for messages ("KMS key ARN"). */
  readonly what: string;
  readonly service: string;
  /** The resource part. */
  readonly resource: RegExp;
  /** The shape to give, for messages. */
  readonly example: string;
  /** Extra advice when the value does not match (an alias instead of a key ARN). @default - none */
  readonly hint?: string;
  /** Why the resource must be in the stack's region. */
  readonly regionReason: string;
}

/** Throws the message for a malformed or out-of-region ARN; returns the parsed ARN. */
export function checkArn(value: string, spec: ArnSpec, region: string): ParsedArn {
  const arn = parseArn(value);
  if (arn === undefined || arn.service !== spec.service || arn.account === "" || !spec.resource.test(arn.resource)) {
    throw new Error(`\`${spec.field}\`: ${JSON.stringify(value)} is not ${/^[AEIOU]/.test(spec.what) ? "an" : "a"} ${spec.what}; give ${spec.example}${spec.hint ? ` (${spec.hint})` : ""}`);
  }
  if (arn.region !== region) {
    throw new Error(`\`${spec.field}\`: the ${spec.what.replace(/ ARN$/, "")} is in ${arn.region || "no region"} but the platform deploys to ${region}; ${spec.regionReason}`);
  }
  return arn;
}

function checkAccount(arn: ParsedArn, account: string, spec: ArnSpec): void {
  if (account !== "" && arn.account !== account) {
    throw new Error(
      `\`${spec.field}\`: the ${spec.what.replace(/ ARN$/, "")} is in account ${arn.account} but the stack deploys to account ${account}; give one of account ${account} (Airlock's roles are granted it through IAM in the stack's own account)`,
    );
  }
}

/**
 * The ARN checked before any resource when it is a plain string (format and region) and at deploy
 * time otherwise; the account, known only at deploy, is always checked then. Everything built from
 * the returned Output waits for the check, so a wrong ARN fails the preview.
 */
export function checkedArn(value: pulumi.Input<string>, spec: ArnSpec, ctx: AwsContext): pulumi.Output<string> {
  if (typeof value === "string") checkArn(value, spec, ctx.region);
  return pulumi.all([pulumi.output(value), ctx.accountId]).apply(([v, account]) => {
    checkAccount(checkArn(v, spec, ctx.region), account, spec);
    return v;
  });
}

/** The ARN's resource part without `prefix` (a cluster's name from `cluster/<name>`), as an Output. */
export function arnTail(arn: pulumi.Input<string>, prefix: RegExp): pulumi.Output<string> {
  return pulumi.output(arn).apply((a) => (parseArn(a)?.resource ?? "").replace(prefix, ""));
}

/** What an existing ECS cluster's ARN must look like (`cluster.clusterArn` of AgentPlatformArgs). */
export const CLUSTER_ARN: Omit<ArnSpec, "field"> = {
  what: "ECS cluster ARN",
  service: "ecs",
  resource: /^cluster\/[A-Za-z0-9_-]{1,255}$/,
  example: "the cluster's ARN, arn:aws:ecs:<region>:<account>:cluster/<name> (`aws.ecs.Cluster.arn`)",
  hint: "not its name",
  regionReason: "an ECS service runs only on a cluster of its own region: give a cluster there (or leave `cluster` out for a new one)",
};

/** What an existing KMS key's ARN must look like (a key ARN, not an alias or a bare key id). */
export const KMS_KEY_ARN: Omit<ArnSpec, "field"> = {
  what: "KMS key ARN",
  service: "kms",
  resource: /^key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
  example: "the key's ARN, arn:aws:kms:<region>:<account>:key/<key id> (`aws.kms.Key.arn`)",
  hint: "not an alias or a bare key id: log groups and IAM policies name the key by its ARN",
  regionReason: "KMS keys are used only in their own region: give a key there (or a replica of a multi-Region key)",
};

/** What an existing CloudWatch Logs log group's ARN must look like. */
export const LOG_GROUP_ARN: Omit<ArnSpec, "field"> = {
  what: "CloudWatch Logs log group ARN",
  service: "logs",
  resource: /^log-group:[\w#\-./]{1,512}(:\*)?$/,
  example: "the group's ARN, arn:aws:logs:<region>:<account>:log-group:<name> (`aws.cloudwatch.LogGroup.arn`)",
  regionReason: "ECS tasks write only to log groups in their own region: give a group there",
};

/** What an existing Secrets Manager secret's ARN must look like (the full ARN, with its six-character suffix). */
export const SECRET_ARN: Omit<ArnSpec, "field"> = {
  what: "Secrets Manager secret ARN",
  service: "secretsmanager",
  // Secrets Manager appends `-` and six characters to the name; IAM matches only the full ARN.
  resource: /^secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/,
  example: "the secret's full ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (`aws.secretsmanager.Secret.arn`)",
  hint: "with the six characters Secrets Manager appends to the name: a partial ARN matches no IAM policy",
  regionReason: "ECS reads a task's secrets in its own region: replicate the secret there and give the replica's ARN",
};

/** `spec` for the argument at `field`. */
export function arnSpec(spec: Omit<ArnSpec, "field">, field: string): ArnSpec {
  return { ...spec, field };
}

/**
 * The first `count` elements of a list that may be an Output (`awsx.ec2.Vpc.privateSubnetIds`),
 * each as its own Output, for an argument that must be a plain list because it decides which
 * resources exist (one route per route table). The deployment fails, naming `field`, when the list
 * turns out to have another length.
 *
 *   privateRouteTableIds: outputElements(routeTableIdsOutput, 2, "network.privateRouteTableIds")
 */
export function outputElements(list: pulumi.Input<pulumi.Input<string>[]>, count: number, field: string): pulumi.Output<string>[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`\`${field}\`: give the number of elements the list has (a whole number, 1 or more)`);
  const all = pulumi.output(list);
  return Array.from({ length: count }, (_, i) =>
    all.apply((xs) => {
      if (xs.length !== count) throw new Error(`\`${field}\`: expected ${count} elements, the list has ${xs.length}; pass its length as the count`);
      return xs[i]!;
    }),
  );
}

export { REQUIREMENT_TOKEN };

/**
 * A requirement on a resource Airlock uses but does not manage, made readable twice: a childless
 * component in the plan whose inputs hold `details` (the exact statements, ARNs and duties), and
 * an info finding the plan lists. Made only when a bring-your-own option is used.
 */
export function requirement(name: string, finding: Omit<Finding, "severity">, details: Record<string, pulumi.Input<unknown>>, parent: pulumi.Resource): void {
  new pulumi.ComponentResource(REQUIREMENT_TOKEN, name, { rule: finding.rule, subject: finding.subject, message: finding.message, ...details }, { parent });
  recordPlanFinding({ ...finding, severity: "info" });
}
