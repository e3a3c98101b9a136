/**
 * A Lambda function's runtime is not past its block-create date: AWS refuses to create a function
 * on such a runtime (and, past the block-update date, to change one). Dates from the Lambda
 * runtimes table in `@airlock/core` (`LAMBDA_RUNTIMES`), evaluated on `now` (default: today).
 */
import { lambdaRuntimeStatus, type LambdaRuntimeStatus } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { LAMBDA_FUNCTION } from "../../types.ts";

export interface RuntimeRuleOptions {
  /** The evaluation date. @default - the current date */
  readonly now?: Date | string;
}

/** How the function is named in messages: its `name` input when known. */
export function functionLabel(props: Props): string {
  return typeof props.name === "string" && props.name !== "" && props.name !== "[secret]" ? `Lambda function \`${props.name}\`` : "Lambda function";
}

/** The runtime status of a function's props, or undefined when it has no plain runtime (image functions, unknowns). */
export function runtimeOf(props: Props, now: Date | string | undefined): LambdaRuntimeStatus | undefined {
  const runtime = props.runtime;
  if (typeof runtime !== "string" || runtime === "" || runtime === "[secret]") return undefined;
  return lambdaRuntimeStatus(runtime, now ?? new Date());
}

export function lambdaRuntimeSupported(options: RuntimeRuleOptions = {}): ResourceRule {
  return {
    kind: "resource",
    name: "LambdaRuntimeSupported",
    resourceTypes: [LAMBDA_FUNCTION],
    check(type: string, props: Props) {
      if (type !== LAMBDA_FUNCTION) return NOT_APPLICABLE;
      const status = runtimeOf(props, options.now);
      if (status === undefined) return NOT_APPLICABLE;
      if (status.fact === undefined || (status.phase !== "create-blocked" && status.phase !== "update-blocked")) return verdict([]);
      const f = status.fact;
      const refused = status.phase === "update-blocked" ? "AWS refuses to create or update it" : "AWS refuses to create it";
      const fix = status.replacement !== undefined ? `set \`runtime\` to \`${status.replacement}\`` : "move to a supported runtime";
      return verdict([
        `${functionLabel(props)}: \`runtime\` \`${f.id}\` was deprecated on ${f.deprecation}; AWS blocks creating functions on it from ${f.blockCreate} and updating them from ${f.blockUpdate}, so ${refused}; ${fix} (${f.source.url})`,
      ]);
    },
  };
}

/** The rule evaluated on the current date (the pack's instance). */
export const LambdaRuntimeSupported: ResourceRule = lambdaRuntimeSupported();
