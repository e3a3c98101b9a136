/** The permission map (what `airlock plan` prints per agent) shows each tool's input, its conditions and the Cedar text. */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "../../src/compile/compile.ts";
import { renderPermissionMap } from "../../src/plan/permission-map.ts";
import { EXAMPLE_DIR, exampleManifest } from "../fixtures.ts";

describe("permission map: inputs and conditions", () => {
  it("given the example, when rendered, then each tool lists its arguments and the conditions that apply to it, and the policy set follows", async () => {
    const text = renderPermissionMap(await compile(exampleManifest(), { baseDir: EXAMPLE_DIR }));
    const refund = text.slice(text.indexOf("  issue_refund ["), text.indexOf("  read_ticket ["));
    assert.match(refund, /\n {4}input: ticket_id \(string, pattern \^T-\[0-9\]\{1,10\}\$, required\), order_id \(string, pattern \^\[A-Z\]-\[0-9\]\{1,10\}\$, required\), amount_cents \(integer, ≥ 1, required\), reason \(string, required\)\n/);
    assert.match(refund, /\n {4}when amount_cents > 10000 → FORBID {2}\(billing\.refund\.when\[0\]\)\n/);
    const reply = text.slice(text.indexOf("  send_customer_reply ["), text.indexOf("  egress (443):"));
    assert.match(reply, /\n {4}when to ends with "@acme\.example\.com" → ALLOW {2}\(customer\.reply\.when\[0\]\)\n/);
    assert.doesNotMatch(text.slice(text.indexOf("  read_ticket ["), text.indexOf("  record_reply [")), /when /);
    const cedar = text.slice(text.indexOf("  argument policies (Cedar"));
    assert.match(cedar, /^ {2}argument policies \(Cedar, evaluated on every call of these tools; deny wins, an error denies\):\n {4}@id\("billing\.refund\.when\[0\]"\)\n {4}@decision\("forbid"\)\n/);
    assert.match(cedar, /\n {4}when \{ context\.to like "\*@acme\.example\.com" \};$/);
  });

  it("given a manifest without conditions, when rendered, then there is no policy section", async () => {
    const m = exampleManifest();
    for (const l of Object.values(m.riskLines) as Record<string, unknown>[]) delete l.when;
    const text = renderPermissionMap(await compile(m, { baseDir: EXAMPLE_DIR }));
    assert.doesNotMatch(text, /argument policies|\n {4}when /);
  });
});
