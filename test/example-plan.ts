/**
 * The example's plan, produced in-process exactly as `airlock plan examples/support-agent --json`
 * produces it (never a hand-written fixture), cached per process.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { PlanDocument } from "@airlock/core";
import { planTarget } from "../packages/cli/src/plan/plan.ts";

export const EXAMPLE_DIR = fileURLToPath(new URL("../examples/support-agent/", import.meta.url));

let cached: Promise<PlanDocument> | undefined;

/** The example plan without guardrail findings (the tests run the guardrails themselves). */
export function examplePlan(): Promise<PlanDocument> {
  // The Pulumi program when the example has one; its agent.yaml with Airlock's defaults otherwise.
  const target = existsSync(`${EXAMPLE_DIR}Pulumi.yaml`) ? EXAMPLE_DIR : `${EXAMPLE_DIR}agent.yaml`;
  cached ??= planTarget(target, { stack: "dev", guardrails: false });
  return cached;
}

/** A deep copy that a test may break. */
export function copyPlan(plan: PlanDocument): PlanDocument {
  return structuredClone(plan) as PlanDocument;
}
