/**
 * The IAM statements every role of Airlock's is made of: pulling an image from exact ECR
 * repositories, writing to one log group, reading exact secrets (with the key through Secrets
 * Manager only). Pure builders: the components put them in the one inline policy of each role.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../aws-context.ts";
import type { StatementInput } from "../policy.ts";

/** The layer reads of an image pull, on its repository. */
export const ECR_PULL_ACTIONS: readonly string[] = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/** ARN of an ECR repository (`<account>.dkr.ecr.<region>…/<repository>` as `parseEcrImage` reads it), in the stack's partition. */
export function ecrRepositoryArn(partition: pulumi.Input<string>, ecr: { readonly region: string; readonly account: string; readonly repository: string }): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:ecr:${ecr.region}:${ecr.account}:repository/${ecr.repository}`;
}

/**
 * Pulling images from exactly these repositories: `EcrAuthorizationToken` (it has no
 * resource-level permission, so `*`: one of the required wildcards), then `sid` with the layer
 * reads on the repositories.
 */
export function ecrPullStatements(sid: string, repositoryArns: pulumi.Input<pulumi.Input<string>[]>): StatementInput[] {
  return [
    { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    { Sid: sid, Effect: "Allow", Action: [...ECR_PULL_ACTIONS], Resource: repositoryArns },
  ];
}

/** Writing to exactly one log group (streams are named at run time: the one required wildcard). */
export function logStatement(logGroupArn: pulumi.Input<string>): StatementInput {
  return {
    Sid: "WriteOwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [pulumi.interpolate`${logGroupArn}:log-stream:*`],
  };
}

/**
 * KMS use of the platform key (or the keys of existing secrets), only on behalf of Secrets Manager
 * (`kms:ViaService` = `secretsmanager.<region>.amazonaws.com`).
 * @param sid - @default "DecryptSecretsViaSecretsManager"
 */
export function kmsViaSecretsManager(
  kmsKeyArn: pulumi.Input<string> | readonly pulumi.Input<string>[],
  ctx: Pick<AwsContext, "region">,
  actions: string[],
  sid = "DecryptSecretsViaSecretsManager",
): StatementInput {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: Array.isArray(kmsKeyArn) ? [...(kmsKeyArn as readonly pulumi.Input<string>[])] : [kmsKeyArn as pulumi.Input<string>],
    Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${ctx.region}.amazonaws.com` } },
  };
}

/**
 * Reading exactly these secrets' values: `sid` with `secretsmanager:GetSecretValue` on their ARNs,
 * then `kms:Decrypt` on their keys through Secrets Manager only (no statement when no key needs a
 * grant, as for the AWS managed key, whose policy lets the account's principals decrypt).
 */
export function readSecretsStatements(sid: string, secretArns: pulumi.Input<pulumi.Input<string>[]>, kmsKeyArns: readonly pulumi.Input<string>[], ctx: Pick<AwsContext, "region">): StatementInput[] {
  return [
    { Sid: sid, Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: secretArns },
    ...(kmsKeyArns.length > 0 ? [kmsViaSecretsManager(kmsKeyArns, ctx, ["kms:Decrypt"])] : []),
  ];
}

/** Updating exactly one ECS service (its ARN is known from the names before the service exists). */
export function updateServiceStatement(sid: string, ctx: Pick<AwsContext, "region" | "partition" | "accountId">, clusterName: pulumi.Input<string>, serviceName: pulumi.Input<string>): StatementInput {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["ecs:UpdateService"],
    Resource: [pulumi.interpolate`arn:${ctx.partition}:ecs:${ctx.region}:${ctx.accountId}:service/${clusterName}/${serviceName}`],
  };
}
