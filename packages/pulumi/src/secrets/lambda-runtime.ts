/**
 * The one Lambda runtime of every function Airlock deploys (secret rotation, secret age monitor,
 * approval gateway), and the esbuild target for code bundled for it.
 *
 * Node.js 24 is the newest Node.js runtime Lambda offers and the one with the longest support:
 * "Node.js 24 | nodejs24.x | Amazon Linux 2023 | Apr 30, 2028 | Jun 1, 2028 | Jul 1, 2028"
 * (deprecation, block function create, block function update;
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html). Node.js 20, used before, is past
 * its block-create date (Aug 31, 2026), so no new stack could create its functions.
 *
 * What the code relies on, all true of nodejs24.x: ES modules (`index.mjs`, `export const
 * handler`), async handlers only (Node.js 24 dropped callback handlers), and the AWS SDK for
 * JavaScript v3 that the runtime includes (`@aws-sdk/client-secrets-manager`, `@aws-sdk/client-ecs`).
 * The guardrail LambdaRuntimeSupported (`airlock plan`, the policy pack) fails a plan whose function
 * runtime is past its block-create date, so this constant is checked against the same dated table.
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** esbuild's `target` for the runtime's Node.js version (`node24`). */
export const LAMBDA_NODE_TARGET = `node${/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)![1]}`;
