/** No container runs privileged (full access to the host's devices). */
import { checkContainers } from "../../support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";
import type { Props, ResourceRule } from "../../rule.ts";

export const ContainerNotPrivileged: ResourceRule = {
  kind: "resource",
  name: "ContainerNotPrivileged",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    return checkContainers(type, props, (c, name) => (c.privileged === true ? [`container \`${name}\` is privileged; remove \`privileged: true\``] : []));
  },
};
