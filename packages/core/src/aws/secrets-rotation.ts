/**
 * Secrets Manager rotation through a Lambda function: turning rotation on starts a rotation at
 * once by default (and otherwise runs the function's testSecret step), and Secrets Manager calls
 * the function through the function's resource policy, which must allow
 * `secretsmanager.amazonaws.com` to invoke it. So the permission has to exist before the rotation
 * is configured.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** The service principal that invokes rotation functions. */
export const ROTATION_INVOKER = "secretsmanager.amazonaws.com";

export const SECRET_ROTATION_FACTS = {
  rotatesImmediately: {
    // The RotateSecret API's `RotateImmediately` parameter, as the AWS SDK reference (generated from the same API model) words it.
    url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-rotate-secret-request/rotate-immediately.html",
    quote:
      "Specifies whether to rotate the secret immediately or wait until the next scheduled rotation window. … For secrets that use a Lambda rotation function to rotate, if you don't immediately rotate the secret, Secrets Manager tests the rotation configuration by running the testSecret step of the Lambda rotation function. … By default, Secrets Manager rotates the secret immediately.",
    checked: FACTS_CHECKED,
  },
  functionResourcePolicy: {
    url: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html",
    quote:
      "Secrets Manager uses a Lambda function to rotate a secret. The Lambda function has a resource policy that allows Secrets Manager to invoke it. … If you create the Lambda function another way, you must attach a resource policy to it and make sure it has the correct permissions. … The following policy allows Secrets Manager to invoke the Lambda function specified in the Resource. … \"Principal\": { \"Service\": \"secretsmanager.amazonaws.com\" }, \"Action\": \"lambda:InvokeFunction\"",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;
