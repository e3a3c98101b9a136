/** Trust policies: which AWS service may assume a role, pinned to the stack's account. */
import type * as pulumi from "@pulumi/pulumi";
import { policyJson } from "../policy.ts";

/** The ECS tasks service principal (task and execution roles; `iam:PassedToService` of a task's roles). */
export const ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com";
/** The Lambda service principal (function roles). */
export const LAMBDA_SERVICE = "lambda.amazonaws.com";

/** Trust policy for a service principal, pinned to this account with `aws:SourceAccount`. */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
  return policyJson([
    {
      Sid: "AssumeFromService",
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["sts:AssumeRole"],
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}
