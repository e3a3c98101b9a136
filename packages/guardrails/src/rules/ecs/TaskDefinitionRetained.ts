/**
 * Task definitions are retained when replaced (`skipDestroy: true`), so `airlock rollback` can
 * return to the previous revision and an incident can be traced to what ran.
 */
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";

export const TaskDefinitionRetained: ResourceRule = {
  kind: "resource",
  name: "TaskDefinitionRetained",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    if (type !== TASK_DEFINITION) return NOT_APPLICABLE;
    return verdict(
      props.skipDestroy === true
        ? []
        : ["old revisions are deregistered on replacement; set `skipDestroy: true` so rollback and incident review can use them"],
    );
  },
};
