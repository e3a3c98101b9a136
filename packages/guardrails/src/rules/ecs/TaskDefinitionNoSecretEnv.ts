/**
 * No credential in a task definition's plain `environment`: it is readable by anyone who can
 * describe the task definition and is kept in every revision. Credentials go in `secrets`.
 */
import { containerDefinitions, containerName, isRecord, secretLiteralProblem, TASK_DEFINITION } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

export const TaskDefinitionNoSecretEnv: ResourceRule = {
  kind: "resource",
  name: "TaskDefinitionNoSecretEnv",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    const containers = type === TASK_DEFINITION ? containerDefinitions(props) : undefined;
    if (containers === undefined) return NOT_APPLICABLE;
    const problems: string[] = [];
    containers.forEach((c, i) => {
      const env = Array.isArray(c.environment) ? c.environment.filter(isRecord) : [];
      for (const e of env) {
        const why = secretLiteralProblem(String(e.name ?? ""), e.value);
        if (why !== undefined) problems.push(`container \`${containerName(c, i)}\` environment ${why}; pass it through \`secrets\` (Secrets Manager) instead`);
      }
    });
    return verdict(problems);
  },
};
