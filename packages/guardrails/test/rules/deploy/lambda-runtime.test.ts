import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lambdaRuntimeSupported, LambdaRuntimeSupported } from "../../../src/rules/deploy/LambdaRuntimeSupported.ts";
import { lambdaRuntimeKnown } from "../../../src/rules/deploy/LambdaRuntimeKnown.ts";
import { check } from "../../helpers.ts";
import { ageMonitorFunction } from "./plan-shapes.ts";

const FN = "aws:lambda/function:Function";
const onPlanDay = lambdaRuntimeSupported({ now: "2026-12-02" });
const knownOnPlanDay = lambdaRuntimeKnown({ now: "2026-12-02" });

describe("LambdaRuntimeSupported (AIR-D001)", () => {
  it("given today's age monitor (nodejs20.x) on 2026-12-02, then it is reported with the dates and the replacement", async () => {
    assert.deepEqual(await check(onPlanDay, FN, ageMonitorFunction), {
      status: "non-compliant",
      messages: [
        "Lambda function `airlock-acme-agents-secret-age`: `runtime` `nodejs20.x` was deprecated on 2026-04-30; AWS blocks creating functions on it from 2026-08-31 and updating them from 2026-09-30, so AWS refuses to create or update it; set `runtime` to `nodejs24.x` (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html)",
      ],
    });
  });
  it("given the same function between block-create and block-update, then only creation is refused", async () => {
    const r = await check(lambdaRuntimeSupported({ now: "2026-09-01" }), FN, ageMonitorFunction);
    assert.match(r.status === "non-compliant" ? r.messages[0]! : "", /so AWS refuses to create it; set `runtime` to `nodejs24.x`/);
  });
  it("given nodejs24.x or nodejs22.x, then compliant; the pack's instance uses the current date", async () => {
    assert.deepEqual(await check(onPlanDay, FN, { ...ageMonitorFunction, runtime: "nodejs24.x" }), { status: "compliant" });
    assert.deepEqual(await check(onPlanDay, FN, { ...ageMonitorFunction, runtime: "nodejs22.x" }), { status: "compliant" });
    assert.equal((await check(LambdaRuntimeSupported, FN, { runtime: "nodejs24.x" })).status, "compliant");
  });
  it("given no runtime (an image function, missing property) or a secret, then not applicable", async () => {
    assert.deepEqual(await check(onPlanDay, FN, { packageType: "Image" }), { status: "not-applicable" });
    assert.deepEqual(await check(onPlanDay, FN, { runtime: "[secret]" }), { status: "not-applicable" });
  });
});

describe("LambdaRuntimeKnown (AIR-D002, warning)", () => {
  it("given a runtime not in the table, then it warns that its dates are unchecked", async () => {
    assert.deepEqual(await check(knownOnPlanDay, FN, { name: "f", runtime: "python3.13" }), {
      status: "non-compliant",
      messages: [
        "Lambda function `f`: `runtime` `python3.13` is not in Airlock's dated runtime table (nodejs24.x, nodejs22.x, nodejs20.x, nodejs18.x, nodejs16.x), so its deprecation dates are unchecked; check https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html and add it to LAMBDA_RUNTIMES",
      ],
    });
  });
  it("given a deprecated runtime still creatable, then it warns with the block-create date", async () => {
    assert.deepEqual(await check(lambdaRuntimeKnown({ now: "2026-05-01" }), FN, ageMonitorFunction), {
      status: "non-compliant",
      messages: [
        "Lambda function `airlock-acme-agents-secret-age`: `runtime` `nodejs20.x` is deprecated since 2026-04-30 (no more security patches) and AWS blocks creating functions on it from 2026-08-31; set `runtime` to `nodejs24.x` (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html)",
      ],
    });
  });
  it("given a supported runtime, then compliant; a blocked one is AIR-D001's, not a warning; no runtime, not applicable", async () => {
    assert.deepEqual(await check(knownOnPlanDay, FN, { runtime: "nodejs24.x" }), { status: "compliant" });
    assert.deepEqual(await check(knownOnPlanDay, FN, ageMonitorFunction), { status: "compliant" });
    assert.deepEqual(await check(knownOnPlanDay, FN, {}), { status: "not-applicable" });
  });
});
