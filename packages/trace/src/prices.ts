/**
 * Model prices, in USD per million tokens, used to put a cost on every model call.
 *
 * These are a starting point taken from Anthropic's public price list (standard API, 5-minute
 * cache writes) as of PRICES_AS_OF. They are the caller's to keep current: pass `prices` to
 * `createTracer` to add a model or correct a price; a model with no price gets no cost (the EMF
 * line says `CostKnown: false` and PostHog prices the generation itself from its own table).
 * Not modelled: batch discounts, 1-hour cache writes, server-tool fees, data-residency and
 * regional (Bedrock/Vertex) price differences.
 */

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  readonly inputPerMTok: number;
  /** USD per million output tokens. */
  readonly outputPerMTok: number;
  /** USD per million tokens written to the prompt cache. @default - same as `inputPerMTok` */
  readonly cacheWritePerMTok?: number;
  /** USD per million tokens read from the prompt cache. @default - same as `inputPerMTok` */
  readonly cacheReadPerMTok?: number;
  /**
   * A higher rate that applies to every token of a request whose whole prompt (uncached input +
   * cache writes + cache reads) exceeds `aboveInputTokens`.
   * @default - one rate whatever the prompt size
   */
  readonly longContext?: { readonly aboveInputTokens: number } & Omit<ModelPrice, "longContext">;
}

/** When the default table was last checked against Anthropic's pricing page. */
export const PRICES_AS_OF = "2026-11";

/** Anthropic's usual shape: 5-minute cache writes at 1.25x input, cache hits at a tenth of input unless given. */
function anthropic(input: number, output: number, cacheRead = input / 10): ModelPrice {
  return {
    inputPerMTok: input,
    outputPerMTok: output,
    cacheWritePerMTok: input * 1.25,
    cacheReadPerMTok: cacheRead,
  };
}

/** Keys are model ids without a date suffix; `claude-sonnet-4-5-20250929` finds `claude-sonnet-4-5`. */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-fable-5-1": anthropic(10, 50, 0.25),
  "claude-mythos-5-1": anthropic(10, 50, 0.25),
  "claude-fable-5": anthropic(10, 50),
  "claude-mythos-5": anthropic(10, 50),
  "claude-opus-5-5": anthropic(4, 20, 0.2),
  "claude-opus-5": anthropic(5, 25),
  "claude-opus-4-8": anthropic(5, 25),
  "claude-opus-4-7": anthropic(5, 25),
  "claude-opus-4-6": anthropic(5, 25),
  "claude-opus-4-5": anthropic(5, 25),
  "claude-opus-4-1": anthropic(15, 75),
  "claude-opus-4-0": anthropic(15, 75),
  "claude-opus-4": anthropic(15, 75),
  "claude-sonnet-5-5": anthropic(2, 10, 0.1),
  "claude-sonnet-5": anthropic(2, 10),
  "claude-sonnet-4-6": anthropic(3, 15),
  "claude-sonnet-4-5": anthropic(3, 15),
  "claude-sonnet-4-0": anthropic(3, 15),
  "claude-sonnet-4": anthropic(3, 15),
  "claude-3-7-sonnet": anthropic(3, 15),
  "claude-haiku-5-5": { ...anthropic(0.1, 0.5), longContext: { aboveInputTokens: 100_000, ...anthropic(0.5, 2.5) } },
  "claude-haiku-4-5": anthropic(1, 5),
  "claude-3-5-haiku": anthropic(0.8, 4),
  "claude-3-haiku": { inputPerMTok: 0.25, outputPerMTok: 1.25, cacheWritePerMTok: 0.3, cacheReadPerMTok: 0.03 },
};

export interface TokenUsage {
  /** Uncached input tokens (Anthropic's `usage.input_tokens`). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Anthropic's `usage.cache_read_input_tokens`. */
  readonly cacheReadInputTokens?: number;
  /** Anthropic's `usage.cache_creation_input_tokens`. */
  readonly cacheCreationInputTokens?: number;
}

export interface CallCost {
  /** Uncached input, cache writes and cache reads. */
  readonly inputUsd: number;
  readonly outputUsd: number;
  readonly totalUsd: number;
}

/**
 * The key a model id is priced under: drops a Bedrock/Vertex wrapping
 * (`us.anthropic.…-v1:0`, `…@20250929`), a `-latest` suffix and a `-YYYYMMDD` date suffix.
 * No prefix matching: `claude-opus-4-7` is not priced as `claude-opus-4`.
 */
export function priceKey(model: string): string {
  let id = model.trim().toLowerCase();
  id = id.replace(/^(?:[a-z]{2,4}\.)?anthropic\./, "");
  id = id.replace(/-v\d+(?::\d+)?$/, "");
  id = id.replace(/@\d{8}$/, "");
  id = id.replace(/-latest$/, "");
  id = id.replace(/-\d{8}$/, "");
  return id;
}

/** The price of `model` in `table` (exact id first, then its `priceKey`), or undefined. */
export function findPrice(table: Readonly<Record<string, ModelPrice>>, model: string): ModelPrice | undefined {
  return Object.hasOwn(table, model) ? table[model] : Object.hasOwn(table, priceKey(model)) ? table[priceKey(model)] : undefined;
}

/** Cost of one call. Sums are taken in micro-dollars and divided once, so 1000 × $3/MTok is exactly 0.003. */
export function costOf(table: ModelPrice, usage: TokenUsage): CallCost {
  const promptTokens = usage.inputTokens + (usage.cacheCreationInputTokens ?? 0) + (usage.cacheReadInputTokens ?? 0);
  const price = table.longContext && promptTokens > table.longContext.aboveInputTokens ? table.longContext : table;
  const inputMicro =
    usage.inputTokens * price.inputPerMTok +
    (usage.cacheCreationInputTokens ?? 0) * (price.cacheWritePerMTok ?? price.inputPerMTok) +
    (usage.cacheReadInputTokens ?? 0) * (price.cacheReadPerMTok ?? price.inputPerMTok);
  const outputMicro = usage.outputTokens * price.outputPerMTok;
  return {
    inputUsd: inputMicro / 1e6,
    outputUsd: outputMicro / 1e6,
    totalUsd: (inputMicro + outputMicro) / 1e6,
  };
}

/** Checks a caller's price table; throws naming the model and field. */
export function validatePrices(table: Readonly<Record<string, ModelPrice>>): void {
  for (const [model, price] of Object.entries(table)) {
    const tiers: [string, Omit<ModelPrice, "longContext">][] = [["", price]];
    if (price.longContext !== undefined) tiers.push([".longContext", price.longContext]);
    for (const [path, tier] of tiers) {
      for (const field of ["inputPerMTok", "outputPerMTok", "cacheWritePerMTok", "cacheReadPerMTok"] as const) {
        const value = tier[field];
        if (value === undefined && (field === "cacheWritePerMTok" || field === "cacheReadPerMTok")) continue;
        if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
          throw new TypeError(
            `createTracer: \`prices["${model}"]${path}.${field}\` must be a finite number >= 0 (USD per million tokens), got ${JSON.stringify(value)}`,
          );
        }
      }
    }
    const above = price.longContext?.aboveInputTokens;
    if (price.longContext !== undefined && (typeof above !== "number" || !Number.isInteger(above) || above < 0)) {
      throw new TypeError(
        `createTracer: \`prices["${model}"].longContext.aboveInputTokens\` must be a whole number of tokens, got ${JSON.stringify(above)}`,
      );
    }
  }
}
