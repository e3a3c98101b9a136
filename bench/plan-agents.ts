/**
 * One benchmark sample, run in its own process so peak memory is its own:
 *   node --import tsx bench/plan-agents.ts airlock <n> <resources.json>
 *     plans <n> copies of the support agent on one AgentPlatform (compile + components), and
 *     writes the recorded resources to <resources.json>;
 *   node --import tsx bench/plan-agents.ts floor <n> <resources.json>
 *     declares the same resources with the same inputs through the same @pulumi/aws and
 *     @pulumi/random classes, with no Airlock code in the program (the floor).
 * Prints one JSON line: {mode, agents, resources, ms, maxRssMb}.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { compile } from "@airlock/core";
import { AgentDeployment, AgentPlatform, recordProgram } from "@airlock/pulumi";

const [mode, countText, file] = process.argv.slice(2);
const count = Number(countText);
if ((mode !== "airlock" && mode !== "floor") || !Number.isInteger(count) || count < 1 || file === undefined) {
  console.error("usage: plan-agents.ts airlock|floor <agents> <resources.json>");
  process.exit(2);
}

const EXAMPLE = new URL("../examples/support-agent/", import.meta.url).pathname;
const manifestText = readFileSync(`${EXAMPLE}agent.yaml`, "utf8");

/** The support agent, renamed and pointed at its own table, so each copy is a distinct agent. */
function manifestFor(i: number): unknown {
  const m = parse(manifestText.replaceAll("support-tickets", `support-tickets-${i}`));
  m.agent.name = `support-agent-${i}`;
  return m;
}

if (process.env.NOSM) process.setSourceMapsEnabled(false);
const started = performance.now();
let resources: number;
if (mode === "airlock") {
  const rec = await recordProgram({
    project: "bench",
    stack: "bench",
    program: async () => {
      const models = [];
      for (let i = 0; i < count; i++) models.push(await compile(manifestFor(i), { baseDir: EXAMPLE }));
      const route = { slack: { channelId: "C0BENCHAPPROVALS", approverIds: ["U0BENCHLEAD1"] } };
      const platform = new AgentPlatform("bench", { agents: models, approvals: { agents: Object.fromEntries(models.map((m) => [m.name, route])) } });
      for (const model of models) {
        new AgentDeployment(model.name, {
          platform,
          model,
          // The copies have no eval reports of their own; the gate's cost is a file read per agent.
          evalGate: { disabled: "benchmark copies of the example agent have no eval reports" },
        });
      }
    },
  });
  resources = rec.resources.filter((r) => r.custom).length;
  const ms = performance.now() - started;
  writeFileSync(file, JSON.stringify(rec.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))));
  report(ms);
} else {
  const recorded = JSON.parse(readFileSync(file, "utf8")) as { type: string; name: string; inputs: Record<string, unknown> }[];
  const t0 = performance.now();
  const rec = await recordProgram({
    project: "bench",
    stack: "bench",
    program: () => {
      for (const r of recorded) new (classOf(r.type))(r.name, r.inputs);
    },
  });
  resources = rec.resources.length;
  report(performance.now() - t0);
}

type ResourceClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** `aws:iam/role:Role` → aws.iam.Role; `random:index/randomPassword:RandomPassword` → random.RandomPassword. */
function classOf(token: string): ResourceClass {
  const [pkg, mod, cls] = token.split(":") as [string, string, string];
  const root = ({ aws, random } as Record<string, unknown>)[pkg] as Record<string, unknown> | undefined;
  const namespace = mod.startsWith("index/") ? root : (root?.[mod.split("/")[0]!] as Record<string, unknown> | undefined);
  const ctor = namespace?.[cls];
  if (typeof ctor !== "function") throw new Error(`no class for ${token}`);
  return ctor as ResourceClass;
}

function report(ms: number): void {
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ mode, agents: count, resources, ms: Math.round(ms), maxRssMb: Math.round(maxRssMb) }));
}
