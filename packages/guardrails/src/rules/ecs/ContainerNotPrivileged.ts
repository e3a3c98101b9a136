/** No container runs privileged (full access to the host's devices). */
import { containerDefinitions, containerName, TASK_DEFINITION } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

export const ContainerNotPrivileged: ResourceRule = {
  kind: "resource",
  name: "ContainerNotPrivileged",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    const containers = type === TASK_DEFINITION ? containerDefinitions(props) : undefined;
    if (containers === undefined) return NOT_APPLICABLE;
    return verdict(
      containers
        .map((c, i) => [c, i] as const)
        .filter(([c]) => c.privileged === true)
        .map(([c, i]) => `container \`${containerName(c, i)}\` is privileged; remove \`privileged: true\``),
    );
  },
};
