/**
 * Public Lambda function URLs (`AuthType: NONE`): since October 2025 a new function URL needs two
 * statements in the function's resource policy, `lambda:InvokeFunctionUrl` (limited to URLs whose
 * auth type is NONE) and `lambda:InvokeFunction` (limited to calls that come through a function
 * URL), both for principal `*` (the caller is anonymous). A permission applies to the function, or
 * to the one version or alias its qualifier names.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export const FUNCTION_URLS_AUTH_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";

export const FUNCTION_URL_FACTS = {
  bothPermissions: {
    url: FUNCTION_URLS_AUTH_PAGE,
    quote: "Starting in October 2025, new function URLs will require both lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions.",
    checked: FACTS_CHECKED,
  },
  publicAccess: {
    url: FUNCTION_URLS_AUTH_PAGE,
    quote:
      "NONE – Lambda doesn't perform any authentication before invoking your function. However, your function's resource-based policy is always in effect and must grant public access before your function URL can receive requests. Choose this option to allow public, unauthenticated access to your function URL.",
    checked: FACTS_CHECKED,
  },
  qualifier: {
    url: "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html",
    quote:
      "You can apply the policy at the function level, or specify a qualifier to restrict access to a single version or alias. If you use a qualifier, the invoker must use the full Amazon Resource Name (ARN) of that version or alias to invoke the function. … If your function has a function URL, you can specify the FunctionUrlAuthType parameter. This adds a condition to your permission that only applies when your function URL's AuthType matches the specified FunctionUrlAuthType.",
    checked: FACTS_CHECKED,
  },
  /**
   * The `InvokedViaFunctionUrl` parameter of AddPermission (`invokedViaFunctionUrl` in
   * @pulumi/aws v7): read in a mirror of AWS's API model changes, not on the AddPermission
   * reference page itself.
   */
  invokedViaFunctionUrl: {
    url: "https://awsapichanges.com/archive/changes/c2ea08-lambda.html",
    quote: "2025/10/10 - AWS Lambda - 1 updated api methods … Add InvokedViaFunctionUrl context key to limit invocations to only FURL invokes. … AddPermission (updated) … {'InvokedViaFunctionUrl': 'boolean'}",
    checked: FACTS_CHECKED,
    verified: false,
  },
} as const satisfies Record<string, FactSource>;

/** One resource-policy statement a public function URL needs, as `aws.lambda.Permission` inputs. */
export interface FunctionUrlPermissionSpec {
  readonly action: "lambda:InvokeFunctionUrl" | "lambda:InvokeFunction";
  readonly principal: "*";
  /** The input that limits the statement to function URL calls, and the value it must have. */
  readonly input: "functionUrlAuthType" | "invokedViaFunctionUrl";
  readonly value: "NONE" | true;
  readonly source: FactSource;
}

/** What a function URL with `authorizationType: NONE` needs on its function (or qualifier). */
export const PUBLIC_FUNCTION_URL_PERMISSIONS: readonly FunctionUrlPermissionSpec[] = [
  { action: "lambda:InvokeFunctionUrl", principal: "*", input: "functionUrlAuthType", value: "NONE", source: FUNCTION_URL_FACTS.bothPermissions },
  { action: "lambda:InvokeFunction", principal: "*", input: "invokedViaFunctionUrl", value: true, source: FUNCTION_URL_FACTS.bothPermissions },
];
