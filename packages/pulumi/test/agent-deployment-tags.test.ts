/**
 * Tag values ECS (and CloudWatch Logs, IAM, …) reject fail `pulumi up`: the ECS Tag value pattern
 * is ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$, at most 256 characters. Free text (opt-out reasons, release
 * descriptions) and Airlock's own labels must come out valid, keeping their meaning.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { AgentModel, PlannedResource } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { exampleModel, find, recordDeployment } from "./harness.ts";
import { planExample } from "./example-plan.ts";

const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const IMAGE = (n: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${n.repeat(64)}`;
const NASTY = `Evals at 87% (#412) — "flaky" judge's fault 🙈\nsee ticket <OPS-7> & retry; ${"x".repeat(300)}`;

/** Every tag of every resource (of the agent's, with `agentOnly`) that is not valid under the ECS rule, as `type name key=value`. */
function badTags(rec: Recording, agentOnly = false): string[] {
  const bad: string[] = [];
  const byUrn = new Map(rec.resources.map((r) => [r.urn, r]));
  const underAgent = (r: PlannedResource): boolean => {
    for (let p = r.parent === null ? undefined : byUrn.get(r.parent); p !== undefined; p = p.parent === null ? undefined : byUrn.get(p.parent)) if (p.type === "airlock:agent:AgentDeployment") return true;
    return false;
  };
  for (const r of rec.resources) {
    if (agentOnly && !underAgent(r)) continue;
    for (const field of ["tags", "tagsAll"]) {
      const tags = r.inputs[field] as Record<string, unknown> | undefined;
      if (tags === undefined || tags === null || typeof tags !== "object") continue;
      for (const [k, v] of Object.entries(tags)) {
        if (typeof v !== "string") continue;
        if (!KEY.test(k) || !VALUE.test(v) || v.length > 256) bad.push(`${r.type} ${r.name} ${k}=${JSON.stringify(v)}`);
      }
    }
  }
  return bad;
}

describe("tag values every service accepts", () => {
  let model: AgentModel;
  before(async () => {
    model = await exampleModel();
  });

  it("gives every resource of the example's plan valid tags, the eval gate's in words (90 percent)", async () => {
    const rec = await planExample("dev");
    assert.deepEqual(badTags(rec), []);
    const service = find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.tags as Record<string, string>;
    assert.equal(service["airlock:eval-gate"], "on: pass rate at least 90 percent");
    assert.equal(service["airlock:approvals"], "gateway");
    const v1 = find(rec, "aws:ecs/taskDefinition:TaskDefinition", "support-agent-release-v1").inputs.tags as Record<string, string>;
    assert.equal(v1["airlock:release-description"], "First release reviewed by support leads.");
  });

  it("given an opt-out reason and a release description full of %, #, quotes, emoji, newlines and 300 characters, then every tag is valid and keeps the words", async () => {
    const rec = await recordDeployment(model, {
      platform: { approvals: { agents: { [model.name]: { disabled: NASTY } } } },
      deployment: { releases: { v1: { image: IMAGE("1"), modelHash: model.hash, description: NASTY } }, evalGate: { disabled: NASTY } },
    });
    assert.deepEqual(badTags(rec), []);
    const service = find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.tags as Record<string, string>;
    const td = find(rec, "aws:ecs/taskDefinition:TaskDefinition", "support-agent-release-v1").inputs.tags as Record<string, string>;
    for (const [label, value] of [["airlock:eval-gate", service["airlock:eval-gate"]!], ["airlock:approvals", service["airlock:approvals"]!], ["airlock:release-description", td["airlock:release-description"]!]] as const) {
      assert.ok(value.length <= 256, `${label}: ${value.length}`);
      assert.match(value, /Evals at 87 percent 412 flaky judge s fault see ticket OPS-7 and retry/, label);
    }
    assert.match(service["airlock:eval-gate"]!, /^OFF: Evals/);
    assert.match(service["airlock:approvals"]!, /^OFF: Evals/);
  });

  it("cleans the caller's and the platform's tag values too (they reach every child)", async () => {
    const rec = await recordDeployment(model, { platform: { tags: { team: "Support & Success (EMEA)" } }, deployment: { tags: { "cost-center": "#4711 — 50%" } } });
    // The platform's own resources carry its tags as given; every resource of the agent's is clean.
    assert.deepEqual(badTags(rec, true), []);
    const tags = find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.tags as Record<string, string>;
    assert.equal(tags["cost-center"], "4711 50 percent");
    assert.equal(tags.team, "Support and Success EMEA");
  });
});
