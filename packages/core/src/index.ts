/**
 * `@airlock/core`: Airlock's pure core, with no cloud calls and no Pulumi. The agent manifest
 * (`loadManifest`, `compile` to the least-privilege `AgentModel`), the permission map
 * (`renderPermissionMap`) and its diff (`diffPlans`), the secret scanner (`scanText`), the release
 * and eval-report checks, the runbook, and the dated AWS facts the guardrails check plans against.
 * The zod schemas of `agent.yaml` are the subpath `@airlock/core/manifest-schema`; the names that
 * cross a process or package boundary (tokens, environment variables, metrics, tags) are
 * `@airlock/core/contracts`.
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
export * from "./manifest/vocabulary.ts";
export * from "./manifest/arguments.ts";
export * from "./manifest/json-schema.ts";
export * from "./compile/compile.ts";
export * from "./manifest/load.ts";
export * from "./compile/model.ts";
export * from "./hash.ts";
export * from "./network/net.ts";
export * from "./network/address-set.ts";
export * from "./network/dns-firewall.ts";
export * from "./network/endpoints.ts";
export * from "./iam/dataset.ts";
export * from "./scan/secret-patterns.ts";
export * from "./plan/permission-map.ts";
export * from "./compile/release.ts";
export * from "./compile/placement.ts";
export * from "./aws/partitions.ts";
export * from "./aws/credentials-env.ts";
export * from "./plan/plan.ts";
export * from "./plan/alarms.ts";
export * from "./iam/required-wildcards.ts";
export * from "./scan/scan.ts";
export * from "./evals/index.ts";
export * from "./plan/diff.ts";
export * from "./plan/runbook.ts";
export * from "./aws/index.ts";
export * from "./aws/bedrock.ts";
export * from "./aws/ecs-run-task.ts";
