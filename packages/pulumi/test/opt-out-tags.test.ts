/**
 * The opt-outs the components accept are written on the resources, so the policy pack sees them in
 * `pulumi preview --policy-pack` (resources only, no compiled models) as it does in `airlock plan`:
 * `privateRoutes[].managedElsewhere` as `airlock:route-elsewhere:<cidr>` = reason on the platform's
 * VPC, a tool's `allowWildcard.reason` as `airlock:wildcard:<Sid>` = reason on the task role. A tag
 * the components would never write (a range not declared, a blank reason, another Sid, another
 * resource) changes nothing: the pack still fails the stack.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { AgentModel, Finding, PlanDocument, PlannedResource } from "@airlock/core";
import { evaluatePlan, ROUTE_ELSEWHERE_TAG_PREFIX as PACK_ROUTE_PREFIX, WILDCARD_REASON_TAG_PREFIX as PACK_WILDCARD_PREFIX } from "@airlock/guardrails";
import type { Recording } from "../src/plan/record.ts";
import { privateRoutesVia, ROUTE_ELSEWHERE_TAG_PREFIX } from "../src/platform/index.ts";
import { WILDCARD_REASON_TAG_PREFIX, wildcardReasonTags } from "../src/agent/agent-deployment.ts";
import { all, exampleModel, find, modelOf, recordDeployment, TEST_TRANSIT_GATEWAY, type DeployOptions } from "./harness.ts";

const VPC = "aws:ec2/vpc:Vpc";
const ROLE = "aws:iam/role:Role";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const BILLING = "10.20.8.0/24";
const ROUTE_REASON = "the network team keeps this route (NET-142) on the shared transit gateway";
const ARCHIVE_REASON = "one archive table per month, named by the month (ARCH-7) & kept 100% read-only";
/** A reason already in tag form, for forged tags (so only the forgery is wrong). */
const TAG_REASON = "one archive table per month named by the month";

type Mutable = PlannedResource & { inputs: Record<string, any> };

/** The pack over a recording as `pulumi preview` runs it: resources only, no compiled models. */
function preview(resources: readonly PlannedResource[]): Promise<Finding[]> {
  return evaluatePlan({ resources, agents: [] } as unknown as PlanDocument);
}

/** The pack over a recording as `airlock plan` runs it: with the compiled models. */
function offline(rec: Recording, resources: readonly PlannedResource[] = rec.resources): Promise<Finding[]> {
  return evaluatePlan({ resources, agents: rec.agents } as unknown as PlanDocument);
}

const rules = (fs: readonly Finding[], severity: Finding["severity"]) => fs.filter((f) => f.severity === severity).map((f) => f.rule);
const show = (fs: readonly Finding[]) => JSON.stringify(fs.filter((f) => f.severity !== "info"), null, 1);
const tagsOf = (r: PlannedResource) => (r.inputs.tags ?? {}) as Record<string, string>;
const withPrefix = (tags: Record<string, string>, prefix: string) => Object.fromEntries(Object.entries(tags).filter(([k]) => k.startsWith(prefix)));
const copy = (rec: Recording) => structuredClone(rec.resources) as Mutable[];
const vpcOf = (rs: Mutable[]) => rs.find((r) => r.type === VPC)!;
const taskRoleOf = (rs: Mutable[]) => rs.find((r) => r.type === ROLE && r.inputs.tags?.["airlock:role"] === "task")!;

describe("the opt-out tags match what the pack reads", () => {
  it("given the components' tag prefixes, then they are the pack's", () => {
    assert.equal(ROUTE_ELSEWHERE_TAG_PREFIX, PACK_ROUTE_PREFIX);
    assert.equal(WILDCARD_REASON_TAG_PREFIX, PACK_WILDCARD_PREFIX);
  });
});

describe("privateRoutes[].managedElsewhere on the platform's VPC", () => {
  let model: AgentModel;
  let elsewhere: Recording;
  let routed: Recording;
  before(async () => {
    model = await exampleModel();
    elsewhere = await recordDeployment(model, { platform: { privateRoutes: privateRoutesVia([model], { managedElsewhere: { reason: `  ${ROUTE_REASON}  ` } }) } });
    routed = await recordDeployment(model);
  });

  it("given a route kept elsewhere, then the VPC is tagged `airlock:route-elsewhere:<cidr>` = the reason as a tag value, the CIDR as written, and no route table carries it", () => {
    const vpc = find(elsewhere, VPC, "platform-vpc");
    assert.deepEqual(withPrefix(tagsOf(vpc), "airlock:route-elsewhere:"), { [`airlock:route-elsewhere:${BILLING}`]: "the network team keeps this route NET-142 on the shared transit gateway" });
    // The platform's other tags are untouched.
    assert.equal(tagsOf(vpc).Name, "platform");
    assert.equal(tagsOf(vpc)["airlock:platform"], "platform");
    for (const t of all(elsewhere, ROUTE_TABLE)) assert.ok(!JSON.stringify(t.inputs.routes ?? []).includes(BILLING), t.name);
  });

  it("given a route kept elsewhere on the VPC the platform creates, then the plan says it cannot exist there (AIR-I105, info) with the reason", () => {
    assert.deepEqual(
      elsewhere.findings.filter((f) => f.rule === "AIR-I105"),
      [
        {
          rule: "AIR-I105",
          severity: "info",
          subject: "platform platform: privateRoutes[0]",
          message: `\`privateRoutes[0].managedElsewhere\` (${BILLING}) is on the VPC this platform creates: that VPC is brand new and its private route tables set inline \`routes\`, which Pulumi owns whole, so no route to ${BILLING} kept elsewhere can exist in them and traffic there does not arrive. Accepted as a stand-in (the plan of a bare agent.yaml declares the manifest's private ranges so) and tagged on the VPC as \`airlock:route-elsewhere:${BILLING}\` (AIR-D021); to deploy, give \`transitGatewayId\` or \`vpcPeeringConnectionId\`, or deploy into the network that has the route (\`network\`). Reason: ${ROUTE_REASON}`,
        },
      ],
    );
  });

  it("given a route kept elsewhere, then the pack in a preview (no models) and offline reports no error, and AIR-D021 quotes the reason", async () => {
    for (const findings of [await preview(elsewhere.resources), await offline(elsewhere)]) {
      assert.deepEqual(rules(findings, "error"), [], show(findings));
      const d021 = findings.filter((f) => f.rule === "AIR-D021");
      assert.equal(d021.length, 1, show(findings));
      assert.match(d021[0]!.message, /over a route to 10\.20\.8\.0\/24 kept outside this stack \(`privateRoutes\[\]\.managedElsewhere`\): the network team keeps this route NET-142 on the shared transit gateway;/);
    }
  });

  it("given routes to a transit gateway (no opt-out), then the VPC has no route-elsewhere tag and the plan no AIR-I105", () => {
    assert.deepEqual(withPrefix(tagsOf(find(routed, VPC, "platform-vpc")), "airlock:route-elsewhere:"), {});
    assert.deepEqual(routed.findings.filter((f) => f.rule === "AIR-I105"), []);
  });

  it("given an existing network with a route kept elsewhere, then no VPC is made, nothing is tagged and no AIR-I105 (the route can exist there)", async () => {
    const rec = await recordDeployment(model, {
      platform: {
        network: { vpcId: "vpc-0123456789abcdef0", vpcCidr: "10.40.0.0/16", privateSubnetIds: ["subnet-a", "subnet-b"], privateRouteTableIds: ["rtb-a", "rtb-b"] },
        privateRoutes: privateRoutesVia([model], { managedElsewhere: { reason: ROUTE_REASON } }),
      },
    });
    assert.deepEqual(all(rec, VPC), []);
    assert.deepEqual(rec.resources.filter((r) => Object.keys(tagsOf(r)).some((k) => k.startsWith("airlock:route-elsewhere:"))).map((r) => r.name), []);
    assert.deepEqual(rec.findings.filter((f) => f.rule === "AIR-I105"), []);
  });

  // --- forged and broken tags: the route really is missing ---------------------------------------

  /** The routed plan with the transit gateway routes gone (the billing range unreachable) and `tag` applied. */
  async function missingRoute(tag: (rs: Mutable[]) => void): Promise<Finding[]> {
    const rs = copy(routed);
    for (const t of rs.filter((r) => r.type === ROUTE_TABLE)) if (Array.isArray(t.inputs.routes)) t.inputs.routes = t.inputs.routes.filter((r: any) => r.transitGatewayId === undefined);
    tag(rs);
    return preview(rs);
  }

  it("given the routes removed and no tag, then AIR-D018 fails the stack (the baseline the forgeries are measured against)", async () => {
    assert.deepEqual(rules(await missingRoute(() => {}), "error"), ["AIR-D018"]);
  });

  for (const [what, cidr] of [
    ["a range that does not hold the rule's (10.99.0.0/16)", "10.99.0.0/16"],
    ["a narrower range than the rule's (10.20.8.0/25)", "10.20.8.0/25"],
    ["a key that is not a CIDR", "billing-api"],
  ] as const) {
    it(`given the routes removed and the VPC tagged with a reasoned route kept elsewhere for ${what}, then AIR-D018 still fails the stack`, async () => {
      const findings = await missingRoute((rs) => {
        const vpc = vpcOf(rs);
        vpc.inputs.tags = { ...vpc.inputs.tags, [`airlock:route-elsewhere:${cidr}`]: ROUTE_REASON };
      });
      assert.deepEqual(rules(findings, "error"), ["AIR-D018"], show(findings));
      assert.deepEqual(findings.filter((f) => f.rule === "AIR-D021"), []);
    });
  }

  it("given the routes removed and the right tag on the agent's security group instead of the VPC, then AIR-D018 still fails the stack", async () => {
    const findings = await missingRoute((rs) => {
      const sg = rs.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.inputs.tags?.Name === "support-agent-agent")!;
      sg.inputs.tags = { ...sg.inputs.tags, [`airlock:route-elsewhere:${BILLING}`]: ROUTE_REASON };
    });
    assert.deepEqual(rules(findings, "error"), ["AIR-D018"], show(findings));
  });

  for (const [what, reason] of [
    ["empty", ""],
    ["blank", "     "],
    ["too short", "  NET-142 "],
  ] as const) {
    it(`given the routes removed and the VPC tagged for the rule's range with a reason that is ${what}, then AIR-D018 still fails the stack and says the tag gives no reason`, async () => {
      const findings = await missingRoute((rs) => {
        const vpc = vpcOf(rs);
        vpc.inputs.tags = { ...vpc.inputs.tags, [`airlock:route-elsewhere:${BILLING}`]: reason };
      });
      assert.deepEqual(rules(findings, "error"), ["AIR-D018"], show(findings));
      const d018 = findings.find((f) => f.rule === "AIR-D018")!;
      assert.ok(d018.message.includes(`the VPC's \`airlock:route-elsewhere:${BILLING}\` tag gives no reason (${JSON.stringify(reason)}), so it does not count`), d018.message);
    });
  }

  // --- validation: before any resource ---------------------------------------------------------

  it("given a reason that keeps fewer than 10 characters as a tag value, then the platform refuses it, naming the field", async () => {
    await assert.rejects(recordDeployment(model, { platform: { privateRoutes: [{ cidr: BILLING, managedElsewhere: { reason: "«»«»«»«»«» ok!" } }] } }), {
      message:
        "`privateRoutes[0].managedElsewhere.reason`: the reason is written on a tag as \"ok\" (tag values keep letters, digits, spaces and _ . : / = + - @ only), shorter than the 10 characters the guardrails ask of a reason; reword it in words a reviewer can judge",
    });
  });

  /** `n` routes kept elsewhere: the billing range, then other /24s. */
  const routesElsewhere = (n: number) => [
    { cidr: BILLING, managedElsewhere: { reason: ROUTE_REASON } },
    ...Array.from({ length: n - 1 }, (_, i) => ({ cidr: `10.21.${i}.0/24`, managedElsewhere: { reason: ROUTE_REASON } })),
  ];
  /** 38 caller tags: the most `tags` takes. With airlock:platform, airlock:managed-by and Name the VPC has 41. */
  const callerTags = Object.fromEntries(Array.from({ length: 38 }, (_, i) => [`team:tag-${i}`, "x"]));

  it("given routes kept elsewhere that fill the VPC's 50 tags exactly, then the VPC carries all 50", async () => {
    const rec = await recordDeployment(model, { platform: { tags: callerTags, privateRoutes: routesElsewhere(9) } });
    const tags = tagsOf(find(rec, VPC, "platform-vpc"));
    assert.equal(Object.keys(tags).length, 50);
    assert.equal(Object.keys(withPrefix(tags, "airlock:route-elsewhere:")).length, 9);
  });

  it("given one route kept elsewhere more than the VPC's tags allow, then the platform refuses before any resource, naming `privateRoutes`", async () => {
    await assert.rejects(recordDeployment(model, { platform: { tags: callerTags, privateRoutes: routesElsewhere(10) } }), {
      message:
        "`privateRoutes`: the VPC would carry 51 tags, 41 of its own and 10 for routes kept elsewhere (`managedElsewhere`: one tag `airlock:route-elsewhere:<cidr>` each); EC2 allows 50 per resource, so drop 1 (fewer opt-outs, or fewer `tags`)",
    });
  });

  it("given 47 routes kept elsewhere and no caller tags, then the VPC's 50 tags fit (AIR-D003 stays quiet); 48 are refused", async () => {
    const rec = await recordDeployment(model, { platform: { privateRoutes: routesElsewhere(47) } });
    const findings = await preview(rec.resources);
    assert.deepEqual(findings.filter((f) => f.rule === "AIR-D003"), []);
    assert.equal(Object.keys(tagsOf(find(rec, VPC, "platform-vpc"))).length, 50);
    await assert.rejects(recordDeployment(model, { platform: { privateRoutes: routesElsewhere(48) } }), { message: /^`privateRoutes`: the VPC would carry 51 tags, 3 of its own and 48 for routes kept elsewhere .*; EC2 allows 50 per resource, so drop 1 / });
  });

  it("given a transit gateway route and a route kept elsewhere, then only the latter is tagged and only the former is routed", async () => {
    const rec = await recordDeployment(model, {
      platform: { privateRoutes: [{ cidr: BILLING, transitGatewayId: TEST_TRANSIT_GATEWAY }, { cidr: "10.30.0.0/16", managedElsewhere: { reason: ROUTE_REASON } }] },
    });
    assert.deepEqual(Object.keys(withPrefix(tagsOf(find(rec, VPC, "platform-vpc")), "airlock:route-elsewhere:")), ["airlock:route-elsewhere:10.30.0.0/16"]);
    assert.deepEqual(rec.findings.filter((f) => f.rule === "AIR-I105").map((f) => f.subject), ["platform platform: privateRoutes[1]"]);
  });
});

/** An agent with a reasoned wildcard (the monthly archive tables) and a tool without one. */
function archiveManifest(reason: string | undefined = ARCHIVE_REASON) {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "archive-agent",
      owner: "data@example.com",
      image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/archive-agent@sha256:${"c".repeat(64)}` },
      model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" },
    },
    tools: [
      {
        name: "read_archive",
        description: "Reads tickets from the monthly archive tables.",
        access: "read",
        ...(reason !== undefined ? { allowWildcard: { reason } } : {}),
        aws: [
          { service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-archive-*"] },
          { service: "dynamodb", actions: ["dynamodb:Query"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-archive-current"] },
        ],
      },
      {
        name: "read_current",
        description: "Reads the current ticket table.",
        access: "read",
        aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] }],
      },
    ],
  };
}

describe("allowWildcard.reason on the agent's task role", () => {
  let model: AgentModel;
  let rec: Recording;
  before(async () => {
    model = await modelOf(archiveManifest());
    rec = await recordDeployment(model);
  });

  it("given a tool with a reasoned wildcard, then the task role is tagged `airlock:wildcard:<Sid>` = the reason as a tag value for its wildcard statement only", () => {
    const sids = model.taskRoleStatements.map((s) => s.Sid);
    assert.deepEqual(sids, ["ReadArchiveDynamodb0", "ReadArchiveDynamodb1", "ReadCurrentDynamodb0"]);
    const role = find(rec, ROLE, "archive-agent-task");
    assert.deepEqual(withPrefix(tagsOf(role), "airlock:wildcard:"), { "airlock:wildcard:ReadArchiveDynamodb0": "one archive table per month named by the month ARCH-7 and kept 100 percent read-only" });
    assert.equal(tagsOf(role)["airlock:role"], "task");
    assert.deepEqual(wildcardReasonTags(model), withPrefix(tagsOf(role), "airlock:wildcard:"));
  });

  it("given a tool with a reasoned wildcard, then no other role of the agent carries a wildcard tag", () => {
    const others = all(rec, ROLE).filter((r) => r.name !== "archive-agent-task" && Object.keys(withPrefix(tagsOf(r), "airlock:wildcard:")).length > 0);
    assert.deepEqual(others.map((r) => r.name), []);
  });

  it("given the example agent (no allowWildcard), then its task role has no wildcard tag", async () => {
    const example = await exampleModel();
    assert.deepEqual(wildcardReasonTags(example), {});
    const r = await recordDeployment(example);
    assert.deepEqual(withPrefix(tagsOf(find(r, ROLE, "support-agent-task")), "airlock:wildcard:"), {});
  });

  it("given the reasoned wildcard, then the pack in a preview (no models) and offline reports no error, and AIR-G006 quotes the reason for the one statement", async () => {
    for (const findings of [await preview(rec.resources), await offline(rec)]) {
      assert.deepEqual(rules(findings, "error"), [], show(findings));
      const g006 = findings.filter((f) => f.rule === "AIR-G006");
      assert.equal(g006.length, 1, show(findings));
      assert.match(g006[0]!.message, /^policy statement ReadArchiveDynamodb0 grants "dynamodb:GetItem" on "arn:aws:dynamodb:us-east-1:123456789012:table\/support-archive-\*", a wildcard the manifest allows/);
    }
  });

  it("given the wildcard tag removed, then a preview fails the stack on AIR-G002 (the tag is what the pack reads)", async () => {
    const rs = copy(rec);
    const role = taskRoleOf(rs);
    role.inputs.tags = Object.fromEntries(Object.entries(role.inputs.tags as Record<string, string>).filter(([k]) => !k.startsWith("airlock:wildcard:")));
    assert.deepEqual(rules(await preview(rs), "error"), ["AIR-G002"]);
  });

  for (const [what, reason] of [
    ["empty", ""],
    ["blank", "      "],
    ["too short", " ARCH-7 "],
  ] as const) {
    it(`given the wildcard tag's reason ${what}, then a preview fails the stack on AIR-G002, saying the reason is empty or too short`, async () => {
      const rs = copy(rec);
      const role = taskRoleOf(rs);
      role.inputs.tags = { ...role.inputs.tags, "airlock:wildcard:ReadArchiveDynamodb0": reason };
      const findings = await preview(rs);
      assert.deepEqual(rules(findings, "error"), ["AIR-G002"], show(findings));
      assert.ok(findings.find((f) => f.rule === "AIR-G002")!.message.includes(`its wildcard reason (${JSON.stringify(reason)}) is empty or too short`));
    });
  }

  it("given the reason tagged for another statement's Sid instead, then a preview fails the stack on AIR-G002", async () => {
    const rs = copy(rec);
    const role = taskRoleOf(rs);
    const tags = { ...(role.inputs.tags as Record<string, string>) };
    delete tags["airlock:wildcard:ReadArchiveDynamodb0"];
    role.inputs.tags = { ...tags, "airlock:wildcard:ReadCurrentDynamodb0": TAG_REASON };
    const findings = await preview(rs);
    assert.deepEqual(rules(findings, "error"), ["AIR-G002"], show(findings));
  });

  it("given the reason tagged on the execution role instead of the task role, then a preview fails the stack on AIR-G002", async () => {
    const rs = copy(rec);
    const task = taskRoleOf(rs);
    const execution = rs.find((r) => r.type === ROLE && r.inputs.tags?.["airlock:role"] === "execution")!;
    const moved = withPrefix(task.inputs.tags, "airlock:wildcard:");
    task.inputs.tags = Object.fromEntries(Object.entries(task.inputs.tags as Record<string, string>).filter(([k]) => !k.startsWith("airlock:wildcard:")));
    execution.inputs.tags = { ...execution.inputs.tags, ...moved };
    assert.deepEqual(rules(await preview(rs), "error"), ["AIR-G002"]);
  });

  it("given a wildcard statement the compiled model does not hold, with a forged tag, then offline the model decides and AIR-G002 fails the stack", async () => {
    const rs = copy(rec);
    const policy = rs.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "archive-agent-task")!;
    const doc = JSON.parse(policy.inputs.policy);
    doc.Statement.push({ Sid: "ReadEverything", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/*"] });
    policy.inputs.policy = JSON.stringify(doc);
    const role = taskRoleOf(rs);
    role.inputs.tags = { ...role.inputs.tags, "airlock:wildcard:ReadEverything": TAG_REASON };
    const findings = await offline(rec, rs);
    assert.deepEqual(rules(findings, "error"), ["AIR-G002"], show(findings));
  });

  // --- validation: before any resource ---------------------------------------------------------

  it("given a reason that keeps fewer than 10 characters as a tag value, then the deployment refuses it, naming the tool", async () => {
    const m = await modelOf(archiveManifest("🙈🙈🙈🙈🙈🙈 #42!"));
    await assert.rejects(recordDeployment(m), {
      message:
        "`tools.read_archive.allowWildcard.reason`: the reason is written on a tag as \"42\" (tag values keep letters, digits, spaces and _ . : / = + - @ only), shorter than the 10 characters the guardrails ask of a reason; reword it in words a reviewer can judge",
    });
  });

  /**
   * Platform and deployment tags that leave the task role `room` tags short of 50 before its
   * wildcard tags: Airlock's 4 (agent, owner, managed-by, platform), `airlock:role`, 20 of the
   * platform's and the rest the deployment's.
   */
  const tagsLeaving = (room: number): DeployOptions => ({
    platform: { tags: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`platform:tag-${i}`, "x"])) },
    deployment: { tags: Object.fromEntries(Array.from({ length: 50 - 5 - 20 - room }, (_, i) => [`team:tag-${i}`, "x"])) },
  });

  it("given tags that leave the task role room for exactly its one wildcard tag, then it carries 50", async () => {
    const r = await recordDeployment(model, tagsLeaving(1));
    assert.equal(Object.keys(tagsOf(find(r, ROLE, "archive-agent-task"))).length, 50);
  });

  it("given tags that leave the task role no room for its wildcard tag, then the deployment refuses before any resource, naming `tools`", async () => {
    await assert.rejects(recordDeployment(model, tagsLeaving(0)), {
      message:
        "`tools`: agent `archive-agent`'s task role would carry 51 tags, 50 of its own and 1 for statements with a wildcard the manifest allows (`allowWildcard`: one tag `airlock:wildcard:<Sid>` each); IAM allows 50 per resource, so drop 1 (fewer opt-outs, or fewer `tags`)",
    });
  });
});
