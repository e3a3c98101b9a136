/**
 * `@airlock/core`: Airlock's pure core, with no cloud calls and no Pulumi. The agent manifest
 * (`loadManifest`, `compile` to the least-privilege `AgentModel`), the permission map
 * (`renderPermissionMap`) and its diff (`diffPlans`), the secret scanner (`scanText`), the release
 * and eval-report checks, the runbook, and the dated AWS facts the guardrails check plans against.
 * The zod schemas of `agent.yaml` are the subpath `@airlock/core/manifest-schema`.
 *
 * @example
 * ```ts
 * import { loadManifest, renderPermissionMap } from "@airlock/core";
 *
 * const model = await loadManifest("agent.yaml"); // throws ManifestError listing every problem
 * ```
 *
 * @module @airlock/core
 */
export * from "./errors.ts";
export * from "./vocabulary.ts";
export * from "./json-schema.ts";
export * from "./compile.ts";
export * from "./load.ts";
export * from "./model.ts";
export * from "./hash.ts";
export * from "./net.ts";
export * from "./dns-firewall.ts";
export * from "./endpoints.ts";
export * from "./iam.ts";
export * from "./secret-patterns.ts";
export * from "./permission-map.ts";
export * from "./release.ts";
export * from "./plan.ts";
export * from "./required-wildcards.ts";
export * from "./scan.ts";
export * from "./evals/index.ts";
export * from "./diff.ts";
export * from "./runbook.ts";
export * from "./aws/index.ts";
export * from "./aws/bedrock.ts";
