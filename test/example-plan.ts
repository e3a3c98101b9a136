/**
 * The example's plan, produced in-process exactly as `npm run plan -- --json` produces it (the
 * root Pulumi project runs the support agent with its dev stack config; never a hand-written
 * fixture), cached per process.
 */
import { fileURLToPath } from "node:url";
import type { PlanDocument } from "@airlock/core";
import { planTarget } from "../packages/cli/src/plan/plan.ts";

export const EXAMPLE_DIR = fileURLToPath(new URL("../examples/support-agent/", import.meta.url));
const ROOT_PROJECT = fileURLToPath(new URL("../", import.meta.url));

let cached: Promise<PlanDocument> | undefined;

/** The example plan without guardrail findings (the tests run the guardrails themselves). */
export function examplePlan(): Promise<PlanDocument> {
  cached ??= planTarget(ROOT_PROJECT, { stack: "dev", guardrails: false });
  return cached;
}

/** A deep copy that a test may break. */
export function copyPlan(plan: PlanDocument): PlanDocument {
  return structuredClone(plan) as PlanDocument;
}
