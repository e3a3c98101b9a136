/** No credential in a Lambda function's `environment.variables`; read it from Secrets Manager at run time. */
import { isRecord, secretLiteralProblem } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { LAMBDA_FUNCTION as FUNCTION } from "../../types.ts";

export const LambdaNoSecretEnv: ResourceRule = {
  kind: "resource",
  name: "LambdaNoSecretEnv",
  resourceTypes: [FUNCTION],
  check(type: string, props: Props) {
    if (type !== FUNCTION) return NOT_APPLICABLE;
    const vars = isRecord(props.environment) && isRecord(props.environment.variables) ? props.environment.variables : undefined;
    if (vars === undefined) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const [name, value] of Object.entries(vars)) {
      const why = secretLiteralProblem(name, value);
      if (why !== undefined) problems.push(`environment variable ${why}; store it in Secrets Manager and pass the secret's ARN instead`);
    }
    return verdict(problems);
  },
};
