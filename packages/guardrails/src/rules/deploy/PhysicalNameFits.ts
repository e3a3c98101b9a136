/**
 * Every resource's physical name (its name input, `namePrefix` plus Terraform's 26 characters, or
 * Pulumi's auto-name: logical name, `-` and 7 random characters) fits the type's length limit and
 * character set (`PHYSICAL_NAME_LIMITS` in `@airlock/core`). Needs the logical name, so it is a
 * stack rule.
 */
import { checkPhysicalName } from "@airlock/core";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";
import { short } from "./TagsValid.ts";

export const PhysicalNameFits: StackRule = {
  kind: "stack",
  name: "PhysicalNameFits",
  check({ resources }: StackInput): StackViolation[] {
    return resources.flatMap((r) => checkPhysicalName(r.type, r.name, r.props).map((m) => ({ subject: r.urn, message: `${short(r.type)} \`${r.name}\`: ${m}` })));
  },
};
