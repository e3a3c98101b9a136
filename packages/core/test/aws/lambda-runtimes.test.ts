import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { LAMBDA_RUNTIMES, lambdaRuntimeStatus, newestSupported } from "../../src/index.ts";

describe("Lambda runtimes (dated table)", () => {
  it("given nodejs20.x, then it moves through its phases on the documented dates", () => {
    assert.equal(lambdaRuntimeStatus("nodejs20.x", "2026-04-29").phase, "supported");
    assert.equal(lambdaRuntimeStatus("nodejs20.x", "2026-04-30").phase, "deprecated");
    assert.equal(lambdaRuntimeStatus("nodejs20.x", "2026-08-31").phase, "create-blocked");
    assert.equal(lambdaRuntimeStatus("nodejs20.x", new Date("2026-12-02T12:00:00Z")).phase, "update-blocked");
  });
  it("given today's date (2026-12-02), then nodejs20.x is blocked and the replacement is the newest supported Node.js", () => {
    const s = lambdaRuntimeStatus("nodejs20.x", "2026-12-02");
    assert.equal(s.replacement, "nodejs24.x");
    assert.equal(lambdaRuntimeStatus("nodejs22.x", "2026-12-02").phase, "supported");
    assert.equal(lambdaRuntimeStatus("nodejs24.x", "2026-12-02").phase, "supported");
    assert.equal(newestSupported("nodejs", "2028-05-01"), undefined);
  });
  it("given a runtime the table does not hold (missing fact), then unknown, with no guessed dates", () => {
    assert.deepEqual(lambdaRuntimeStatus("python3.13", "2026-12-02"), { runtime: "python3.13", phase: "unknown" });
  });
  it("holds each row's dates in order, each with a source", () => {
    for (const r of LAMBDA_RUNTIMES) {
      assert.ok(r.deprecation <= r.blockCreate && r.blockCreate <= r.blockUpdate, r.id);
      assert.match(r.source.url, /^https:\/\/docs\.aws\.amazon\.com\/lambda\//);
      assert.ok(r.source.quote.includes(r.id), r.id);
    }
  });
});
