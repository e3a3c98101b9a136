/**
 * The argument checks hold on every path into the service, not only behind the gateway: a caller
 * that builds `ApprovalService` itself (a program of its own, Socket Mode, a test harness) gets the
 * same refusal for arguments nested deeper than 64 levels and for text the store cannot keep as it
 * is (U+0000, lone UTF-16 surrogates, in values and in keys), and nothing is stored or audited.
 * Before, only the gateway's handler checked: the service altered the text to U+FFFD (approvers saw
 * something else than the tool would run) and a hostile depth overflowed the stack.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalError, ApprovalService, readAudit } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const nested = (depth: number): Record<string, unknown> => {
  let v: Record<string, unknown> = { leaf: "x" };
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
};

describe("the service's own argument checks", () => {
  const slack = new SlackReceiver();
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let service: ApprovalService;
  before(async () => {
    store = await freshPglite();
    service = new ApprovalService({ db: store.db, model: await testModel(), release: "rel-1", slack: { client: slack.client(await slack.start()), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} });
  });
  after(async () => {
    await slack.stop();
    await store.dispose();
  });
  const stored = async () => ({
    requests: Number((await store.db.query<{ n: string | number }>("SELECT count(*) AS n FROM airlock.approval_requests")).rows[0]!.n),
    audit: (await readAudit(store.db)).length,
    posts: slack.callsTo("chat.postMessage").length,
  });

  test("given arguments too deep or with unstorable text, when a caller asks the service directly, then each is refused naming the field, and nothing is stored, audited or posted", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [nested(65), "`action.arguments`: nests deeper than 64 levels; pass flatter arguments"],
      [nested(20_000), "`action.arguments`: nests deeper than 64 levels; pass flatter arguments"],
      [{ ticket: "T-1", body: "a\u0000b" }, "`action.arguments.body`: holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
      [{ ticket: "T-1", list: [{ to: "x\uD800" }] }, "`action.arguments.list.0.to`: holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
      [{ ticket: "T-1", "to\uDC00": "a", "to\uFFFD": "b" }, "`action.arguments`: a key holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
    ];
    const before = await stored();
    for (const [args, message] of cases) {
      await assert.rejects(service.requestApproval({ tool: "send_customer_reply", arguments: args }), (e: unknown) => {
        assert.ok(e instanceof ApprovalError, `not an ApprovalError: ${String(e)}`);
        assert.equal(e.message, message);
        return true;
      });
    }
    assert.deepEqual(await stored(), before);
  });

  test("given a pending request, when a caller decides `edited` with unstorable or too deep arguments, then it is refused naming `editedArguments` and the request stays pending", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-2", body: "Hello." } });
    if (r.status !== "pending") return assert.fail("not pending");
    const cases: [Record<string, unknown>, string][] = [
      [{ ticket: "T-2", body: "Hel\u0000lo." }, "`editedArguments.body`: holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
      [nested(65), "`editedArguments`: nests deeper than 64 levels; pass flatter arguments"],
    ];
    for (const [editedArguments, message] of cases) {
      await assert.rejects(service.decide({ requestId: r.id, decision: "edited", actor: APPROVER, via: "api", editedArguments }), { name: "ApprovalError", message });
    }
    assert.equal((await service.getRequest(r.id))?.status, "pending");
    assert.equal(await service.getDecision(r.id), undefined);
  });
});
