/**
 * `airlock diff` on a tool with several grants on one system (the example's `ticket_queue`: a read
 * grant, Query on an index, and a write grant, UpdateItem on the table): its entries are taken
 * together, so the same plan diffs to nothing, and a write grant added beside a read one is one
 * widening.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, diffPlans, type AgentModel, type PlanDocument } from "@airlock/core";
import { EXAMPLE_DIR, exampleManifest } from "./fixtures.ts";

const planOf = (m: AgentModel): PlanDocument => ({ version: 1, project: "support", stack: "dev", resources: [], agents: [m], permissions: m.permissions.map((p) => ({ ...p, agent: m.name })), findings: m.findings });
const planFrom = async (edit: (m: Record<string, any>) => void = () => {}) => {
  const m = exampleManifest();
  edit(m);
  return planOf(await compile(m, { baseDir: EXAMPLE_DIR }));
};
const queue = (m: Record<string, any>) => m.tools.find((t: { name: string }) => t.name === "ticket_queue");

describe("diff: a tool with a read and a write grant on one system", () => {
  it("given the example, then ticket_queue has two entries on aws:dynamodb, and the same plan diffs to nothing", async () => {
    const plan = await planFrom();
    assert.deepEqual(plan.permissions.filter((p) => p.tool === "ticket_queue").map((p) => [p.system, p.access]), [["aws:dynamodb", "write"], ["aws:dynamodb", "read"]]);
    assert.deepEqual(diffPlans(plan, await planFrom()).changes, []);
  });

  it("given only the read grant before, when the write grant is added, then the tool's access on the system widens once, with the new action", async () => {
    const d = diffPlans(await planFrom((m) => queue(m).aws.splice(1, 1)), await planFrom());
    assert.deepEqual(
      d.changes.map((c) => `${c.effect} ${c.summary}`),
      ["widened `ticket_queue` on aws:dynamodb changed from read to write", "widened `ticket_queue` may now call dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"],
    );
  });
});
