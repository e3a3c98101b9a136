/** ECS services get no public IP: agents reach the internet only through NAT and the egress allowlist. */
import { isRecord } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { ECS_SERVICE as SERVICE } from "../../types.ts";

export const ServiceNoPublicIp: ResourceRule = {
  kind: "resource",
  name: "ServiceNoPublicIp",
  resourceTypes: [SERVICE],
  check(type: string, props: Props) {
    if (type !== SERVICE) return NOT_APPLICABLE;
    const net = isRecord(props.networkConfiguration) ? props.networkConfiguration : {};
    return verdict(
      net.assignPublicIp === true
        ? ["`networkConfiguration.assignPublicIp` is true; run the service in private subnets with `assignPublicIp: false`"]
        : [],
    );
  },
};
