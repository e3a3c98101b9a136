/** Containers drop every Linux capability (`linuxParameters.capabilities.drop: ["ALL"]`) and add none back. */
import { checkContainers, isRecord, stringList } from "../../support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";
import type { Props, ResourceRule } from "../../rule.ts";

export const ContainerDropAllCapabilities: ResourceRule = {
  kind: "resource",
  name: "ContainerDropAllCapabilities",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    return checkContainers(type, props, (c, name) => {
      const problems: string[] = [];
      const caps = isRecord(c.linuxParameters) && isRecord(c.linuxParameters.capabilities) ? c.linuxParameters.capabilities : {};
      if (!stringList(caps.drop).some((d) => d.toUpperCase() === "ALL")) {
        problems.push(`container \`${name}\` keeps the default Linux capabilities; set \`linuxParameters.capabilities.drop: ["ALL"]\``);
      }
      const added = stringList(caps.add);
      if (added.length > 0) problems.push(`container \`${name}\` adds capabilities ${added.join(", ")}; remove \`linuxParameters.capabilities.add\``);
      return problems;
    });
  },
};
