/** No AWS-managed administrator, power-user or `*FullAccess` policy attached to a role, user or group. */
import { stringList } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

const BROAD = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]*FullAccess[A-Za-z0-9_]*)$/;
const ATTACHMENTS = [
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/policyAttachment:PolicyAttachment",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
];

export const IamNoAdminManagedPolicies: ResourceRule = {
  kind: "resource",
  name: "IamNoAdminManagedPolicies",
  resourceTypes: ["aws:iam/role:Role", ...ATTACHMENTS],
  check(type: string, props: Props) {
    const field = type === "aws:iam/role:Role" ? "managedPolicyArns" : ATTACHMENTS.includes(type) ? "policyArn" : undefined;
    if (field === undefined || props[field] === undefined) return NOT_APPLICABLE;
    return verdict(
      stringList(props[field])
        .filter((a) => BROAD.test(a))
        .map((a) => `\`${field}\` attaches the AWS managed policy ${a.split("/").pop()}; grant exact actions on exact resources instead`),
    );
  },
};
