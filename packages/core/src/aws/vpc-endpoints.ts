/**
 * VPC endpoint policies: an endpoint created without one gets the default policy (every principal,
 * every action, every resource of the service); a policy is at most 20,480 characters, white
 * space included. Amazon ECR stores image layers in an AWS-owned S3 bucket per Region, so an S3
 * gateway endpoint's policy must let tasks read that bucket or image pulls through ECR's endpoints
 * fail.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

const ENDPOINT_POLICIES = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html";
const ECR_ENDPOINTS = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html";

export const VPC_ENDPOINT_FACTS = {
  defaultPolicy: {
    url: ENDPOINT_POLICIES,
    quote:
      "When you create an interface or gateway endpoint for an AWS service, you can attach a single endpoint policy to the endpoint. … If you don't attach an endpoint policy, we attach the default endpoint policy. … The default endpoint policy grants full access to the endpoint. { \"Statement\": [ { \"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"*\", \"Resource\": \"*\" } ] }",
    checked: FACTS_CHECKED,
  },
  size: {
    url: ENDPOINT_POLICIES,
    quote: "An endpoint policy is a JSON policy document that uses the IAM policy language. It must contain a Principal element. The size of an endpoint policy cannot exceed 20,480 characters, including white space.",
    checked: FACTS_CHECKED,
  },
  fargateImagePull: {
    url: ECR_ENDPOINTS,
    quote:
      "Amazon ECS tasks hosted on Fargate using Linux platform version 1.4.0 or later require both the com.amazonaws.region.ecr.dkr and com.amazonaws.region.ecr.api Amazon ECR VPC endpoints as well as the Amazon S3 gateway endpoint to take advantage of this feature.",
    checked: FACTS_CHECKED,
  },
  // Read in the ECR User Guide's source (awsdocs/amazon-ecr-user-guide, vpc-endpoints.md and
  // ecr-minimum-s3-perms.md); the live page's opening matches it.
  ecrLayerBucket: {
    url: `${ECR_ENDPOINTS}#ecr-minimum-s3-perms`,
    quote:
      "A gateway endpoint for Amazon S3 is required for all Amazon ECS tasks to pull private images from Amazon ECR because Amazon ECR uses Amazon S3 to store Docker image layers. … Minimum Amazon S3 Bucket Permissions for Amazon ECR … To allow only the minimum Amazon S3 bucket permissions for Amazon ECR, restrict access to the Amazon S3 bucket that Amazon ECR uses when you create the IAM policy document for the endpoint. … arn:aws:s3:::prod-region-starport-layer-bucket/* | Provides access to the Amazon S3 bucket containing the layers for each Docker image. … \"Principal\": \"*\", \"Action\": [ \"s3:GetObject\" … ], \"Effect\": \"Allow\", \"Resource\": [\"arn:aws:s3:::prod-region-starport-layer-bucket/*\"]",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** The longest endpoint policy AWS accepts, white space included. */
export const VPC_ENDPOINT_POLICY_MAX = 20_480;

/** The objects of the Region's ECR layer bucket, which image pulls read with `s3:GetObject`. */
export function ecrLayerBucketObjects(partition: string, region: string): string {
  return `arn:${partition}:s3:::prod-${region}-starport-layer-bucket/*`;
}
