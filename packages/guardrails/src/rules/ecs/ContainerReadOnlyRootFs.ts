/** Containers run with a read-only root file system; whatever they write goes to a declared volume. */
import { checkContainers } from "../../support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";
import type { Props, ResourceRule } from "../../rule.ts";

export const ContainerReadOnlyRootFs: ResourceRule = {
  kind: "resource",
  name: "ContainerReadOnlyRootFs",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    return checkContainers(type, props, (c, name) =>
      c.readonlyRootFilesystem === true
        ? []
        : [`container \`${name}\` has a writable root file system; set \`readonlyRootFilesystem: true\` and mount a volume for the paths it writes`]);
  },
};
