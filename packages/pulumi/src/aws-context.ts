/**
 * The account, partition and region a component deploys into. Region is a plain value (it decides
 * endpoint and domain names); account and partition come from the provider at deploy time.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The account, partition and region a component deploys into. Region is a plain value (it decides
 * endpoint and domain names); account and partition come from the provider at deploy time.
 */
export interface AwsContext {
  /** The region, plain. */
  readonly region: string;
  /** The account id, from the provider. */
  readonly accountId: pulumi.Output<string>;
  /** The partition (`aws`, `aws-cn`, …), from the provider. */
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

/**
 * The context of `parent`'s children. `region` names the region plainly (endpoint and zone names
 * need it before deploy); the region the provider actually deploys to (an explicit provider in
 * the component's options, or `aws:region`) is checked against it, and every ARN built from this
 * context waits for that check, so a mismatch fails the preview instead of deploying endpoints,
 * zones and ARNs of one region into another.
 */
export function awsContext(parent: pulumi.Resource, region?: string, deployerArn?: pulumi.Input<string>): AwsContext {
  const resolved = region ?? aws.config.region;
  if (resolved === undefined || resolved === "") {
    throw new Error("`region`: no AWS region is set; run `pulumi config set aws:region <region>` or pass `region`");
  }
  const providerRegion = aws.getRegionOutput({}, { parent });
  const checked = providerRegion.region.apply((actual) => {
    if (actual !== undefined && actual !== "" && actual !== resolved) {
      throw new Error(
        `\`region\`: the AWS provider of this component deploys to ${actual}, but the component was given ${resolved}${region === undefined ? " (the `aws:region` config)" : ""}; pass \`region: "${actual}"\` (or give the component a provider for ${resolved})`,
      );
    }
    return resolved;
  });
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const partition = aws.getPartitionOutput({}, { parent });
  return {
    region: resolved,
    accountId: pulumi.all([identity.accountId, checked]).apply(([account]) => account),
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
    // Given, or the caller's own (its role, for an assumed-role session): looked up only when not given.
    deployerArn: deployerArn !== undefined ? pulumi.output(deployerArn) : aws.iam.getSessionContextOutput({ arn: identity.arn }, { parent }).issuerArn,
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
