import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { TagsValid } from "../../../src/rules/deploy/TagsValid.ts";
import { packEntry } from "../../../src/pack.ts";
import { policyFor } from "../../../src/policies.ts";
import { res, serviceTags } from "./plan-shapes.ts";

const SERVICE = "aws:ecs/service:Service";
const EVAL_GATE =
  'ecs Service `support-agent-service`: `tags` key `airlock:eval-gate` value "on: pass rate at least 90%" has characters ECS rejects (`%`); tag values must match ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$; write it as "on: pass rate at least 90 percent" (sanitizeTagValue)';

describe("TagsValid (AIR-D003)", () => {
  it("given today's agent service (its eval-gate tag holds `%`), then the tag is reported with ECS's pattern and the sanitised value", () => {
    const service = res(SERVICE, "support-agent-service", { name: "support-agent", tags: serviceTags });
    assert.deepEqual(TagsValid.check({ resources: [service] }), [{ subject: service.urn, message: EVAL_GATE }]);
  });
  it("given the sanitised value, then no violation", () => {
    const service = res(SERVICE, "support-agent-service", { tags: { ...serviceTags, "airlock:eval-gate": "on: pass rate at least 90 percent" } });
    assert.deepEqual(TagsValid.check({ resources: [service] }), []);
  });
  it("given provider default tags in tagsAll with a bad value, then only that tag is reported, as tagsAll", () => {
    const role = res("aws:iam/role:Role", "r", { tags: { a: "ok" }, tagsAll: { a: "ok", team: "ops & sec" } });
    assert.deepEqual(TagsValid.check({ resources: [role] }).map((v) => v.message), [
      'iam Role `r`: `tagsAll` key `team` value "ops & sec" has characters IAM rejects (`&`); tag values must match ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$; write it as "ops and sec" (sanitizeTagValue)',
    ]);
  });
  it("given resources with no tags (missing property) or not AWS's, then nothing to report", () => {
    assert.deepEqual(TagsValid.check({ resources: [res(SERVICE, "s", {}), res("random:index/randomPassword:RandomPassword", "p", { tags: { x: "%" } })] }), []);
  });
  it("given the stack under the Pulumi policy engine (props and dependencies), then the violation carries the rule id and the URN", () => {
    const policy = policyFor(packEntry("AIR-D003")!) as StackValidationPolicy;
    const reported: [string, string | undefined][] = [];
    const resources = [{ urn: "urn:pulumi:dev::p::aws:ecs/service:Service::support-agent-service", type: SERVICE, name: "support-agent-service", props: { tags: serviceTags }, dependencies: [] }];
    policy.validateStack({ resources, stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined as never } as unknown as StackValidationArgs, (m, u) => reported.push([m, u]));
    assert.deepEqual(reported, [[`AIR-D003: ${EVAL_GATE}`, "urn:pulumi:dev::p::aws:ecs/service:Service::support-agent-service"]]);
  });
});
