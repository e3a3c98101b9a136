/**
 * An `aws.secretsmanager.SecretRotation` whose `rotationLambdaArn` names a function in the stack
 * waits (dependsOn, directly or through other resources) for an `aws.lambda.Permission` that lets
 * `secretsmanager.amazonaws.com` invoke that function (same qualifier). Secrets Manager rotates
 * the secret as soon as rotation is turned on (or runs the function's testSecret step) and calls
 * the function through its resource policy, so a rotation configured before the permission exists
 * fails (`SECRET_ROTATION_FACTS` in `@airlock/core`). A rotation function from outside the stack
 * (a team's own Lambda) is not applicable: its permission is not this program's to order.
 */
import { ROTATION_INVOKER, SECRET_ROTATION_FACTS } from "@airlock/core";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";
import { dependencyClosure, globMatches, knownString, ofType, referent, resourceLabel } from "../../support.ts";
import { lambdaTarget, sameTarget } from "./FunctionUrlPublicPermissions.ts";
import { LAMBDA_FUNCTION as LAMBDA_FUNCTION_TYPE, LAMBDA_PERMISSION, SECRETSMANAGER_SECRET_ROTATION as ROTATION } from "../../types.ts";

export const SecretRotationAfterInvokePermission: StackRule = {
  kind: "stack",
  name: "SecretRotationAfterInvokePermission",
  check({ resources }: StackInput): StackViolation[] {
    const functions = ofType(resources, LAMBDA_FUNCTION_TYPE);
    const permissions = ofType(resources, LAMBDA_PERMISSION);
    const waitsFor = dependencyClosure(resources);
    const out: StackViolation[] = [];
    for (const rotation of ofType(resources, ROTATION)) {
      if (referent(rotation.props.rotationLambdaArn, functions, rotation) === undefined) continue;
      const target = lambdaTarget(rotation, "rotationLambdaArn", undefined, functions);
      if (target === undefined) continue;
      const allowing = permissions.filter((p) => {
        const t = lambdaTarget(p, "function", "qualifier", functions);
        const action = knownString(p.props.action);
        return t !== undefined && sameTarget(t, target) && p.props.principal === ROTATION_INVOKER && action !== undefined && globMatches(action, "lambda:InvokeFunction", true);
      });
      const fn = `\`${target.label}\`${target.qualifier !== undefined ? ` (qualifier \`${target.qualifier}\`)` : ""}`;
      if (allowing.length === 0) {
        out.push({
          subject: rotation.urn,
          message: `${resourceLabel(rotation)}: no Permission lets \`${ROTATION_INVOKER}\` invoke its rotation function ${fn}; Secrets Manager rotates the secret as soon as rotation is turned on and calls the function through its resource policy, so the rotation fails; add an aws.lambda.Permission with \`action: "lambda:InvokeFunction"\`, \`principal: "${ROTATION_INVOKER}"\` (and \`sourceAccount\`) on the function, and list it in the rotation's \`dependsOn\` (${SECRET_ROTATION_FACTS.functionResourcePolicy.url})`,
        });
      } else if (!allowing.some((p) => waitsFor(rotation, p))) {
        out.push({
          subject: rotation.urn,
          message: `${resourceLabel(rotation)}: does not wait for Permission \`${allowing[0]!.name}\`, which lets \`${ROTATION_INVOKER}\` invoke ${fn}; Secrets Manager rotates the secret as soon as rotation is turned on, so a rotation configured before the permission exists fails; add the Permission to the rotation's \`dependsOn\` (${SECRET_ROTATION_FACTS.rotatesImmediately.url})`,
        });
      }
    }
    return out;
  },
};
