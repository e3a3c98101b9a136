/**
 * The runtime tests' model: the approval tests' support agent (the example's manifest plus a
 * broadcast tool and an outward `auto` tool), with `input` JSON Schemas on two tools as the
 * manifest will declare them, its hash recomputed as `compile` computes it.
 */
import type { AgentModel } from "@airlock/core";
import { testModel } from "../../../approvals/test/helpers/model.ts";
import { modelContentHash, type ShippedModel } from "../../src/index.ts";

export const REPLY_INPUT = {
  type: "object",
  required: ["ticket", "to", "body"],
  properties: {
    ticket: { type: "string", pattern: "^T-\\d+$" },
    to: { type: "string", format: "email" },
    body: { type: "string", minLength: 1, maxLength: 5000 },
  },
  additionalProperties: false,
} as const;

export const REFUND_INPUT = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["order", "amount"],
  properties: { order: { type: "string" }, amount: { type: "number", exclusiveMinimum: 0, maximum: 10000 } },
  additionalProperties: false,
} as const;

/** The compiled model as `compile` returns it (no input schemas). */
export const compiledModel = (): Promise<AgentModel> => testModel();

let cached: Promise<ShippedModel> | undefined;

/** The shipped model: the compiled one with input schemas on the reply and refund tools. */
export function shippedModel(): Promise<ShippedModel> {
  cached ??= (async () => {
    const base = JSON.parse(JSON.stringify(await testModel())) as Record<string, unknown> & { tools: Record<string, unknown>[]; riskLines: Record<string, unknown>[] };
    // These tests keep their own small schemas and no compiled argument policies (the example's
    // own inputs and Cedar policies are tested in cedar.test.ts and guard-cedar.test.ts).
    for (const t of base.tools) {
      delete t.input;
      if (t.name === "send_customer_reply") t.input = REPLY_INPUT;
      if (t.name === "issue_refund") t.input = REFUND_INPUT;
    }
    for (const l of base.riskLines) delete l.when;
    delete base.argumentPolicies;
    base.hash = modelContentHash(base);
    return base as unknown as ShippedModel;
  })();
  return cached;
}
