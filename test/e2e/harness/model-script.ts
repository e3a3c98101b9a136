/**
 * The model's side of a scenario, for the Messages API stand-in: each scripted turn reads the
 * request the agent sent (`POST /v1/messages`: the conversation so far, with the tool results of
 * the turn before) and answers an assistant message, tool uses or the final text. A turn may
 * depend on what the agent told the model (a refused call's result), as a real model's would.
 */
import { toolUse, type ScriptedTurn, type StandInRequest, type StandInTurn } from "../../../packages/runtime/test/helpers/anthropic-standin.ts";

export type { ScriptedTurn, StandInRequest, StandInTurn };

/** A turn that asks for one tool (after a line of text, as Claude often writes one). */
export function useTool(name: string, input: Record<string, unknown>, thinking?: string): StandInTurn {
  return { content: [...(thinking === undefined ? [] : [{ type: "text" as const, text: thinking }]), toolUse(name, input)] };
}

/** A turn that asks for several tools at once (Claude may put more than one tool_use in a turn). */
export function useTools(thinking: string, ...uses: readonly { readonly name: string; readonly input: Record<string, unknown> }[]): StandInTurn {
  return { content: [{ type: "text", text: thinking }, ...uses.map((u) => toolUse(u.name, u.input))] };
}

/** The final answer (`end_turn`); `text` may read the request (what the tools answered). */
export function answer(text: string | ((request: StandInRequest) => string)): ScriptedTurn {
  return (request) => ({ content: [{ type: "text", text: typeof text === "string" ? text : text(request) }], stop_reason: "end_turn" });
}

interface Message {
  readonly role: string;
  readonly content: unknown;
}

/** A tool result the agent sent the model. */
export interface SentToolResult {
  readonly toolUseId: string;
  readonly text: string;
  readonly isError: boolean;
}

/** The tool results in the request's last user message (what the agent told the model after the last tool use). */
export function toolResults(request: StandInRequest): SentToolResult[] {
  const messages = (request.body.messages ?? []) as Message[];
  const last = messages.at(-1);
  if (last === undefined || last.role !== "user" || !Array.isArray(last.content)) return [];
  return (last.content as { type?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[])
    .filter((b) => b.type === "tool_result")
    .map((b) => ({ toolUseId: String(b.tool_use_id), text: resultText(b.content), isError: b.is_error === true }));
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c === "object" && c !== null && typeof (c as { text?: unknown }).text === "string" ? (c as { text: string }).text : JSON.stringify(c))).join("\n");
  return content === undefined ? "" : JSON.stringify(content);
}

/** The tool names the request offered the model. */
export function offeredTools(request: StandInRequest): string[] {
  return ((request.body.tools ?? []) as { name?: string }[]).map((t) => String(t.name));
}

/** The tool uses of the assistant's last turn as the agent echoed it back (the request's second-to-last message). */
export function echoedToolUses(request: StandInRequest): { readonly name: string; readonly input: unknown }[] {
  const messages = (request.body.messages ?? []) as Message[];
  const turn = messages.at(-2);
  if (turn === undefined || turn.role !== "assistant" || !Array.isArray(turn.content)) return [];
  return (turn.content as { type?: string; name?: string; input?: unknown }[]).filter((b) => b.type === "tool_use").map((b) => ({ name: String(b.name), input: b.input }));
}
