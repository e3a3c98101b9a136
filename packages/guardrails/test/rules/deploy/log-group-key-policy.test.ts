/**
 * AIR-D022: a log group encrypted with a KMS key of the stack has a key policy that lets
 * CloudWatch Logs use the key for that group, and waits for a separate KeyPolicy.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LogGroupKeyPolicy } from "../../../src/rules/deploy/LogGroupKeyPolicy.ts";
import { policy, res } from "./plan-shapes.ts";

const ACCOUNT = "123456789012";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/ca8b22d0-db83-a22d-b163-b560b3e4e515`;
const ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"];
const admin = { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ["kms:*"], Resource: "*" };
const logs = (Sid: string, arns: string | string[], Action: string[] = ACTIONS, region = "eu-west-1") => ({
  Sid,
  Effect: "Allow",
  Principal: { Service: `logs.${region}.amazonaws.com` },
  Action,
  Resource: "*",
  Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": arns } },
});
/** The platform's own statement for its `/airlock/` groups. */
const airlockGroups = logs("CloudWatchLogsUsesKeyForAirlockGroups", `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/airlock/*`);

const key = (props: Record<string, unknown> = { policy: policy(admin, airlockGroups) }) => res("aws:kms/key:Key", "team", props);
const group = (name: string, deps: string[] = [key().urn], props: Record<string, unknown> = {}) =>
  res("aws:cloudwatch/logGroup:LogGroup", "helpdesk-agent", { name, retentionInDays: 365, kmsKeyId: KEY_ARN, ...props }, deps);
/** A KeyPolicy naming its key by the id the plan made up (the key's id is an output). */
const keyPolicy = (doc: string) => res("aws:kms/keyPolicy:KeyPolicy", "team", { keyId: "ca8b22d0-db83-a22d-b163-b560b3e4e515", policy: doc }, [key().urn]);
const bareKey = () => key({ description: "The team's key" });
const check = (...resources: ReturnType<typeof res>[]) => LogGroupKeyPolicy.check({ resources });

describe("LogGroupKeyPolicy (AIR-D022)", () => {
  describe("compliant", () => {
    it("given the platform's own key statement (`/airlock/*`) and a `/airlock/dev/x` group, then compliant", () => {
      assert.deepEqual(check(key(), group("/airlock/dev/x")), []);
    });

    it("given a KeyPolicy with a statement for the group's exact ARN, and the group waiting for it through the key ARN it is given, then compliant", () => {
      const kp = keyPolicy(policy(admin, airlockGroups, logs("CloudWatchLogsUsesKeyForYourGroups", [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/team/helpdesk-agent`])));
      // pulumi.all([key.arn, keyPolicy.id]).apply(...) as a resource in between: the group waits for the KeyPolicy transitively.
      const keyArn = res("aws:ssm/parameter:Parameter", "team-key-arn", { value: KEY_ARN }, [key().urn, kp.urn]);
      assert.deepEqual(check(bareKey(), kp, keyArn, group("/team/helpdesk-agent", [key().urn, keyArn.urn])), []);
      // Directly, as the bring-your-own example's plan records it.
      assert.deepEqual(check(bareKey(), kp, group("/team/helpdesk-agent", [key().urn, kp.urn])), []);
    });

    it("given actions as the guide writes them (`kms:Encrypt*`, `kms:Describe*`, …) with ArnEquals on the group's ARN, then compliant", () => {
      const st = { ...logs("Logs", [], ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]), Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/team/x` } } };
      assert.deepEqual(check(key({ policy: policy(admin, st) }), group("/team/x")), []);
    });
  });

  describe("non-compliant", () => {
    it("given a key with no `policy` and no KeyPolicy (missing property: the default admits only the account), then the group is reported with the key, what is missing, the fix and the source", () => {
      const g = group("/airlock/dev/x");
      assert.deepEqual(check(bareKey(), g), [
        {
          subject: g.urn,
          message:
            "cloudwatch LogGroup `helpdesk-agent` (`/airlock/dev/x`): encrypted with kms Key `team`, whose policy (the default, which admits only the account) has no statement allowing `logs.eu-west-1.amazonaws.com`, so CloudWatch Logs cannot use the key for the group and creating it fails (AccessDeniedException: the key \"is not allowed to be used with Arn\"); add a key policy statement allowing the service principal `logs.eu-west-1.amazonaws.com` `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*` and `kms:DescribeKey` with `ArnLike` `kms:EncryptionContext:aws:logs:arn` naming the group's ARN (`arn:aws:logs:eu-west-1:123456789012:log-group:/airlock/dev/x`) (for an Airlock bring-your-own key: `requiredKeyPolicy({ …, logGroupArns })` from @airlock/pulumi) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html#cmk-permissions)",
        },
      ]);
    });

    it("given a statement for `/airlock/*` but a `/team/x` group, then reported: the condition does not match the group's ARN", () => {
      const found = check(key(), group("/team/x"));
      assert.deepEqual(found.map((f) => f.message.split(", so ")[0]), [
        "cloudwatch LogGroup `helpdesk-agent` (`/team/x`): encrypted with kms Key `team`, whose policy limits `kms:EncryptionContext:aws:logs:arn` for `logs.eu-west-1.amazonaws.com` to `arn:aws:logs:eu-west-1:123456789012:log-group:/airlock/*`, which does not match the group's ARN `arn:aws:logs:eu-west-1:123456789012:log-group:/team/x`",
      ]);
    });

    it("given another Region's principal, then reported: the service principal must be the key's Region's", () => {
      const found = check(key({ policy: policy(admin, logs("Logs", "*", ACTIONS, "us-east-1")) }), group("/airlock/dev/x"));
      assert.match(found[0]!.message, /has no statement allowing `logs\.eu-west-1\.amazonaws\.com`/);
    });

    it("given a KeyPolicy that is right but no dependency path from the group to it, then reported with how to make the group wait", () => {
      const kp = keyPolicy(policy(admin, airlockGroups));
      const g = group("/airlock/dev/x", [key().urn]);
      assert.deepEqual(check(bareKey(), kp, g), [
        {
          subject: g.urn,
          message:
            "cloudwatch LogGroup `helpdesk-agent` (`/airlock/dev/x`): encrypted with kms Key `team`, whose policy is kms KeyPolicy `team`, but the group does not wait for that KeyPolicy (directly or through what it depends on), so on a first deploy it can be created while the new key still has its default policy, which admits only the account, and creation fails (AccessDeniedException: the key \"is not allowed to be used with Arn\"); give the group (and the platform) a key ARN that resolves after the policy: `pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn)` (https://github.com/hashicorp/terraform-provider-aws/issues/29282)",
        },
      ]);
    });

    it("given a statement for the group without kms:Encrypt and the ReEncrypt actions, then the missing actions are named", () => {
      const short = logs("Logs", `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/airlock/*`, ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:ReEncryptFrom"]);
      const found = check(key({ policy: policy(admin, short) }), group("/airlock/dev/x"));
      assert.deepEqual(found.map((f) => f.message.split(", so ")[0]), [
        "cloudwatch LogGroup `helpdesk-agent` (`/airlock/dev/x`): encrypted with kms Key `team`, whose policy does not allow `logs.eu-west-1.amazonaws.com` `kms:Encrypt` and `kms:ReEncrypt*` for the group's ARN `arn:aws:logs:eu-west-1:123456789012:log-group:/airlock/dev/x`",
      ]);
    });
  });

  describe("not applicable", () => {
    it("given a log group without `kmsKeyId` (missing property) that waits for no key, then not applicable", () => {
      assert.deepEqual(check(bareKey(), group("/team/x", [], { kmsKeyId: undefined })), []);
    });

    it("given a key outside the stack (an ARN of another account nothing here depends on), then its policy is not judged", () => {
      assert.deepEqual(check(bareKey(), group("/team/x", [], { kmsKeyId: "arn:aws:kms:eu-west-1:210987654321:key/shared" })), []);
    });

    it("given an alias not in the stack, then not judged; an alias of the stack, then its key's policy is read", () => {
      assert.deepEqual(check(bareKey(), group("/team/x", [], { kmsKeyId: "alias/shared-logs" })), []);
      const alias = res("aws:kms/alias:Alias", "team-alias", { name: "alias/team/logs", targetKeyId: "ca8b22d0-db83-a22d-b163-b560b3e4e515" }, [key().urn]);
      const found = check(bareKey(), alias, group("/team/x", [alias.urn], { kmsKeyId: "alias/team/logs" }));
      // No key ARN: the Region and the group's ARN are not known, so any Region's principal is asked for.
      assert.match(found[0]!.message, /kms Key `team`, whose policy \(the default, which admits only the account\) has no statement allowing `logs\.<region>\.amazonaws\.com`/);
    });

    it("given a key policy that is a secret, then it is not judged", () => {
      assert.deepEqual(check(key({ policy: "[secret]" }), group("/team/x")), []);
    });
  });
});
