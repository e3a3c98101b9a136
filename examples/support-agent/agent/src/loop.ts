/**
 * The Claude API tool-use loop, in one place so it can be swapped: `runToolLoop` of
 * `@airlock/runtime/claude-api`, which offers the model the declared tools with their input
 * schemas from the shipped model, sends every tool use through `AgentRuntime.callTool` and tells
 * the model each refusal as an `is_error` tool result.
 */
export { runToolLoop, type ToolLoopResult, type ToolUseRecord, type MessagesClient } from "@airlock/runtime/claude-api";
