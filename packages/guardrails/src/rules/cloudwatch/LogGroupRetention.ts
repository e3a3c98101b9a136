/** Log groups expire their events (`retentionInDays` set, not 0 = forever): agent traces hold customer data. */
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { CLOUDWATCH_LOG_GROUP as LOG_GROUP } from "../../types.ts";

export const LogGroupRetention: ResourceRule = {
  kind: "resource",
  name: "LogGroupRetention",
  resourceTypes: [LOG_GROUP],
  check(type: string, props: Props) {
    if (type !== LOG_GROUP) return NOT_APPLICABLE;
    const days = props.retentionInDays;
    return verdict(
      typeof days === "number" && days > 0
        ? []
        : ["keeps events forever; set `retentionInDays` (e.g. 30) so traces with customer data expire"],
    );
  },
};
