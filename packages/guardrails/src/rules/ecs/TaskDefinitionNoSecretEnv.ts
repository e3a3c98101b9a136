/**
 * No credential in a task definition's plain `environment`: it is readable by anyone who can
 * describe the task definition and is kept in every revision. Credentials go in `secrets`.
 */
import { checkContainers, isRecord, secretLiteralProblem } from "../../support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";
import type { Props, ResourceRule } from "../../rule.ts";

export const TaskDefinitionNoSecretEnv: ResourceRule = {
  kind: "resource",
  name: "TaskDefinitionNoSecretEnv",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    return checkContainers(type, props, (c, name) => {
      const env = Array.isArray(c.environment) ? c.environment.filter(isRecord) : [];
      return env.flatMap((e) => {
        const why = secretLiteralProblem(String(e.name ?? ""), e.value);
        return why === undefined ? [] : [`container \`${name}\` environment ${why}; pass it through \`secrets\` (Secrets Manager) instead`];
      });
    });
  },
};
