/**
 * EC2 refuses a security group or rule description over 255 characters or with any character
 * outside a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (CreateSecurityGroup, IpRange,
 * Ipv6Range; prefix lists and group pairs also refuse `&`), at `pulumi up`. The opt-out reason is
 * free text from the manifest: it must come out valid in the planned egress rule, keeping its words
 * and still readable as the reason AIR-G020 looks for.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, it } from "node:test";
import { checkEc2Description, compile, parseYaml, type Ec2DescriptionTarget } from "@airlock/core";
import { all, EXAMPLE_MANIFEST, find, recordDeployment } from "./harness.ts";

/** CreateSecurityGroup / IpRange / Ipv6Range: 255 characters of this set. */
const IP_RANGE_DESCRIPTION = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
const OPT_OUT = "OPT-OUT anyIpOn443 (DNS firewall only): ";
const START = `vendor's "edge" IPs rotate 100% <daily> — café 🙈\nsee ticket OPS-7; `;
/** 400 characters of what people write in a reason: quotes, %, <>, accents, emoji, a newline. */
const REASON = `${START}${"pinned by the DNS firewall ".repeat(20)}`.slice(0, 400);

async function optedOutModel(reason: string) {
  const raw = parseYaml(readFileSync(EXAMPLE_MANIFEST, "utf8"), EXAMPLE_MANIFEST) as { egress: Record<string, unknown> };
  raw.egress.anyIpOn443 = { reason };
  return compile(raw, { baseDir: dirname(EXAMPLE_MANIFEST), source: EXAMPLE_MANIFEST });
}

/** The EC2 targets an inline rule's description is sent on. */
function targetsOf(rule: Record<string, unknown>): Ec2DescriptionTarget[] {
  const has = (k: string) => rule[k] !== undefined && !(Array.isArray(rule[k]) && (rule[k] as unknown[]).length === 0);
  return [
    ...(has("cidrBlocks") ? (["ipRange"] as const) : []),
    ...(has("ipv6CidrBlocks") ? (["ipv6Range"] as const) : []),
    ...(has("prefixListIds") ? (["prefixListId"] as const) : []),
    ...(has("securityGroups") || rule.self === true ? (["userIdGroupPair"] as const) : []),
  ];
}

describe("security group descriptions EC2 accepts", () => {
  it("given an opt-out reason of 400 characters full of ' \" % < > é 🙈 and a newline, then the planned egress rule's description is valid and keeps the words", async () => {
    assert.equal(REASON.length, 400);
    const model = await optedOutModel(REASON);
    assert.equal(model.egress.anyIpOn443?.reason, REASON.trim());
    const rec = await recordDeployment(model);
    const sg = find(rec, "aws:ec2/securityGroup:SecurityGroup", "support-agent-agent");
    const open = (sg.inputs.egress as Record<string, unknown>[]).filter((r) => (r.cidrBlocks as string[] | undefined)?.includes("0.0.0.0/0"));
    assert.equal(open.length, 1);
    const description = open[0]!.description as string;
    assert.match(description, IP_RANGE_DESCRIPTION);
    assert.equal(description.length, 255);
    assert.ok(description.startsWith(`${OPT_OUT}vendors edge IPs rotate 100 percent (daily) - cafe see ticket OPS-7; pinned by the DNS firewall pinned`), description);
    assert.ok(!description.endsWith(" "));
  });

  it("given the same reason, then every security group and every inline rule of the plan has a description EC2 accepts on each of its targets", async () => {
    const rec = await recordDeployment(await optedOutModel(REASON));
    const problems: string[] = [];
    for (const sg of all(rec, "aws:ec2/securityGroup:SecurityGroup")) {
      problems.push(...checkEc2Description(sg.inputs.description, ["securityGroup"]).map((m) => `${sg.name}: ${m}`));
      for (const dir of ["ingress", "egress"] as const) {
        ((sg.inputs[dir] as Record<string, unknown>[] | undefined) ?? []).forEach((rule, i) => {
          problems.push(...checkEc2Description(rule.description, targetsOf(rule), `${dir}[${i}].description`).map((m) => `${sg.name}: ${m}`));
        });
      }
    }
    assert.deepEqual(problems, []);
  });
});
