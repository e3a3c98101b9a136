/**
 * The Claude API tool-use loop, in one place so it can be swapped: `runToolLoop` of
 * @airlock/runtime's Claude API integration (packages/runtime/src/integrations/claude-api.ts),
 * which offers the model the declared tools with their input schemas from the shipped model,
 * sends every tool use through `AgentRuntime.callTool` and tells the model each refusal as an
 * `is_error` tool result. It is not yet a subpath export of the package
 * (`@airlock/runtime/claude-api`); until it is, it is imported from the workspace's source, which
 * the image's bundle compiles in the same way.
 */
export { runToolLoop, type ToolLoopResult, type ToolUseRecord, type MessagesClient } from "../../../../packages/runtime/src/integrations/claude-api.ts";
