/**
 * `@airlock/runtime`: what runs inside the agent. `createToolGuard` loads the release's compiled
 * model (checked against the task's `AIRLOCK_MODEL_HASH`) and decides every tool call the model
 * asks for: undeclared tools, arguments that miss the tool's input schema and calls the argument
 * policy forbids are refused as tool results; `createCheckpoint` asks a person through the agent's
 * own alias of the approval gateway and turns an approval into a single-use receipt for the exact
 * arguments; `createAgentRuntime` puts both together, traced with `@airlock/trace`.
 *
 * @module @airlock/runtime
 */
export * from "./errors.ts";
export * from "./model.ts";
export * from "./tool-result.ts";
export * from "./policy.ts";
export * from "./cedar.ts";
export * from "./schema.ts";
export * from "./guard.ts";
export * from "./gateway-client.ts";
export * from "./checkpoint.ts";
export * from "./runtime.ts";
export * from "./sandbox-frame.ts";
export * from "./sandbox-logs.ts";
export * from "./sandbox-entry.ts";
export * from "./sandbox-runner.ts";
