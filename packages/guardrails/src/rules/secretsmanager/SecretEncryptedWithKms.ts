/** Secrets are encrypted with a customer-managed KMS key (`kmsKeyId`), so key policy and CloudTrail govern every read. */
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { SECRETSMANAGER_SECRET as SECRET } from "../../types.ts";

export const SecretEncryptedWithKms: ResourceRule = {
  kind: "resource",
  name: "SecretEncryptedWithKms",
  resourceTypes: [SECRET],
  check(type: string, props: Props) {
    if (type !== SECRET) return NOT_APPLICABLE;
    const key = props.kmsKeyId;
    return verdict(
      typeof key === "string" && key.trim() !== ""
        ? []
        : ["has no `kmsKeyId`, so it uses the AWS-managed key; set `kmsKeyId` to a customer-managed key"],
    );
  },
};
