/**
 * The human checkpoint end to end on loopback: the runtime's own LambdaClient (SigV4 with test
 * credentials) invokes a Lambda Invoke stand-in that runs the real approval gateway handler on the
 * embedded store, and a person decides through the gateway's Slack path. What was approved runs
 * once, with exactly the approved (or edited) arguments; a second use of the receipt, from this
 * client, another client or another process, is refused by the service; rejections, timeouts and
 * refused receipts are tool results.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { APPROVAL_RECEIPT, GATEWAY_OPS, TASK_ENV } from "@airlock/core/contracts";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { createTracer, type CallRecord } from "@airlock/trace";
import { readAudit, verifyAuditLog } from "../../approvals/src/index.ts";
import { AirlockRuntimeError, approvalSpanName, createAgentRuntime, createCheckpoint, createToolGuard, type CheckpointOptions, type HumanCheckpoint, type Receipt } from "../src/index.ts";
import { aliasArn, LambdaStandIn } from "./helpers/lambda-standin.ts";
import { shippedModel } from "./helpers/model.ts";
import type { ShippedModel } from "../src/index.ts";

const execFileAsync = promisify(execFile);
const REPLAY = fileURLToPath(new URL("./helpers/replay.ts", import.meta.url));
const ARN = aliasArn("support-agent");
const FAST = { backoff: { initialMs: 5, maxMs: 40, factor: 2 } } as const;
const REPLY = { ticket: "T-1001", to: "ana@example.com", body: "Your refund was sent today." };

describe("the human checkpoint through the real gateway on loopback", () => {
  const standin = new LambdaStandIn();
  let model: ShippedModel;
  const checkpoint = (o: Partial<CheckpointOptions> = {}): HumanCheckpoint =>
    createCheckpoint({ lambda: standin.client(), env: { [TASK_ENV.approvalFunction]: ARN, [TASK_ENV.release]: "rel-42" }, deadlineMs: 5_000, ...FAST, ...o });

  before(async () => {
    model = await shippedModel();
    await standin.start([model]);
  });
  after(async () => standin.stop());

  /** Asks, and lets a person act on the request once the gateway holds it. */
  async function decided(cp: HumanCheckpoint, args: Record<string, unknown>, person: (id: string) => Promise<unknown>) {
    const asking = cp.ask("send_customer_reply", args, { traceId: "trace-1" });
    const id = await standin.nextRequest();
    await person(id);
    return { id, outcome: await asking };
  }

  test("approve: a receipt for the exact arguments, executed once; the same receipt is refused here, by another client and by another process", async () => {
    // Given a person approves the reply
    const cp = checkpoint();
    const { id, outcome } = await decided(cp, REPLY, (rid) => standin.click(rid, "airlock.approve"));
    assert.equal(outcome.ok, true);
    const receipt = (outcome as { receipt: Receipt }).receipt;
    assert.deepEqual(receipt.arguments, REPLY);
    assert.equal(receipt.argumentsHash, sha256(canonicalJson(REPLY)));
    assert.equal(receipt.requestId, id);
    assert.equal(receipt.decision, "approved");
    assert.equal(Date.parse(receipt.expiresAt) - Date.parse(receipt.decidedAt), APPROVAL_RECEIPT.ttlSeconds * 1000);
    // The invocations went to the agent's alias, signed
    for (const inv of standin.invocations) {
      assert.equal(inv.invokedFunctionArn, ARN);
      assert.match(inv.authorization ?? "", /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request/);
    }
    // When it is executed
    const sent: unknown[] = [];
    const send = (a: Readonly<Record<string, unknown>>) => {
      sent.push(a);
      return { messageId: "m-1" };
    };
    const first = await cp.execute(receipt, send);
    assert.deepEqual(first.ok && first.value, { messageId: "m-1" });
    // Then a second execution is refused: by this checkpoint, by a new client, and by a new process
    const again = await cp.execute(receipt, send);
    const other = await checkpoint().execute(JSON.parse(JSON.stringify(receipt)) as Receipt, send);
    for (const r of [again, other]) {
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, "receipt-refused");
      assert.match(!r.ok ? r.content : "", new RegExp(`^The approved call to "send_customer_reply" was not run: request ${id} was executed at .*; an approval runs once`));
    }
    // (Not spawnSync: the stand-in answers from this process's event loop.)
    const child = await execFileAsync(process.execPath, ["--import", "tsx", REPLAY, standin.url, ARN, JSON.stringify(receipt)], { encoding: "utf8", timeout: 60_000 });
    assert.doesNotMatch(child.stdout, /RAN/);
    assert.equal((JSON.parse(child.stdout.trim().split("\n").pop()!) as { reason: string }).reason, "receipt-refused");
    assert.equal(sent.length, 1, "the reply was sent once");
    const audit = (await readAudit(standin.db)).filter((a) => a.requestId === id).map((a) => a.kind);
    assert.deepEqual(audit, ["approval.requested", "approval.decided", "approval.executed", "approval.execution-refused", "approval.execution-refused", "approval.execution-refused"]);
    assert.equal((await verifyAuditLog(standin.db)).ok, true);
  });

  test("edited: the approver's arguments are what runs, and the agent's originals are refused", async () => {
    const cp = checkpoint();
    const edited = { ...REPLY, body: "Your refund of 50 EUR was sent today." };
    const { id, outcome } = await decided(cp, REPLY, (rid) => standin.edit(rid, edited));
    assert.equal(outcome.ok, true);
    const receipt = (outcome as { receipt: Receipt }).receipt;
    assert.deepEqual([receipt.decision, receipt.arguments], ["edited", edited]);
    // A receipt rebuilt with the agent's own arguments (and their hash) is refused by the service
    const forged: Receipt = { ...receipt, arguments: REPLY, argumentsHash: sha256(canonicalJson(REPLY)) };
    const refused = await cp.execute(forged, () => assert.fail("the originals must not run"));
    assert.equal(!refused.ok && refused.reason, "receipt-refused");
    assert.match(!refused.ok ? refused.content : "", new RegExp(`are not the approver's edited arguments of request ${id}`));
    let ran: unknown;
    const out = await cp.execute(receipt, (a) => (ran = a));
    assert.equal(out.ok, true);
    assert.deepEqual(ran, edited);
  });

  test("a receipt whose arguments were changed after the approval never runs them", async () => {
    // Given an approved receipt whose arguments are swapped, its hash field left as approved
    const cp = checkpoint();
    const { outcome } = await decided(cp, REPLY, (rid) => standin.click(rid, "airlock.approve"));
    const receipt = (outcome as { receipt: Receipt }).receipt;
    const tampered: Receipt = { ...receipt, arguments: { ...REPLY, to: "attacker@example.net" } };
    // Then the service is asked with the hash of what would run, and refuses it
    const r = await cp.execute(tampered, () => assert.fail("tampered arguments must not run"));
    assert.equal(!r.ok && r.reason, "receipt-refused");
    assert.equal(standin.ops(GATEWAY_OPS.consume).at(-1)?.event.argumentsHash, sha256(canonicalJson(tampered.arguments)));
    // And the approval is still usable with what was approved
    assert.equal((await cp.execute(receipt, () => "sent")).ok, true);
  });

  test("reject: a tool result the model can act on", async () => {
    const cp = checkpoint();
    const { id, outcome } = await decided(cp, REPLY, (rid) => standin.click(rid, "airlock.reject"));
    assert.deepEqual(outcome, {
      ok: false,
      reason: "rejected",
      isError: true,
      tool: "send_customer_reply",
      requestId: id,
      content: `A person (<@U0APPROVER1>) rejected the call to "send_customer_reply" (approval request ${id}); it was not run. Do not retry it; tell the user, or ask what to change.`,
    });
  });

  test("timeout: no decision before the deadline comes back with the deadline, after bounded backoff", async () => {
    // Virtual time: the clock moves only by the waits, so the deadline falls after the same waits
    // however slow the machine is (each poll is a real invocation of the gateway).
    const waits: number[] = [];
    let t = Date.now();
    const cp = checkpoint({ deadlineMs: 300, now: () => new Date(t), sleep: (ms) => (waits.push(ms), (t += ms), Promise.resolve()) });
    const outcome = await cp.ask("send_customer_reply", REPLY);
    const id = await standin.nextRequest();
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.reason, "timeout");
    assert.match(!outcome.ok ? outcome.content : "", new RegExp(`^No one decided on the call to "send_customer_reply" \\(approval request ${id}\\) before the deadline, \\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z; it was not run\\.`));
    // The waits grow from 5 ms, double, never exceed 40 ms, and stop at the deadline: 5 + 10 + 20 +
    // 40 × 6 = 275 ms, then the 25 ms left.
    assert.deepEqual(waits, [5, 10, 20, 40, 40, 40, 40, 40, 40, 25]);
    // A later approval runs nothing: nobody holds a receipt
    await standin.click(id, "airlock.approve");
    assert.equal(standin.ops(GATEWAY_OPS.consume).filter((i) => i.event.requestId === id).length, 0);
  });

  test("an approval past its lifetime is refused by the service even with a forged expiry", async () => {
    const cp = checkpoint();
    const { outcome } = await decided(cp, REPLY, (rid) => standin.click(rid, "airlock.approve"));
    const receipt = (outcome as { receipt: Receipt }).receipt;
    // The service measures the window on the database's clock (the decision's own): move the decision back past it.
    await standin.db.transaction(async (tx) => {
      await tx.query("SET LOCAL session_replication_role = replica");
      const back = `${APPROVAL_RECEIPT.ttlSeconds + 1} seconds`;
      await tx.query(`UPDATE airlock.approval_decisions SET decided_at = decided_at - interval '${back}' WHERE request_id = $1`, [receipt.requestId]);
      await tx.query(`UPDATE airlock.approval_requests SET decided_at = decided_at - interval '${back}' WHERE id = $1`, [receipt.requestId]);
    });
    const forged: Receipt = { ...receipt, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const r = await cp.execute(forged, () => assert.fail("an expired approval must not run"));
    assert.equal(!r.ok && r.reason, "receipt-refused");
    assert.match(!r.ok ? r.content : "", /expired at .*; ask again/);
    // And locally, a receipt past its own expiry is not even sent
    const before = standin.ops(GATEWAY_OPS.consume).length;
    const local = await checkpoint({ now: () => new Date(Date.parse(receipt.expiresAt) + 1) }).execute(receipt, () => assert.fail());
    assert.equal(!local.ok && local.reason, "receipt-refused");
    assert.equal(standin.ops(GATEWAY_OPS.consume).length, before);
  });

  test("a failing gateway is a tool result, never a crash", async () => {
    standin.failWith = 503;
    try {
      const r = await checkpoint().ask("send_customer_reply", REPLY);
      assert.equal(!r.ok && r.reason, "approval-unavailable");
      assert.match(!r.ok ? r.content : "", /the approval gateway could not be asked/);
    } finally {
      standin.failWith = undefined;
    }
    // The gateway's own error (an unknown tool in its model) comes back the same way
    const r = await checkpoint().ask("not_a_tool", {});
    assert.match(!r.ok ? r.content : "", /the approval gateway failed \(Unhandled\): `action\.tool`: "not_a_tool" is not a tool of agent support-agent/);
  });

  test("refuses to start without the agent's alias or the release", () => {
    assert.throws(() => createCheckpoint({ env: {} }), (e: Error) => e instanceof AirlockRuntimeError && e.message.includes(`\`${TASK_ENV.approvalFunction}\`: not set`) && e.message.includes(`\`${TASK_ENV.release}\`: not set`));
    assert.throws(() => createCheckpoint({ functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:airlock-approvals", release: "r" }), /is not a Lambda alias ARN/);
    assert.throws(() => createCheckpoint({ functionArn: `${ARN.replace(/:support-agent$/, "")}:$LATEST`, release: "r" }), /is not a Lambda alias ARN/);
  });
});

describe("the agent runtime: guard, checkpoint and trace together", () => {
  const standin = new LambdaStandIn();
  const records: CallRecord[] = [];
  let runtime: ReturnType<typeof createAgentRuntime>;

  before(async () => {
    const model = await shippedModel();
    await standin.start([model]);
    const tracer = createTracer({ agent: "support-agent", release: "rel-42", stack: "test", emf: false, onRecord: (r) => records.push(r) });
    const env = { [TASK_ENV.modelHash]: model.hash, [TASK_ENV.approvalFunction]: ARN, [TASK_ENV.release]: "rel-42" };
    runtime = createAgentRuntime({ guard: createToolGuard({ model, env, tracer }), checkpoint: createCheckpoint({ env, lambda: standin.client(), deadlineMs: 5_000, ...FAST }), tracer });
  });
  after(async () => standin.stop());

  test("an approved reply runs once, traced as the wait and the call", async () => {
    const sent: unknown[] = [];
    const calling = runtime.callTool("send_customer_reply", REPLY, (a) => (sent.push(a), "sent"));
    await standin.click(await standin.nextRequest(), "airlock.approve");
    const out = await calling;
    assert.equal(out.ok && out.value, "sent");
    assert.deepEqual(sent, [REPLY]);
    assert.deepEqual(records.slice(-2).map((r) => [r.name, r.outcome]), [
      [approvalSpanName("send_customer_reply"), "ok"],
      ["send_customer_reply", "ok"],
    ]);
  });

  test("an edit the policy would forbid does not run", async () => {
    const calling = runtime.callTool("send_customer_reply", REPLY, () => assert.fail("must not run"));
    await standin.edit(await standin.nextRequest(), { ...REPLY, to: "not-an-address" });
    const out = await calling;
    assert.equal(!out.ok && out.reason, "invalid-arguments");
    assert.match(!out.ok ? out.content : "", /^The edited arguments approved for "send_customer_reply" \(request [0-9a-f-]+\) were refused: .*`to` must match format "email"/);
  });

  test("an undeclared tool and a schema violation are refused without asking anyone", async () => {
    const before = standin.invocations.length;
    const a = await runtime.callTool("wire_money", { amount: 1e6 }, () => assert.fail());
    const b = await runtime.callTool("send_customer_reply", { ticket: "T-1", to: "ana@example.com" }, () => assert.fail());
    assert.deepEqual([!a.ok && a.reason, !b.ok && b.reason], ["undeclared-tool", "invalid-arguments"]);
    assert.match(!b.ok ? b.content : "", /`body` is required/);
    assert.equal(standin.invocations.length, before);
  });

  test("a read tool runs at once, and its own error is the tool's", async () => {
    assert.deepEqual(await runtime.callTool("read_ticket", { ticket: "T-1" }, (a) => ({ id: a.ticket })), { ok: true, value: { id: "T-1" } });
    await assert.rejects(
      runtime.callTool("read_ticket", { ticket: "T-1" }, () => {
        throw new Error("DynamoDB timed out");
      }),
      /DynamoDB timed out/,
    );
  });
});
