/**
 * One Slack user-id shape: the service's approver check and the gateway's route check both use
 * `SLACK_USER_ID` from slack-ids.ts. The service once had a looser copy (`[UW][A-Z0-9]{2,}`) that
 * took short names in capitals ("UBOB", "WENDY") for user ids the Pulumi side and the gateway refuse.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalError, ApprovalService, type ApprovalModel, type Database, type SlackApi } from "../src/index.ts";
import { SLACK_USER_ID } from "../src/slack/slack-ids.ts";

function serviceWith(approver: string): ApprovalService {
  return new ApprovalService({
    db: {} as Database, // the configuration is checked before the store is touched
    model: { name: "support-agent", tools: [], riskLines: [] } as unknown as ApprovalModel,
    release: "rel-1",
    slack: { client: {} as SlackApi, channel: "C0APPROVALS", approvers: [approver] },
  });
}

describe("Slack user ids", () => {
  test("the service refuses the short ids its old pattern took and slack-ids.ts refuses", () => {
    // Given ids of 2 to 5 characters after U or W: names in capitals rather than the U… id
    for (const id of ["U12", "UBOB", "WENDY", "U0ABCD"]) {
      assert.equal(SLACK_USER_ID.test(id), false, id);
      // When a service is configured with one as its approver, then it is refused, naming the field
      assert.throws(
        () => serviceWith(id),
        (e: unknown) =>
          e instanceof ApprovalError &&
          e.message === `invalid approval service configuration:\n  \`slack.approvers[0]\`: "${id}" is not a Slack user id; use the U… id from the user's profile, not a name`,
        id,
      );
    }
  });

  test("the service takes exactly the user ids slack-ids.ts takes", () => {
    // Given ids on both sides of the shape
    for (const id of ["U0APPROVER1", "W0ENTERPRISE", "U0123ABC", "U0123AB", "U012AB", "C0123ABCD", "u0123abcd", "U0123 ABCD", "alice", ""]) {
      // When a service is configured with it, then it is accepted exactly when SLACK_USER_ID accepts it
      let accepted = true;
      try {
        serviceWith(id);
      } catch (e) {
        if (!(e instanceof ApprovalError)) throw e;
        accepted = false;
      }
      assert.equal(accepted, SLACK_USER_ID.test(id), id);
    }
  });
});
