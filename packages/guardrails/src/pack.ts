/**
 * The Airlock guardrails pack: every rule with its id, severity and the explanation a reviewer
 * reads. Ids are public (they appear in plans, diffs and CI logs): add, never renumber.
 */
import type { Rule } from "./rule.ts";
import { IamNoWildcardActions } from "./rules/iam/IamNoWildcardActions.ts";
import { IamNoWildcardResources } from "./rules/iam/IamNoWildcardResources.ts";
import { IamNoAdminManagedPolicies } from "./rules/iam/IamNoAdminManagedPolicies.ts";
import { IamActionsExist } from "./rules/iam/IamActionsExist.ts";
import { IamResourcesMatchActions } from "./rules/iam/IamResourcesMatchActions.ts";
import { IamWildcardReasoned } from "./rules/iam/IamWildcardReasoned.ts";
import { TaskDefinitionNoSecretEnv } from "./rules/ecs/TaskDefinitionNoSecretEnv.ts";
import { ContainerReadOnlyRootFs } from "./rules/ecs/ContainerReadOnlyRootFs.ts";
import { ContainerNonRootUser } from "./rules/ecs/ContainerNonRootUser.ts";
import { ContainerDropAllCapabilities } from "./rules/ecs/ContainerDropAllCapabilities.ts";
import { ContainerNotPrivileged } from "./rules/ecs/ContainerNotPrivileged.ts";
import { TaskDefinitionRetained } from "./rules/ecs/TaskDefinitionRetained.ts";
import { ServiceNoPublicIp } from "./rules/ecs/ServiceNoPublicIp.ts";
import { LambdaNoSecretEnv } from "./rules/lambda/LambdaNoSecretEnv.ts";
import { SecurityGroupNoOpenEgress } from "./rules/ec2/SecurityGroupNoOpenEgress.ts";
import { EgressOptedOut } from "./rules/ec2/EgressOptedOut.ts";
import { SecretEncryptedWithKms } from "./rules/secretsmanager/SecretEncryptedWithKms.ts";
import { SecretRotatedOrAlarmed } from "./rules/secretsmanager/SecretRotatedOrAlarmed.ts";
import { LogGroupRetention } from "./rules/cloudwatch/LogGroupRetention.ts";
import { LogGroupEncrypted } from "./rules/cloudwatch/LogGroupEncrypted.ts";
import { LogGroupDataProtection } from "./rules/cloudwatch/LogGroupDataProtection.ts";
import { OutwardToolsApproved } from "./rules/airlock/OutwardToolsApproved.ts";
import { ApprovalsOptedOut } from "./rules/airlock/ApprovalsOptedOut.ts";
import { LambdaRuntimeSupported } from "./rules/deploy/LambdaRuntimeSupported.ts";
import { LambdaRuntimeKnown } from "./rules/deploy/LambdaRuntimeKnown.ts";
import { TagsValid } from "./rules/deploy/TagsValid.ts";
import { FargateTaskSize } from "./rules/deploy/FargateTaskSize.ts";
import { RoleInlinePolicySize } from "./rules/deploy/RoleInlinePolicySize.ts";
import { ManagedPolicySize } from "./rules/deploy/ManagedPolicySize.ts";
import { PolicyStatementIds } from "./rules/deploy/PolicyStatementIds.ts";
import { RoleTrustPolicySize } from "./rules/deploy/RoleTrustPolicySize.ts";
import { LogDataProtectionIdentifiers } from "./rules/deploy/LogDataProtectionIdentifiers.ts";
import { PhysicalNameFits } from "./rules/deploy/PhysicalNameFits.ts";
import { FunctionUrlPublicPermissions } from "./rules/deploy/FunctionUrlPublicPermissions.ts";
import { SecretRotationAfterInvokePermission } from "./rules/deploy/SecretRotationAfterInvokePermission.ts";
import { NatGatewayAfterInternetGateway } from "./rules/deploy/NatGatewayAfterInternetGateway.ts";
import { DnsFirewallResolvesAwsNames } from "./rules/deploy/DnsFirewallResolvesAwsNames.ts";
import { VpcEndpointPolicy } from "./rules/deploy/VpcEndpointPolicy.ts";
import { DnsFirewallAssociationMutationProtection } from "./rules/deploy/DnsFirewallAssociationMutationProtection.ts";
import { EncryptedTopicPublishers } from "./rules/deploy/EncryptedTopicPublishers.ts";
import { PrivateEgressRouted } from "./rules/deploy/PrivateEgressRouted.ts";
import { BedrockInferenceProfileGrants } from "./rules/deploy/BedrockInferenceProfileGrants.ts";
import { SecurityGroupDescriptions } from "./rules/deploy/SecurityGroupDescriptions.ts";
import { PrivateRouteManagedElsewhere } from "./rules/deploy/PrivateRouteManagedElsewhere.ts";
import { LogGroupKeyPolicy } from "./rules/deploy/LogGroupKeyPolicy.ts";

export type Severity = "error" | "warning" | "info";

export interface PackEntry {
  /** `AIR-G0xx` (guardrails) or `AIR-D0xx` (deploy readiness: AWS's documented limits, each rule citing its source). */
  readonly id: string;
  readonly rule: Rule;
  readonly severity: Severity;
  /** Why the rule exists, for reviewers and the policy engine's description. */
  readonly explanation: string;
}

export const PACK_NAME = "airlock-guardrails";

export const PACK: readonly PackEntry[] = [
  { id: "AIR-G001", rule: IamNoWildcardActions, severity: "error", explanation: "Identity policies allow exact actions only: a wildcard action grants whatever AWS adds to the service later." },
  { id: "AIR-G002", rule: IamNoWildcardResources, severity: "error", explanation: "Identity policies name exact resources; `*` only for actions with no resource-level permissions and Airlock's required log-stream wildcard." },
  { id: "AIR-G003", rule: IamNoAdminManagedPolicies, severity: "error", explanation: "No AWS-managed AdministratorAccess, PowerUserAccess or *FullAccess policy: they grant far more than any agent tool needs." },
  { id: "AIR-G004", rule: IamActionsExist, severity: "error", explanation: "Every action exists in the IAM dataset: AWS silently ignores a misspelt action, so the policy does not do what its reviewer read." },
  { id: "AIR-G005", rule: IamResourcesMatchActions, severity: "error", explanation: "Every resource ARN is of a type its actions act on (IAM dataset): a mismatch grants nothing and hides a mistake." },
  { id: "AIR-G006", rule: IamWildcardReasoned, severity: "warning", explanation: "A wildcard resource in an agent's task role that its manifest allows (`allowWildcard.reason` on the tool) shows in every plan with the reason, so the wildcard is a reviewed decision, not an error the compiler and the pack disagree on." },
  { id: "AIR-G010", rule: TaskDefinitionNoSecretEnv, severity: "error", explanation: "No credential in a task definition's plain environment: anyone who can describe the task definition reads it, in every revision forever." },
  { id: "AIR-G011", rule: LambdaNoSecretEnv, severity: "error", explanation: "No credential in a Lambda function's environment variables: they are readable with lambda:GetFunctionConfiguration." },
  { id: "AIR-G012", rule: ContainerReadOnlyRootFs, severity: "error", explanation: "Containers have a read-only root file system, so a compromised agent cannot modify its own code." },
  { id: "AIR-G013", rule: ContainerNonRootUser, severity: "error", explanation: "Containers run as a non-root user." },
  { id: "AIR-G014", rule: ContainerDropAllCapabilities, severity: "error", explanation: "Containers drop every Linux capability and add none back." },
  { id: "AIR-G015", rule: ContainerNotPrivileged, severity: "error", explanation: "No container runs privileged." },
  { id: "AIR-G016", rule: TaskDefinitionRetained, severity: "error", explanation: "Task definitions are retained (`skipDestroy`) so a rollback has something to return to and an incident can be traced to what ran." },
  { id: "AIR-G017", rule: ServiceNoPublicIp, severity: "error", explanation: "ECS services get no public IP; egress goes through NAT and the allowlist." },
  { id: "AIR-G020", rule: SecurityGroupNoOpenEgress, severity: "error", explanation: "No egress to 0.0.0.0/0 or ::/0 except through an explicit opt-out with a reason (tag `airlock:egress-opt-out` or an `OPT-OUT …: reason` rule description)." },
  { id: "AIR-G021", rule: EgressOptedOut, severity: "warning", explanation: "Egress to the whole internet under the explicit opt-out (`egress.anyIpOn443.reason`) shows in every plan with the reason: only the DNS firewall then limits where the agent connects." },
  { id: "AIR-G030", rule: SecretEncryptedWithKms, severity: "error", explanation: "Secrets are encrypted with a customer-managed KMS key." },
  { id: "AIR-G031", rule: SecretRotatedOrAlarmed, severity: "error", explanation: "Every secret rotates automatically or has a max-age alarm." },
  { id: "AIR-G040", rule: LogGroupRetention, severity: "error", explanation: "Log groups expire events: agent logs hold customer data." },
  { id: "AIR-G041", rule: LogGroupEncrypted, severity: "error", explanation: "Log groups are encrypted with a customer-managed KMS key." },
  { id: "AIR-G042", rule: LogGroupDataProtection, severity: "error", explanation: "Log groups have a data protection policy that masks credentials." },
  { id: "AIR-G050", rule: OutwardToolsApproved, severity: "error", explanation: "Outward tools whose tier is not `auto` are wired to a human approval gateway." },
  { id: "AIR-G051", rule: ApprovalsOptedOut, severity: "warning", explanation: "An agent opted out of human approvals (with a reason the platform requires) shows in every plan, so the opt-out is a reviewed decision, not an error the compiler and the pack disagree on." },
  // Deploy readiness: limits AWS enforces at create time, from the dated tables in @airlock/core (packages/core/src/aws).
  { id: "AIR-D001", rule: LambdaRuntimeSupported, severity: "error", explanation: "Lambda functions use a runtime not past its block-create date; AWS refuses to create (later, to update) functions on it. Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html" },
  { id: "AIR-D002", rule: LambdaRuntimeKnown, severity: "warning", explanation: "Lambda runtimes Airlock has no dates for, or already deprecated (no security patches), are flagged before they block deploys. Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html" },
  { id: "AIR-D003", rule: TagsValid, severity: "error", explanation: "Tag keys and values fit each service's documented limits (128/256 characters, letters, numbers, spaces and _ . : / = + - @, no aws: prefix, 50 tags). Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html" },
  { id: "AIR-D004", rule: FargateTaskSize, severity: "error", explanation: "Fargate task definitions use a cpu/memory pair Fargate runs; any other pair fails registration. Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html" },
  { id: "AIR-D005", rule: RoleInlinePolicySize, severity: "error", explanation: "A role's inline policies total at most 10,240 characters without white space. Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html" },
  { id: "AIR-D006", rule: ManagedPolicySize, severity: "error", explanation: "A managed policy is at most 6,144 characters without white space. Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html" },
  { id: "AIR-D007", rule: PolicyStatementIds, severity: "error", explanation: "IAM policy statement ids are unique within a policy and hold only A-Z, a-z, 0-9. Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html" },
  { id: "AIR-D008", rule: RoleTrustPolicySize, severity: "warning", explanation: "Role trust policies fit the default 2,048-character quota (adjustable, hence a warning). Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html" },
  { id: "AIR-D009", rule: LogDataProtectionIdentifiers, severity: "error", explanation: "CloudWatch Logs custom data identifiers: at most 10, names of A-Z a-z 0-9 _ -, regexes of at most 200 supported characters (no groups). Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL-custom-data-identifiers.html" },
  { id: "AIR-D010", rule: PhysicalNameFits, severity: "error", explanation: "Physical names (given, prefixed or Pulumi's auto-name: logical name + 8) fit each type's length and character limits. Sources: PHYSICAL_NAME_LIMITS in @airlock/core (AWS API references, pulumi-aws resources.go)." },
  // Deploy readiness across resources: what AWS needs between them (permissions, ordering, routes, names), each rule citing its source.
  { id: "AIR-D011", rule: FunctionUrlPublicPermissions, severity: "error", explanation: "A function URL with auth NONE has, on its function, Permissions for lambda:InvokeFunctionUrl (functionUrlAuthType NONE) and lambda:InvokeFunction (invokedViaFunctionUrl) to principal *, and waits for them; since October 2025 both are needed or every request gets 403. Source: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html" },
  { id: "AIR-D012", rule: SecretRotationAfterInvokePermission, severity: "error", explanation: "A secret rotation waits for the Permission that lets secretsmanager.amazonaws.com invoke its rotation function (when that function is in the stack): rotation starts as soon as it is turned on. Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html" },
  { id: "AIR-D013", rule: NatGatewayAfterInternetGateway, severity: "error", explanation: "A public NAT gateway and its Elastic IP wait for the internet gateway of their VPC, which nothing in their inputs refers to. Sources: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/nat_gateway, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip" },
  { id: "AIR-D014", rule: DnsFirewallResolvesAwsNames, severity: "error", explanation: "Under a fail-closed DNS firewall (a BLOCK of *), every name a Fargate task needs to start (ECR registry and API, the ECR layer bucket with S3's CNAME chain, each VPC endpoint's service) still resolves. Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-settings.html" },
  { id: "AIR-D015", rule: VpcEndpointPolicy, severity: "error", explanation: "Gateway and Interface VPC endpoints have a policy (the default allows any principal full access) of at most 20,480 characters; with ECR endpoints, the S3 gateway endpoint lets tasks read ECR's layer bucket. Sources: https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html, https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html" },
  { id: "AIR-D016", rule: DnsFirewallAssociationMutationProtection, severity: "info", explanation: "A DNS firewall association with mutation protection ENABLED cannot be replaced or deleted by Pulumi until the lock is lifted: a visible, deliberate choice. Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_AssociateFirewallRuleGroup.html" },
  { id: "AIR-D017", rule: EncryptedTopicPublishers, severity: "error", explanation: "An encrypted SNS topic that EventBridge or CloudWatch alarms publish to has a key policy allowing their service principals kms:GenerateDataKey* and kms:Decrypt, and (EventBridge) a topic policy allowing sns:Publish; conditions are not evaluated. Sources: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html" },
  { id: "AIR-D018", rule: PrivateEgressRouted, severity: "error", explanation: "Security group egress to private address space outside the VPC is covered by a route to a transit gateway, peering connection or VPN gateway in the VPC; otherwise it allows traffic that can never arrive. Source: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html" },
  { id: "AIR-D019", rule: BedrockInferenceProfileGrants, severity: "error", explanation: "An identity policy allowing bedrock:InvokeModel* on an inference profile also allows the foundation model in every Region the profile routes to, or routed calls fail AccessDenied. Source: https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html" },
  { id: "AIR-D020", rule: SecurityGroupDescriptions, severity: "error", explanation: "Security group and security group rule descriptions (a group's, each inline ingress/egress entry's, vpc and ec2 rule resources') are at most 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, without & on a rule to a prefix list or a security group; EC2 refuses anything else at create time. Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PrefixListId.html" },
  { id: "AIR-D021", rule: PrivateRouteManagedElsewhere, severity: "warning", explanation: "Security group egress to a private range that relies on a route kept outside the stack (`privateRoutes[].managedElsewhere.reason`, tagged on the VPC) shows in every plan with the reason: nothing in the plan proves the route exists. Source: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html" },
  { id: "AIR-D022", rule: LogGroupKeyPolicy, severity: "error", explanation: "A log group encrypted with a KMS key of the stack has a key policy allowing the key Region's logs.<region>.amazonaws.com kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey* and kms:DescribeKey for the group's ARN (kms:EncryptionContext:aws:logs:arn), and waits for that policy when it is a separate KeyPolicy; otherwise creating the group fails with AccessDeniedException. Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html, https://github.com/hashicorp/terraform-provider-aws/issues/29282" },
];

/** Policy names are the rule id and name, e.g. `air-g001-iam-no-wildcard-actions` (the keys of a policy config). */
export function policyName(entry: PackEntry): string {
  return `${entry.id}-${entry.rule.name}`
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

/** The pack entry of a rule id, or undefined. */
export function packEntry(id: string): PackEntry | undefined {
  return PACK.find((e) => e.id === id);
}
