/**
 * The model's side of a scenario, in the Claude Messages API's own shapes: each scripted turn
 * reads the request the agent sent (`POST /v1/messages`: its messages, with the tool results of
 * the turn before) and answers an assistant message, tool uses or the final text. A turn may
 * depend on what the agent told the model (a refused call's result), as a real model's would.
 */

/** A content block of a Messages API message (the ones these scenarios use). */
export type Block =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly input: Record<string, unknown> }
  | { readonly type: "tool_result"; readonly tool_use_id: string; readonly content?: unknown; readonly is_error?: boolean };

export interface MessagesRequest {
  readonly model: string;
  readonly max_tokens?: number;
  readonly system?: unknown;
  readonly tools?: readonly { readonly name: string; readonly description?: string; readonly input_schema?: unknown }[];
  readonly messages: readonly { readonly role: "user" | "assistant"; readonly content: string | readonly Block[] }[];
}

/** What a scripted turn answers: the assistant's content and why it stopped. */
export interface AssistantTurn {
  readonly content: readonly Block[];
  readonly stop_reason: "tool_use" | "end_turn";
}

/** One scripted turn: the request the agent sent in, the assistant's message out. */
export type ScriptedTurn = (request: MessagesRequest) => AssistantTurn;

let ids = 0;

/** A turn that asks for one tool. */
export function useTool(name: string, input: Record<string, unknown>, thinking?: string): ScriptedTurn {
  return () => ({
    content: [...(thinking === undefined ? [] : [{ type: "text" as const, text: thinking }]), { type: "tool_use", id: `toolu_e2e_${String(++ids).padStart(4, "0")}`, name, input }],
    stop_reason: "tool_use",
  });
}

/** The final answer (`end_turn`); `text` may read the request (what the tools answered). */
export function answer(text: string | ((request: MessagesRequest) => string)): ScriptedTurn {
  return (request) => ({ content: [{ type: "text", text: typeof text === "string" ? text : text(request) }], stop_reason: "end_turn" });
}

/** The tool results in the request's last user message. */
export function toolResults(request: MessagesRequest): { readonly toolUseId: string; readonly text: string; readonly isError: boolean }[] {
  const last = request.messages.at(-1);
  if (last === undefined || last.role !== "user" || typeof last.content === "string") return [];
  return last.content
    .filter((b): b is Extract<Block, { type: "tool_result" }> => b.type === "tool_result")
    .map((b) => ({ toolUseId: b.tool_use_id, text: resultText(b.content), isError: b.is_error === true }));
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c === "object" && c !== null && typeof (c as { text?: unknown }).text === "string" ? (c as { text: string }).text : JSON.stringify(c))).join("\n");
  return content === undefined ? "" : JSON.stringify(content);
}

/** The tool names the request offered the model. */
export function offeredTools(request: MessagesRequest): string[] {
  return (request.tools ?? []).map((t) => t.name);
}
