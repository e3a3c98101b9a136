/**
 * The CloudWatch Logs data protection policy: masks credentials in every Airlock log group with
 * AWS's managed identifiers plus custom ones built from the same patterns the leak scanner and the
 * trace redactor use (the one engine of @airlock/core): each pattern's CloudWatch form
 * (`logMaskingRegex`, within the characters CloudWatch supports), packed by group into at most ten
 * identifiers of at most 200 characters (`logMaskingIdentifiers`). The custom identifiers are
 * checked against the documented limits (`CUSTOM_DATA_IDENTIFIER_LIMITS` in @airlock/core) before
 * any resource exists.
 */
import { checkCustomDataIdentifiers, logMaskingIdentifiers, MANAGED_CREDENTIAL_IDENTIFIERS } from "@airlock/core";

/** AWS managed data identifiers for credentials. */
export { MANAGED_CREDENTIAL_IDENTIFIERS };

/** The custom data identifiers Airlock masks with: one per group of log-masking secret patterns. */
export function customDataIdentifiers(): { Name: string; Regex: string }[] {
  return logMaskingIdentifiers();
}

/**
 * The data protection policy document of an Airlock log group: audit and mask credentials with
 * AWS's managed identifiers and {@link customDataIdentifiers}.
 *
 * @param name - the policy's `Name`
 * @param partition - the AWS partition of the managed identifiers' ARNs
 * @returns the policy as JSON
 * @throws Error when the custom identifiers break CloudWatch's limits
 */
export function dataProtectionPolicy(name: string, partition = "aws"): string {
  const custom = customDataIdentifiers();
  const problems = checkCustomDataIdentifiers(custom);
  if (problems.length > 0) throw new Error(`SECRET_PATTERNS cannot become a CloudWatch data protection policy: ${problems.join("; ")}`);
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
