/**
 * The account, partition and region a component deploys into. Region is a plain value (it decides
 * endpoint and domain names); account and partition come from the provider at deploy time.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AwsContext {
  readonly region: string;
  readonly accountId: pulumi.Output<string>;
  readonly partition: pulumi.Output<string>;
  /** DNS suffix of the partition, e.g. `amazonaws.com`. */
  readonly dnsSuffix: pulumi.Output<string>;
  /**
   * The IAM principal running `pulumi up`, as a policy names it: the role ARN for an assumed-role
   * session (`aws.iam.getSessionContext`), else the user ARN. Resource policies that deny everyone
   * but named readers let it through, since the provider reads back what it wrote.
   */
  readonly deployerArn: pulumi.Output<string>;
}

export function awsContext(parent: pulumi.Resource, region?: string): AwsContext {
  const resolved = region ?? aws.config.region;
  if (resolved === undefined || resolved === "") {
    throw new Error("`region`: no AWS region is set; run `pulumi config set aws:region <region>` or pass `region`");
  }
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const partition = aws.getPartitionOutput({}, { parent });
  const session = aws.iam.getSessionContextOutput({ arn: identity.arn }, { parent });
  return {
    region: resolved,
    accountId: identity.accountId,
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
    deployerArn: session.issuerArn,
  };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>` as an Output. */
export function arn(
  ctx: AwsContext,
  service: string,
  resource: pulumi.Input<string>,
  opts: { region?: boolean; account?: boolean } = {},
): pulumi.Output<string> {
  const region = opts.region === false ? "" : ctx.region;
  return pulumi.interpolate`arn:${ctx.partition}:${service}:${region}:${opts.account === false ? "" : ctx.accountId}:${resource}`;
}
