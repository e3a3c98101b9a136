/** AWS facts Airlock checks plans and manifests against, each with its source. */
export * from "./source.ts";
export * from "./lambda-runtimes.ts";
export * from "./tags.ts";
export * from "./fargate.ts";
export * from "./iam-policy.ts";
export * from "./log-data-protection.ts";
export * from "./physical-names.ts";
export * from "./lambda-urls.ts";
export * from "./secrets-rotation.ts";
export * from "./vpc.ts";
export * from "./vpc-endpoints.ts";
export * from "./route53-resolver.ts";
export * from "./sns-encryption.ts";
export * from "./ec2-descriptions.ts";
export * from "./log-encryption.ts";
export * from "./audit-anchor.ts";
export * from "./ecs-deployments.ts";
