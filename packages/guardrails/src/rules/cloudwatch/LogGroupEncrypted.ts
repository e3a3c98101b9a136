/** Log groups are encrypted with a customer-managed KMS key (`kmsKeyId`). */
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { CLOUDWATCH_LOG_GROUP as LOG_GROUP } from "../../types.ts";

export const LogGroupEncrypted: ResourceRule = {
  kind: "resource",
  name: "LogGroupEncrypted",
  resourceTypes: [LOG_GROUP],
  check(type: string, props: Props) {
    if (type !== LOG_GROUP) return NOT_APPLICABLE;
    const key = props.kmsKeyId;
    return verdict(typeof key === "string" && key.trim() !== "" ? [] : ["is not encrypted with a customer-managed key; set `kmsKeyId`"]);
  },
};
