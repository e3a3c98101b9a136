/**
 * A warning for Lambda runtimes whose dates Airlock cannot check (not in the dated table) and for
 * runtimes already deprecated (no more security patches) but still creatable.
 */
import { LAMBDA_RUNTIMES } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { functionLabel, runtimeOf, type RuntimeRuleOptions } from "./LambdaRuntimeSupported.ts";
import { LAMBDA_FUNCTION } from "../../types.ts";

const RUNTIMES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html";

export function lambdaRuntimeKnown(options: RuntimeRuleOptions = {}): ResourceRule {
  return {
    kind: "resource",
    name: "LambdaRuntimeKnown",
    resourceTypes: [LAMBDA_FUNCTION],
    check(type: string, props: Props) {
      if (type !== LAMBDA_FUNCTION) return NOT_APPLICABLE;
      const status = runtimeOf(props, options.now);
      if (status === undefined) return NOT_APPLICABLE;
      if (status.phase === "unknown") {
        return verdict([
          `${functionLabel(props)}: \`runtime\` \`${status.runtime}\` is not in Airlock's dated runtime table (${LAMBDA_RUNTIMES.map((r) => r.id).join(", ")}), so its deprecation dates are unchecked; check ${RUNTIMES_PAGE} and add it to LAMBDA_RUNTIMES`,
        ]);
      }
      if (status.phase === "deprecated") {
        const f = status.fact!;
        const fix = status.replacement !== undefined ? `set \`runtime\` to \`${status.replacement}\`` : "move to a supported runtime";
        return verdict([`${functionLabel(props)}: \`runtime\` \`${f.id}\` is deprecated since ${f.deprecation} (no more security patches) and AWS blocks creating functions on it from ${f.blockCreate}; ${fix} (${f.source.url})`]);
      }
      return verdict([]);
    },
  };
}

export const LambdaRuntimeKnown: ResourceRule = lambdaRuntimeKnown();
