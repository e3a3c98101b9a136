/** The platform's tags: on every taggable child, and on the VPC it creates the routes kept elsewhere. */
import { sanitizeTags } from "@airlock/core";
import { MANAGED_BY, TAG_PREFIXES, TAGS } from "@airlock/core/contracts";
import { reasonTagValue, withOptOutTags } from "../tags.ts";
import type { AgentPlatformArgs } from "./args.ts";

/**
 * Tag on the VPC the platform creates, one per `privateRoutes[].managedElsewhere` route:
 * `airlock:route-elsewhere:<cidr>` = `sanitizeTagValue(reason)`. The guardrails read it back
 * (@airlock/guardrails' `ROUTE_ELSEWHERE_TAG_PREFIX`; AIR-D018 then accepts egress to the range,
 * AIR-D021 reports it with the reason), since `pulumi preview --policy-pack` sees only resources.
 * The CIDR is the key as written: tag keys may hold letters, digits, spaces and `_ . : / = + - @`,
 * so `10.20.8.0/24` needs no escaping (AWS Tag Editor guide, "Tag naming limits and requirements":
 * https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html).
 */
export const ROUTE_ELSEWHERE_TAG_PREFIX = TAG_PREFIXES.routeElsewhere;

/**
 * The tags of the VPC the platform creates: the platform's tags, `Name`, and the
 * `ROUTE_ELSEWHERE_TAG_PREFIX` tag of each `managedElsewhere` route. Throws, naming
 * `privateRoutes`, when they would not fit on the VPC (50 tags, AIR-D003).
 */
export function newVpcTags(name: string, args: Pick<AgentPlatformArgs, "privateRoutes" | "tags">): Record<string, string> {
  const tags = platformTags(name, args.tags);
  const elsewhere: Record<string, string> = {};
  (args.privateRoutes ?? []).forEach((r, i) => {
    if (r.managedElsewhere !== undefined) elsewhere[`${ROUTE_ELSEWHERE_TAG_PREFIX}${r.cidr}`] = reasonTagValue(r.managedElsewhere.reason, `privateRoutes[${i}].managedElsewhere.reason`);
  });
  return withOptOutTags("aws:ec2/vpc:Vpc", { ...tags, Name: name }, elsewhere, {
    field: "privateRoutes",
    what: "routes kept elsewhere (`managedElsewhere`: one tag `airlock:route-elsewhere:<cidr>` each)",
    resource: "the VPC",
  });
}

/** The tags of every taggable child: the platform's name, `airlock:managed-by`, then `tags` (sanitized). */
export function platformTags(name: string, extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return sanitizeTags({ [TAGS.platform]: name, [TAGS.managedBy]: MANAGED_BY, ...extra });
}
