/**
 * A Lambda function URL with `authorizationType: NONE` is public only if its function's resource
 * policy lets everyone call it: since October 2025 that takes two `aws.lambda.Permission`s on the
 * same function (unqualified, or the URL's qualifier), `lambda:InvokeFunctionUrl` with
 * `functionUrlAuthType: NONE` and `lambda:InvokeFunction` with `invokedViaFunctionUrl: true`, both
 * for principal `*` (`PUBLIC_FUNCTION_URL_PERMISSIONS` in `@airlock/core`). Without them every
 * request is refused with 403. The URL also waits for both (dependsOn, directly or through other
 * resources), so it never goes live before its function accepts the calls. Functions are matched
 * by name or ARN as the plan and the engine show them, or, when the reference is unknown at plan
 * time, by the one function the resource depends on.
 */
import { PUBLIC_FUNCTION_URL_PERMISSIONS, type FunctionUrlPermissionSpec } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { dependencyClosure, globMatches, knownString, lambdaFunctionRef, ofType, referent, resourceLabel } from "../../support.ts";
import { LAMBDA_FUNCTION as LAMBDA_FUNCTION_TYPE, LAMBDA_FUNCTION_URL as FUNCTION_URL, LAMBDA_PERMISSION } from "../../types.ts";

/** The function (and qualifier) a resource's reference names: the function's URN when it is in the stack, else its name. */
export interface LambdaTarget {
  readonly key: string;
  /** The function's name for messages. */
  readonly label: string;
  readonly qualifier?: string;
}

/** What `props[field]` (qualified by `props[qualifierField]` or the ARN) of `r` points at, or undefined when it cannot be told. */
export function lambdaTarget(r: StackResource, field: string, qualifierField: string | undefined, functions: readonly StackResource[]): LambdaTarget | undefined {
  const raw = knownString(r.props[field]);
  const given = qualifierField !== undefined ? knownString(r.props[qualifierField]) : undefined;
  const fn = referent(r.props[field], functions, r);
  if (raw === undefined) {
    if (fn === undefined) return undefined;
    return { key: fn.urn, label: knownString(fn.props.name) ?? fn.name, ...(given !== undefined ? { qualifier: given } : {}) };
  }
  const ref = lambdaFunctionRef(raw);
  const qualifier = given ?? ref.qualifier;
  return { key: fn?.urn ?? `name:${ref.name}`, label: ref.name, ...(qualifier !== undefined ? { qualifier } : {}) };
}

export function sameTarget(a: LambdaTarget, b: LambdaTarget): boolean {
  return (a.key === b.key || a.label === b.label) && a.qualifier === b.qualifier;
}

function grants(p: StackResource, spec: FunctionUrlPermissionSpec): { action: boolean; principal: boolean; condition: boolean } {
  const action = knownString(p.props.action);
  const condition = p.props[spec.input];
  return {
    action: action !== undefined && globMatches(action, spec.action, true),
    principal: p.props.principal === spec.principal,
    condition: condition === spec.value || (spec.value === true && condition === "true"),
  };
}

const inputText = (spec: FunctionUrlPermissionSpec) => `\`${spec.input}: ${JSON.stringify(spec.value)}\``;

export const FunctionUrlPublicPermissions: StackRule = {
  kind: "stack",
  name: "FunctionUrlPublicPermissions",
  check({ resources }: StackInput): StackViolation[] {
    const functions = ofType(resources, LAMBDA_FUNCTION_TYPE);
    const permissions = ofType(resources, LAMBDA_PERMISSION);
    const waitsFor = dependencyClosure(resources);
    const out: StackViolation[] = [];
    for (const url of ofType(resources, FUNCTION_URL)) {
      if (url.props.authorizationType !== "NONE") continue;
      const target = lambdaTarget(url, "functionName", "qualifier", functions);
      if (target === undefined) continue;
      const onFunction = permissions.filter((p) => {
        const t = lambdaTarget(p, "function", "qualifier", functions);
        return t !== undefined && sameTarget(t, target);
      });
      const fn = `function \`${target.label}\`${target.qualifier !== undefined ? ` (qualifier \`${target.qualifier}\`)` : ""}`;
      for (const spec of PUBLIC_FUNCTION_URL_PERMISSIONS) {
        const matching = onFunction.filter((p) => Object.values(grants(p, spec)).every(Boolean));
        if (matching.length === 0) {
          const near = onFunction.find((p) => grants(p, spec).action && grants(p, spec).principal);
          const nearText = near !== undefined ? ` (Permission \`${near.name}\` allows it without ${inputText(spec)})` : "";
          out.push({
            subject: url.urn,
            message: `${resourceLabel(url)}: \`authorizationType\` is NONE, but no Permission on ${fn} allows \`${spec.action}\` to principal \`*\` with ${inputText(spec)}${nearText}; since October 2025 a public function URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction, so every request is refused with 403; add an aws.lambda.Permission with \`action: "${spec.action}"\`, \`principal: "*"\` and ${inputText(spec)}, and list it in the URL's \`dependsOn\` (${spec.source.url})`,
          });
          continue;
        }
        if (!matching.some((p) => waitsFor(url, p))) {
          out.push({
            subject: url.urn,
            message: `${resourceLabel(url)}: does not wait for Permission \`${matching[0]!.name}\` (\`${spec.action}\` on ${fn}), so the URL can go live before its function accepts public calls and refuse them with 403 until it does; add the Permission to the URL's \`dependsOn\` (${spec.source.url})`,
          });
        }
      }
    }
    return out;
  },
};
