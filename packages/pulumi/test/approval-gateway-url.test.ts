/**
 * The approval gateway as deployed: its public function URL's resource-policy statements (both
 * required since October 2025, https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { Recording } from "../src/plan/record.ts";
import { all, exampleModel, find, recordDeployment } from "./harness.ts";

const T = {
  fn: "aws:lambda/function:Function",
  url: "aws:lambda/functionUrl:FunctionUrl",
  permission: "aws:lambda/permission:Permission",
};

describe("ApprovalGateway: Slack reaches the function URL", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel());
  });

  it("grants the public both lambda:InvokeFunctionUrl (auth type NONE) and lambda:InvokeFunction via the URL, on the function itself", () => {
    const fn = find(rec, T.fn, "platform-approvals-function");
    const pub = all(rec, T.permission).filter((p) => p.inputs.principal === "*");
    assert.deepEqual(
      pub.map((p) => [p.name, p.inputs]),
      [
        ["platform-approvals-url-invoke", { action: "lambda:InvokeFunction", function: fn.inputs.name, invokedViaFunctionUrl: true, principal: "*" }],
        ["platform-approvals-url-invoke-url", { action: "lambda:InvokeFunctionUrl", function: fn.inputs.name, functionUrlAuthType: "NONE", principal: "*" }],
      ],
    );
    // Unqualified, like the URL: the agents' aliases are never opened to the public.
    const url = find(rec, T.url, "platform-approvals-url");
    assert.deepEqual(url.inputs, { authorizationType: "NONE", functionName: fn.inputs.name, invokeMode: "BUFFERED" });
    for (const p of pub) assert.equal(p.inputs.qualifier, undefined);
  });

  it("creates the URL only once the function's policy lets the public in, so Slack's first click is not a 403", () => {
    const url = find(rec, T.url, "platform-approvals-url");
    for (const name of ["platform-approvals-url-invoke", "platform-approvals-url-invoke-url"]) {
      assert.ok(url.dependsOn.includes(find(rec, T.permission, name).urn), `${name} in ${url.dependsOn.join(", ")}`);
    }
  });
});

describe("ApprovalGateway: reserved concurrency", () => {
  const approvals = (extra: Record<string, unknown>) => ({ agents: { "support-agent": { slack: { channelId: "C0APPROVALS", approverIds: ["U0APPROVER1"] } } }, ...extra });

  it("reserves 10 executions by default, none when told (accounts whose quota is below 110), and refuses a bad number before any resource", async () => {
    const model = await exampleModel();
    const reserved = (rec: Recording) => find(rec, T.fn, "platform-approvals-function").inputs.reservedConcurrentExecutions;
    assert.equal(reserved(await recordDeployment(model)), 10);
    assert.equal(reserved(await recordDeployment(model, { platform: { approvals: approvals({ reservedConcurrency: "none" }) as never } })), undefined);
    assert.equal(reserved(await recordDeployment(model, { platform: { approvals: approvals({ reservedConcurrency: 3 }) as never } })), 3);
    await assert.rejects(recordDeployment(model, { platform: { approvals: approvals({ reservedConcurrency: 0 }) as never } }), {
      message: '`approvals.reservedConcurrency`: give a whole number of executions from 1 to 1000, or "none" in an account whose concurrency quota is below 110',
    });
  });
});
