import type { TokenUsage } from "./prices.ts";

/**
 * Reading token usage and output from a model response without depending on any SDK: the
 * Anthropic Messages shape (`usage.input_tokens`, `content`, `stop_reason`) first, then the
 * OpenAI-compatible one (`usage.prompt_tokens`, `choices`), which Bedrock gateways often return.
 */

export const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function usageFromResponse(result: unknown): TokenUsage | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const usage = (result as { usage?: unknown }).usage;
  if (typeof usage !== "object" || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  const anthropicIn = count(u.input_tokens);
  const anthropicOut = count(u.output_tokens);
  if (anthropicIn !== undefined || anthropicOut !== undefined) {
    const cacheRead = count(u.cache_read_input_tokens);
    const cacheWrite = count(u.cache_creation_input_tokens);
    return {
      inputTokens: anthropicIn ?? 0,
      outputTokens: anthropicOut ?? 0,
      ...(cacheRead ? { cacheReadInputTokens: cacheRead } : {}),
      ...(cacheWrite ? { cacheCreationInputTokens: cacheWrite } : {}),
    };
  }
  const openaiIn = count(u.prompt_tokens);
  const openaiOut = count(u.completion_tokens);
  if (openaiIn !== undefined || openaiOut !== undefined) {
    const cached = count((u.prompt_tokens_details as { cached_tokens?: unknown } | undefined)?.cached_tokens) ?? 0;
    return {
      inputTokens: Math.max(0, (openaiIn ?? 0) - cached),
      outputTokens: openaiOut ?? 0,
      ...(cached ? { cacheReadInputTokens: cached } : {}),
    };
  }
  return undefined;
}

/** PostHog's `$ai_output_choices` shape: a list of `{ role, content }`. */
export function outputFromResponse(result: unknown): unknown {
  if (typeof result !== "object" || result === null) return result;
  const r = result as { role?: unknown; content?: unknown; choices?: unknown };
  if (Array.isArray(r.content)) return [{ role: typeof r.role === "string" ? r.role : "assistant", content: r.content }];
  if (Array.isArray(r.choices)) {
    return r.choices.map((c) => (typeof c === "object" && c !== null && "message" in c ? (c as { message: unknown }).message : c));
  }
  return result;
}

export function stopReasonFromResponse(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const r = result as { stop_reason?: unknown; choices?: unknown };
  if (typeof r.stop_reason === "string") return r.stop_reason;
  if (Array.isArray(r.choices)) {
    const first = r.choices[0] as { finish_reason?: unknown } | undefined;
    if (typeof first?.finish_reason === "string") return first.finish_reason;
  }
  return undefined;
}

/** A response the Anthropic or OpenAI SDK only returns after an HTTP 200. */
export function looksLikeHttpResponse(result: unknown): boolean {
  if (typeof result !== "object" || result === null) return false;
  const r = result as { type?: unknown; object?: unknown; usage?: unknown };
  return (r.type === "message" || r.object === "chat.completion") && typeof r.usage === "object";
}
