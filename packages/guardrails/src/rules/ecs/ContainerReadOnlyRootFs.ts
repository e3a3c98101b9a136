/** Containers run with a read-only root file system; whatever they write goes to a declared volume. */
import { containerDefinitions, containerName, TASK_DEFINITION } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

export const ContainerReadOnlyRootFs: ResourceRule = {
  kind: "resource",
  name: "ContainerReadOnlyRootFs",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    const containers = type === TASK_DEFINITION ? containerDefinitions(props) : undefined;
    if (containers === undefined) return NOT_APPLICABLE;
    return verdict(
      containers
        .map((c, i) => [c, i] as const)
        .filter(([c]) => c.readonlyRootFilesystem !== true)
        .map(([c, i]) => `container \`${containerName(c, i)}\` has a writable root file system; set \`readonlyRootFilesystem: true\` and mount a volume for the paths it writes`),
    );
  },
};
