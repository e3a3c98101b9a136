import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { DEFAULT_MODEL_PRICES, costOf, createTracer, findPrice, priceKey, type CallRecord } from "@airlock/trace";

describe("model prices", () => {
  test("given dated, aliased and cloud-wrapped Anthropic ids, when priced, then they find the base model's price", () => {
    assert.equal(priceKey("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
    assert.equal(priceKey("claude-3-5-haiku-latest"), "claude-3-5-haiku");
    assert.equal(priceKey("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), "claude-sonnet-4-5");
    assert.equal(priceKey("anthropic.claude-3-haiku-20240307-v1:0"), "claude-3-haiku");
    assert.equal(priceKey("claude-opus-4-1@20250805"), "claude-opus-4-1");
    assert.deepEqual(findPrice(DEFAULT_MODEL_PRICES, "claude-haiku-4-5-20251001"), {
      inputPerMTok: 1,
      outputPerMTok: 5,
      cacheWritePerMTok: 1.25,
      cacheReadPerMTok: 0.1,
    });
  });

  test("given an id that only shares a prefix with a priced model, when priced, then it has no price", () => {
    assert.equal(findPrice(DEFAULT_MODEL_PRICES, "claude-opus-4-9"), undefined);
    assert.equal(findPrice(DEFAULT_MODEL_PRICES, "claude-sonnet-4-5-preview"), undefined);
    assert.equal(findPrice(DEFAULT_MODEL_PRICES, "gpt-5"), undefined);
  });

  test("given usage with cache reads and writes, when costed, then each token class is billed at its rate", () => {
    const opus = findPrice(DEFAULT_MODEL_PRICES, "claude-opus-4-1")!;
    // 2000 x $15 + 1000 x $18.75 + 10000 x $1.50 = $0.06375 input; 300 x $75 = $0.0225 output
    assert.deepEqual(costOf(opus, { inputTokens: 2000, outputTokens: 300, cacheCreationInputTokens: 1000, cacheReadInputTokens: 10000 }), {
      inputUsd: 0.06375,
      outputUsd: 0.0225,
      totalUsd: 0.08625,
    });
  });

  test("given a model with a long-context tier, when the prompt crosses it, then every token is billed at the higher rate", () => {
    const haiku = findPrice(DEFAULT_MODEL_PRICES, "claude-haiku-5-5")!;
    assert.deepEqual(costOf(haiku, { inputTokens: 100_000, outputTokens: 1000 }), { inputUsd: 0.01, outputUsd: 0.0005, totalUsd: 0.0105 });
    assert.deepEqual(costOf(haiku, { inputTokens: 90_000, outputTokens: 1000, cacheReadInputTokens: 20_000 }), {
      inputUsd: 0.046,
      outputUsd: 0.0025,
      totalUsd: 0.0485,
    });
  });

  test("cost is never negative and total is input plus output", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(DEFAULT_MODEL_PRICES)),
        fc.nat(2_000_000),
        fc.nat(200_000),
        fc.nat(1_000_000),
        fc.nat(1_000_000),
        (model, inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens) => {
          const c = costOf(DEFAULT_MODEL_PRICES[model]!, { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens });
          return c.inputUsd >= 0 && c.outputUsd >= 0 && Math.abs(c.totalUsd - (c.inputUsd + c.outputUsd)) < 1e-9;
        },
      ),
    );
  });

  test("given a caller's price table, when a model call is traced, then the caller's prices win and new models are priced", async () => {
    const records: CallRecord[] = [];
    const tracer = createTracer({
      agent: "a",
      release: "r",
      emf: false,
      prices: { "claude-sonnet-4-5": { inputPerMTok: 2, outputPerMTok: 8 }, "acme-llm-1": { inputPerMTok: 0.5, outputPerMTok: 1 } },
      onRecord: (r) => records.push(r),
    });
    const usage = { usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } };

    await tracer.wrapModelCall({ model: "claude-sonnet-4-5-20250929" }, async () => usage);
    await tracer.wrapModelCall({ model: "acme-llm-1", provider: "acme" }, async () => usage);
    await tracer.wrapModelCall({ model: "claude-haiku-4-5" }, async () => usage);

    assert.deepEqual(
      records.map((r) => [r.model, r.provider, r.cost?.totalUsd]),
      [
        ["claude-sonnet-4-5-20250929", "anthropic", 10],
        ["acme-llm-1", "acme", 1.5],
        ["claude-haiku-4-5", "anthropic", 6],
      ],
    );
  });

  test("given a bad price, when the tracer is created, then the error names the model, field and unit", () => {
    assert.throws(
      () => createTracer({ agent: "a", release: "r", prices: { "claude-x": { inputPerMTok: -1, outputPerMTok: 1 } } }),
      { name: "TypeError", message: 'createTracer: `prices["claude-x"].inputPerMTok` must be a finite number >= 0 (USD per million tokens), got -1' },
    );
    assert.throws(
      () =>
        createTracer({
          agent: "a",
          release: "r",
          prices: { "claude-x": { inputPerMTok: 1, outputPerMTok: 1, longContext: { aboveInputTokens: 1.5, inputPerMTok: 2, outputPerMTok: 2 } } },
        }),
      { message: 'createTracer: `prices["claude-x"].longContext.aboveInputTokens` must be a whole number of tokens, got 1.5' },
    );
  });
});
