/**
 * `@airlock/core/contracts`: every name that crosses a process or package boundary, in one
 * dependency-free module that writers and readers both import: component tokens, environment
 * variables, `gateway.json`, metric namespaces, names and dimensions, and tag keys. Nothing here
 * imports anything, so a Lambda bundle or the agent runtime takes it without the rest of core.
 * `test/contracts.test.ts` fails when a literal copy of one of these names appears anywhere else.
 *
 * @module @airlock/core/contracts
 */
export * from "./tokens.ts";
export * from "./tags.ts";
export * from "./environment.ts";
export * from "./gateway.ts";
export * from "./metrics.ts";
export * from "./cedar.ts";
