/** IAM role ARNs as arguments name them: any partition, a path allowed. */

/** A role ARN in any partition. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** `role` when it is a role ARN; else throws naming `field` (a role that must read a secret's value). */
export function checkRoleArn(role: string, field: string): string {
  if (!ROLE_ARN.test(role)) {
    throw new Error(`\`${field}\`: ${JSON.stringify(role)} is not an IAM role ARN; give the ARN of the role that must read the value (arn:aws:iam::<account>:role/<name>)`);
  }
  return role;
}
