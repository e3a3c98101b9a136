/**
 * VPC endpoints: which endpoint serves calls to an IAM service prefix. Agents reach AWS only
 * through these, never through the internet.
 */

export interface EndpointSpec {
  /** Suffix of `com.amazonaws.<region>.<suffix>`. */
  readonly suffix: string;
  readonly type: "Interface" | "Gateway";
}

const BY_PREFIX: Readonly<Record<string, readonly EndpointSpec[]>> = {
  s3: [{ suffix: "s3", type: "Gateway" }],
  dynamodb: [{ suffix: "dynamodb", type: "Gateway" }],
  secretsmanager: [{ suffix: "secretsmanager", type: "Interface" }],
  logs: [{ suffix: "logs", type: "Interface" }],
  kms: [{ suffix: "kms", type: "Interface" }],
  sts: [{ suffix: "sts", type: "Interface" }],
  ecs: [{ suffix: "ecs", type: "Interface" }],
  ecr: [
    { suffix: "ecr.api", type: "Interface" },
    { suffix: "ecr.dkr", type: "Interface" },
  ],
  sqs: [{ suffix: "sqs", type: "Interface" }],
  sns: [{ suffix: "sns", type: "Interface" }],
  lambda: [{ suffix: "lambda", type: "Interface" }],
  ses: [{ suffix: "email", type: "Interface" }],
  bedrock: [{ suffix: "bedrock-runtime", type: "Interface" }],
  events: [{ suffix: "events", type: "Interface" }],
  ssm: [{ suffix: "ssm", type: "Interface" }],
  cloudwatch: [{ suffix: "monitoring", type: "Interface" }],
  "execute-api": [{ suffix: "execute-api", type: "Interface" }],
  states: [{ suffix: "states", type: "Interface" }],
  kinesis: [{ suffix: "kinesis-streams", type: "Interface" }],
  firehose: [{ suffix: "kinesis-firehose", type: "Interface" }],
  athena: [{ suffix: "athena", type: "Interface" }],
  rds: [{ suffix: "rds", type: "Interface" }],
  "rds-data": [{ suffix: "rds-data", type: "Interface" }],
};

/** What every Fargate agent needs: image pulls (ECR + S3 layers), logs and secrets. */
export const BASE_SERVICES: readonly string[] = ["ecr", "logs", "s3", "secretsmanager"];

/** Endpoints for an IAM service prefix, or undefined when Airlock knows of none. */
export function endpointsFor(prefix: string): readonly EndpointSpec[] | undefined {
  return BY_PREFIX[prefix];
}

/** Deduplicated, sorted endpoint specs for a set of prefixes (unknown prefixes are skipped). */
export function endpointsForServices(prefixes: Iterable<string>): EndpointSpec[] {
  const seen = new Map<string, EndpointSpec>();
  for (const p of prefixes) for (const e of BY_PREFIX[p] ?? []) seen.set(e.suffix, e);
  return [...seen.values()].sort((a, b) => a.suffix.localeCompare(b.suffix));
}
