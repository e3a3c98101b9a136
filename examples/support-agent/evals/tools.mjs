// The support agent's tools exactly as the agent offers them to the model: the compiled model's
// declared tools (name, description, input JSON Schema) through `claudeTools` of
// @airlock/runtime/claude-api, the function the agent's own tool loop calls (../agent/src/loop.ts).
// No copy to keep in step: a tool added to ../agent.yaml is in the next eval run.
//
// promptfoo loads it as `tools: file://tools.mjs:agentTools` (tool definitions from a JavaScript
// function: promptfoo/promptfoo#6272). It runs under plain Node, so the libraries are their built
// packages (`npm run build` first, as the evals job does).
import { fileURLToPath } from "node:url";
import { loadManifest } from "@airlock/core";
import { claudeTools } from "@airlock/runtime/claude-api";

export const MANIFEST = fileURLToPath(new URL("../agent.yaml", import.meta.url));

// The tools the agent's service loop calls itself and never offers the model (LOOP_TOOLS in
// ../agent/src/tools/index.ts; test/example-agent-main.test.ts checks the two lists agree).
export const LOOP_TOOLS = ["ticket_queue"];

export async function agentTools() {
  const model = await loadManifest(MANIFEST);
  return claudeTools(model.tools.filter((t) => !LOOP_TOOLS.includes(t.name)));
}

export default agentTools;
