/**
 * The environment variables the AWS SDKs read credentials (or where to find them) from. Set in an
 * agent's container, plainly or as a secret, they replace the task role: the SDK's default chain
 * takes environment credentials before the container (task role) provider, so the agent would run
 * with whatever those keys may do, outside its permission map.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** Variables that carry AWS credentials or pick a credential source other than the task role. */
export const AWS_CREDENTIAL_ENV: readonly string[] = [
  // Static keys (feature-static-credentials).
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  // Older spellings some SDKs still read (the Java SDK v1: AWS_ACCESS_KEY, AWS_SECRET_KEY; AWS_SECURITY_TOKEN).
  "AWS_ACCESS_KEY",
  "AWS_SECRET_KEY",
  "AWS_SECURITY_TOKEN",
  // Other providers of the chain: a profile, shared files, a web identity, another container endpoint.
  "AWS_PROFILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

export const AWS_CREDENTIAL_ENV_FACTS = {
  environmentFirst: {
    url: "https://docs.aws.amazon.com/sdk-for-php/v3/developer-guide/guide_credentials_default_chain.html",
    quote:
      "The AWS SDK for PHP executes credential providers in the following order: env provider - the SDK searches for AWS access keys that have been set as environment variables. - assumeRoleWithWebIdentityCredentialProvider provider - The SDK searches for IAM role and web identity token file settings. - At this point in the chain, the SDK looks for configuration in the shared AWS config and credentials files. The SDK looks for configuration under the \"default\" profile, but if the AWS_PROFILE environment variable is set, the SDK uses its named profile value. … ecsCredentials provider - The SDK looks for the environment variables AW…",
    checked: FACTS_CHECKED,
  },
  staticKeys: {
    url: "https://docs.aws.amazon.com/sdk-for-php/v3/developer-guide/guide_credentials_environment.html",
    quote:
      "To authenticate to Amazon Web Services, the SDK first checks for credentials in your environment variables. The SDK uses the getenv() function to look for the AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and AWS_SESSION_TOKEN environment variables.",
    checked: FACTS_CHECKED,
  },
  containerProvider: {
    url: "https://docs.aws.amazon.com/sdk-for-cpp/latest/api/aws-cpp-sdk-core/html/md_docs_2_credentials___providers.html",
    quote:
      "1. Checks your environment variables for AWS Credentials … 3. … The sdk looks for the login information to these providers either on the environment variables: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME. … 5. Contacts the ECS TaskRoleCredentialsProvider service to request credentials if Environment variable AWS_CONTAINER_CREDENTIALS_RELATIVE_URI has been set.",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** Whether `name` is a variable the AWS SDKs take credentials (or a credential source) from. */
export function isAwsCredentialEnv(name: string): boolean {
  return AWS_CREDENTIAL_ENV.includes(name);
}
