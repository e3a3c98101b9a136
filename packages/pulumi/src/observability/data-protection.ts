/**
 * The CloudWatch Logs data protection policy: masks credentials in every Airlock log group with
 * AWS's managed identifiers plus custom ones built from the same patterns the leak scanner and the
 * trace redactor use.
 */
import { SECRET_PATTERNS } from "@airlock/core";

/** AWS managed data identifiers for credentials. */
export const MANAGED_CREDENTIAL_IDENTIFIERS: readonly string[] = [
  "AwsSecretKey",
  "OpenSshPrivateKey",
  "PgpPrivateKey",
  "PkcsPrivateKey",
  "PuttyPrivateKey",
];

/** CloudWatch allows at most 10 custom identifiers per policy, each regex at most 200 characters. */
const MAX_CUSTOM = 10;
const MAX_REGEX = 200;

export function dataProtectionPolicy(name: string, partition = "aws"): string {
  const custom = SECRET_PATTERNS.filter((p) => p.logMasking).map((p) => ({ Name: p.id, Regex: p.regex }));
  if (custom.length > MAX_CUSTOM) throw new Error(`SECRET_PATTERNS marks ${custom.length} patterns for log masking; CloudWatch allows ${MAX_CUSTOM}`);
  for (const c of custom) {
    if (c.Regex.length > MAX_REGEX) throw new Error(`secret pattern ${c.Name} is ${c.Regex.length} characters; CloudWatch allows ${MAX_REGEX}`);
  }
  const identifiers = [
    ...MANAGED_CREDENTIAL_IDENTIFIERS.map((id) => `arn:${partition}:dataprotection::aws:data-identifier/${id}`),
    ...custom.map((c) => c.Name),
  ];
  return JSON.stringify({
    Name: name,
    Description: "Airlock: mask credentials in agent logs",
    Version: "2021-06-01",
    Configuration: { CustomDataIdentifier: custom },
    Statement: [
      { Sid: "audit-credentials", DataIdentifier: identifiers, Operation: { Audit: { FindingsDestination: {} } } },
      { Sid: "mask-credentials", DataIdentifier: identifiers, Operation: { Deidentify: { MaskConfig: {} } } },
    ],
  });
}
