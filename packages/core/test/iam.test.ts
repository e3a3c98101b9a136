/** The IAM dataset helpers: which resource types an action takes an ARN as. */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { actionFacts, actionTakesResource, resourceTypesOf } from "../src/iam/dataset.ts";

describe("actionTakesResource", () => {
  it("takes a Lambda alias or version ARN wherever the action takes the function (Lambda's documented rule)", async () => {
    const invoke = (await actionFacts("lambda:InvokeFunction"))!;
    const alias = "arn:aws:lambda:us-east-1:123456789012:function:airlock-acme-approvals:support-agent";
    // The dataset lists a qualified ARN as an alias or version (the templates cannot tell them apart), and InvokeFunction as taking `function` only…
    assert.deepEqual(await resourceTypesOf("lambda", alias), ["function alias", "function version"]);
    assert.deepEqual(invoke.resourceTypes.map((t) => t.name), ["function"]);
    // …but Lambda authorizes an action on a function by its function, version or alias ARN.
    assert.equal(await actionTakesResource(invoke, alias), true);
    assert.equal(await actionTakesResource(invoke, "arn:aws:lambda:us-east-1:123456789012:function:airlock-acme-approvals:7"), true);
    assert.equal(await actionTakesResource(invoke, "arn:aws:lambda:us-east-1:123456789012:function:airlock-acme-approvals"), true);
  });

  it("still refuses ARNs of other types, in Lambda and elsewhere", async () => {
    const invoke = (await actionFacts("lambda:InvokeFunction"))!;
    assert.equal(await actionTakesResource(invoke, "arn:aws:lambda:us-east-1:123456789012:layer:shared:3"), false);
    const query = (await actionFacts("dynamodb:Query"))!;
    assert.equal(await actionTakesResource(query, "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i"), true);
    const getItem = (await actionFacts("dynamodb:GetItem"))!;
    // An index is not a table: the most specific type still wins outside the documented equivalence.
    assert.equal(await actionTakesResource(getItem, "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i"), false);
  });
});
