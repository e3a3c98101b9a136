/**
 * `@airlock/runtime/agent-sdk`: the Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`) with the
 * agent runtime deciding every tool call.
 *
 * - **The agent's tools** are an in-process MCP server (`createSdkMcpServer`, named `airlock`):
 *   each declared tool the agent implements, with the manifest's description and `input` JSON
 *   Schema, as `mcp__airlock__<tool>`. Its handler is where a tool runs, and only through the
 *   runtime: what a person approved runs through the receipt (`execute`, spent with the gateway
 *   first), once.
 * - **The permission callback** (`canUseTool`) is where a call is decided: the guard (declared
 *   tools only, the input schema, the argument policy) and, when the call needs one, a person. A
 *   refusal is `deny` with the message the model reads (the same tool results as the Claude API
 *   loop's); an approval is `allow` with `updatedInput` set to the approved arguments (the
 *   approver's when edited), and the handler then runs exactly those.
 * - **A `PreToolUse` hook** denies every other tool before any permission logic runs (hooks run
 *   whatever the permission mode or allow rules say): a tool of another MCP server you add, or a
 *   Claude Code built-in.
 * - **Built-in Claude Code tools** (Bash, Write, WebFetch, …) are never offered (`tools: []`) and
 *   always refused. A manifest's tool names (`[a-z][a-z0-9_]*`) cannot name them, so none is
 *   declared; and Claude Code runs a built-in itself, where no receipt could bind its run. What the
 *   agent needs (fetching a page, running code) is an agent tool (the sandbox for code).
 *   `settingSources: []` and `strictMcpConfig: true` keep settings files' allow rules, hooks and
 *   MCP servers out. Keep your own `allowedTools` free of the `mcp__airlock__*` tools: an allow rule
 *   skips the callback, and the handler then asks the person itself (what was approved still runs,
 *   but the approved arguments no longer show as the tool's input); `disallowedTools` is not needed.
 *
 * ```ts
 * import { createSdkMcpServer, query } from "@anthropic-ai/claude-agent-sdk";
 * import { agentSdk } from "@airlock/runtime/agent-sdk";
 * const airlock = agentSdk(runtime, { createSdkMcpServer, tools: { read_ticket, send_customer_reply } });
 * for await (const message of airlock.query(query, { prompt, options: { model: "claude-sonnet-4-5" } })) …
 * ```
 *
 * The Agent SDK is under Anthropic's commercial terms ("SEE LICENSE IN README.md" in its
 * package): it is an optional peer dependency of `@airlock/runtime`, which does not ship it; this
 * module imports its types only and takes `createSdkMcpServer` from you. `zod` (a peer of the
 * Agent SDK) turns the tools' JSON Schemas into the MCP server's input schemas.
 *
 * @module @airlock/runtime/agent-sdk
 */
import type { CanUseTool, HookCallbackMatcher, HookInput, HookJSONOutput, McpSdkServerConfigWithInstance, Options, PermissionResult, Query, SDKMessage, SDKUserMessage, SdkMcpToolDefinition } from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";
import type { RunOptions } from "@airlock/trace";
import { AirlockRuntimeError } from "../errors.ts";
import type { AgentRuntime, ToolAuthorization, ToolImplementation } from "../runtime.ts";
import type { ToolRefusal } from "../tool-result.ts";
import { checkImplementations, offeredTools } from "./claude-api.ts";
import { traceMessages } from "./agent-sdk-trace.ts";

export { ModelCallObserver, traceMessages } from "./agent-sdk-trace.ts";

/** The default name of the agent's in-process MCP server (its tools are `mcp__airlock__<tool>`). */
export const AGENT_SDK_SERVER = "airlock";

/** What the integration needs of the Agent SDK: its `createSdkMcpServer`. */
export type CreateSdkMcpServer = (options: { name: string; version?: string; tools?: Array<SdkMcpToolDefinition<any>> }) => McpSdkServerConfigWithInstance;

export interface AgentSdkOptions {
  /** The Agent SDK's `createSdkMcpServer` (`import { createSdkMcpServer } from "@anthropic-ai/claude-agent-sdk"`). */
  readonly createSdkMcpServer: CreateSdkMcpServer;
  /** The agent's implementation of each tool it offers, by the manifest's tool name (declared tools only). */
  readonly tools: Readonly<Record<string, ToolImplementation<unknown>>>;
  /** @default "airlock" ({@link AGENT_SDK_SERVER}) */
  readonly serverName?: string;
  /** What the model is given as a tool's result. @default - a string as it is, anything else as JSON */
  readonly formatResult?: (value: unknown, tool: string) => string;
  /** Told when a tool's input schema cannot be given to the MCP server (it is then offered as an object of any arguments; the guard still checks them). @default - `console.warn` */
  readonly onWarning?: (message: string) => void;
}

/** What `query()` takes as its prompt. */
export type AgentPrompt = string | AsyncIterable<SDKUserMessage>;

/** The `query()` options the integration sets. */
export type AgentSdkQueryOptions = Required<Pick<Options, "mcpServers" | "tools" | "canUseTool" | "hooks" | "permissionMode" | "settingSources" | "strictMcpConfig" | "includePartialMessages">>;

export interface AgentSdkIntegration {
  readonly serverName: string;
  /** The agent's tools as the model sees them (`mcp__<server>__<tool>`). */
  readonly toolNames: readonly string[];
  readonly mcpServer: McpSdkServerConfigWithInstance;
  readonly canUseTool: CanUseTool;
  readonly hooks: { readonly PreToolUse: HookCallbackMatcher[] };
  /** The options to give `query()` (spread yours around them with {@link withOptions}). */
  readonly options: AgentSdkQueryOptions;
  /** Your options with the integration's: its MCP server added to yours, its hooks first, its permission settings winning. */
  withOptions(options?: Options): Options;
  /** Calls `query` with {@link withOptions} and yields its messages, each model call traced, in one trace per query. */
  query(query: (params: { prompt: AgentPrompt; options?: Options }) => Query, params: { readonly prompt: AgentPrompt; readonly options?: Options; readonly run?: RunOptions }): AsyncGenerator<SDKMessage, void>;
}

const defaultFormat = (value: unknown): string => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));

const textResult = (text: string, isError = false) => ({ content: [{ type: "text" as const, text }], ...(isError ? { isError: true } : {}) });

/** The zod schema the MCP server offers for a tool's JSON Schema (an object of any arguments when it cannot convert one). */
function inputSchemaOf(name: string, input: Record<string, unknown> | undefined, warn: (m: string) => void): z.ZodType {
  if (input === undefined) return z.looseObject({});
  try {
    return z.fromJSONSchema(input as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (e) {
    warn(`@airlock/runtime: the input schema of "${name}" cannot be given to the Agent SDK's MCP server (${(e as Error).message}); the model is offered it as an object of any arguments, and the guard still checks each call against the schema`);
    return z.looseObject({});
  }
}

async function* withoutStreamEvents(messages: AsyncGenerator<SDKMessage, void>): AsyncGenerator<SDKMessage, void> {
  for await (const m of messages) if (m.type !== "stream_event") yield m;
}

/**
 * The Agent SDK integration for `runtime` (see the module). Throws `AirlockRuntimeError` when an
 * implementation is not of a declared tool, or of one that runs in the sandbox.
 */
export function agentSdk(runtime: AgentRuntime, options: AgentSdkOptions): AgentSdkIntegration {
  checkImplementations(runtime, options.tools);
  if (typeof options.createSdkMcpServer !== "function") throw new AirlockRuntimeError('`createSdkMcpServer`: pass the Agent SDK\'s (import { createSdkMcpServer } from "@anthropic-ai/claude-agent-sdk")');
  const serverName = options.serverName ?? AGENT_SDK_SERVER;
  if (!/^[a-zA-Z0-9_-]+$/.test(serverName) || serverName.includes("__")) throw new AirlockRuntimeError(`\`serverName\`: "${serverName}" must be letters, digits, - and single _`);
  const prefix = `mcp__${serverName}__`;
  const format = options.formatResult ?? defaultFormat;
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const offered = offeredTools(runtime, options.tools);
  /** Authorizations decided in the callback, waiting for the handler, by tool use id. */
  const pending = new Map<string, ToolAuthorization>();

  const ours = (toolName: string): string | undefined => {
    if (!toolName.startsWith(prefix)) return undefined;
    const name = toolName.slice(prefix.length);
    return offered.has(name) ? name : undefined;
  };
  /** The guard's refusal of a tool that is not the agent's (traced by the guard). */
  const refuseOther = (toolName: string, input: unknown): ToolRefusal => {
    const d = runtime.guard.check(toolName, input);
    if (d.verdict === "refuse") {
      const { verdict: _, ...r } = d;
      return r;
    }
    return { ok: false, reason: "undeclared-tool", isError: true, tool: toolName, content: `Tool "${toolName}" is not available to this agent, and the call was not run. The tools you can call are: ${toolNames.join(", ")}.` };
  };

  const run = async (name: string, args: Record<string, unknown>, extra: unknown) => {
    const impl = offered.get(name)!;
    const id = (extra as { _meta?: Record<string, unknown> } | undefined)?._meta?.["claudecode/toolUseId"];
    const authorization = typeof id === "string" ? pending.get(id) : undefined;
    if (typeof id === "string") pending.delete(id);
    try {
      // Decided in the callback: run exactly what was authorized (the approved arguments).
      // Not decided (an allow rule or mode skipped the callback): the whole call, asking if needed.
      const outcome = authorization !== undefined && authorization.tool === name ? await runtime.perform(authorization, impl) : await runtime.callTool(name, args, impl);
      return outcome.ok ? textResult(format(outcome.value, name)) : textResult(outcome.content, true);
    } catch (e) {
      return textResult(`The tool "${name}" failed: ${e instanceof Error ? e.message : String(e)}`, true);
    }
  };

  const definitions = [...offered.keys()].map((name): SdkMcpToolDefinition<any> => {
      const tool = runtime.guard.tool(name)!;
      return { name, description: tool.description, inputSchema: inputSchemaOf(name, tool.input, warn) as never, handler: (args: Record<string, unknown>, extra: unknown) => run(name, args, extra) };
    });
  const toolNames = definitions.map((d) => `${prefix}${d.name}`);
  const mcpServer = options.createSdkMcpServer({ name: serverName, version: "1.0.0", tools: definitions });

  const canUseTool: CanUseTool = async (toolName, input, o): Promise<PermissionResult> => {
    const name = ours(toolName);
    if (name === undefined) return { behavior: "deny", message: refuseOther(toolName, input).content };
    const authorized = await runtime.authorize(name, input);
    if (!authorized.ok) return { behavior: "deny", message: authorized.content };
    pending.set(o.toolUseID, authorized);
    return { behavior: "allow", updatedInput: { ...authorized.arguments } };
  };

  const preToolUse = async (input: HookInput): Promise<HookJSONOutput> => {
    if (input.hook_event_name !== "PreToolUse") return {};
    if (ours(input.tool_name) !== undefined) return {};
    return { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: refuseOther(input.tool_name, input.tool_input).content } };
  };
  const hooks = { PreToolUse: [{ hooks: [preToolUse] }] };

  const own: AgentSdkQueryOptions = {
    mcpServers: { [serverName]: mcpServer },
    tools: [],
    canUseTool,
    hooks,
    permissionMode: "default",
    settingSources: [],
    strictMcpConfig: true,
    includePartialMessages: true,
  };
  const withOptions = (yours: Options = {}): Options => {
    const merged: NonNullable<Options["hooks"]> = { ...yours.hooks };
    merged.PreToolUse = [...hooks.PreToolUse, ...(yours.hooks?.PreToolUse ?? [])];
    return { ...yours, ...own, mcpServers: { ...yours.mcpServers, [serverName]: mcpServer }, hooks: merged };
  };
  return {
    serverName,
    toolNames,
    mcpServer,
    canUseTool,
    hooks,
    options: own,
    withOptions,
    query: (query, params) => {
      // The stream events are read for the trace; they reach you only when you asked for them.
      const keep = params.options?.includePartialMessages === true;
      const messages = traceMessages(runtime.tracer, () => query({ prompt: params.prompt, options: withOptions(params.options) }), params.run);
      return keep ? messages : withoutStreamEvents(messages);
    },
  };
}
