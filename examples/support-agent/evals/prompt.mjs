// The support agent's conversation as promptfoo sends it to the model: the real system prompt
// (../prompts/system.md, the file the release's promptHash is made from), then the test's turns.
// Each test's `conversation` var holds Anthropic messages, with tool_use / tool_result blocks
// for the turns the agent already took.
import { readFileSync } from "node:fs";

const SYSTEM = readFileSync(new URL("../prompts/system.md", import.meta.url), "utf8");

export default function supportAgentPrompt({ vars }) {
  const conversation = vars.conversation;
  if (!Array.isArray(conversation) || conversation.length === 0) {
    throw new Error("each test needs a `conversation` var: a list of { role, content } messages");
  }
  return JSON.stringify([{ role: "system", content: SYSTEM }, ...conversation]);
}
