/**
 * An agent whose outward actions run without a person because its platform opted it out of
 * approvals (`approvals.agents.<agent>.disabled: reason`, tagged on its service as
 * `airlock:approvals` = `OFF: <reason>`). The components accept the opt-out, so it is not an error;
 * it is a warning in every plan and preview, with the reason, so a reviewer decides on it.
 */
import { OPT_OUT_PREFIX, TAGS } from "@airlock/core/contracts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";
import { isRecord } from "../../support.ts";
import { ECS_SERVICE } from "../../types.ts";
import { APPROVALS_TAG } from "./OutwardToolsApproved.ts";

/** An opt-out value starts `OFF:` (the reason may be missing: then the message says so). */
const OFF = OPT_OUT_PREFIX.trimEnd();

export const ApprovalsOptedOut: StackRule = {
  kind: "stack",
  name: "ApprovalsOptedOut",
  check({ resources }: StackInput): StackViolation[] {
    const out: StackViolation[] = [];
    for (const r of resources) {
      if (r.type !== ECS_SERVICE || !isRecord(r.props.tags)) continue;
      const v = r.props.tags[APPROVALS_TAG];
      if (typeof v !== "string" || !v.startsWith(OFF)) continue;
      const agent = typeof r.props.tags[TAGS.agent] === "string" ? r.props.tags[TAGS.agent] : r.name;
      out.push({ subject: r.urn, message: `agent \`${agent}\` runs its outward tools without a person: approvals are off (${v.slice(OFF.length).trim() || "no reason given"}); route it through the approval gateway (\`approvals.agents.${agent}.slack\`) before it acts for real` });
    }
    return out;
  },
};
