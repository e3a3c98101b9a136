/**
 * One benchmark sample, run in its own process so peak memory is its own:
 *   node --import tsx bench/plan-agents.ts airlock <n> <resources.json>
 *     plans <n> copies of the support agent on one AgentPlatform (compile + components), and
 *     writes the recorded resources to <resources.json>;
 *   node --import tsx bench/plan-agents.ts floor <n> <resources.json>
 *     declares the same resources with the same inputs through the same @pulumi/aws and
 *     @pulumi/random classes, with no Airlock code in the program (the floor), wired the way a
 *     hand-written program must be: an input that holds another resource's ARN, id or name is an
 *     Output of that resource (a program cannot know a secret's ARN before it exists), so every
 *     resource waits for the ones it names, as Airlock's do;
 *   node --import tsx bench/plan-agents.ts literal <n> <resources.json>
 *     the same resources with every input a literal (no resource waits for another): faster than
 *     any real program can be, shown for reference.
 * Prints one JSON line: {mode, agents, resources, ms, maxRssMb}.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { compile } from "@airlock/core";
import { AgentDeployment, AgentPlatform, DeterministicMocks, privateRoutesVia, recordProgram } from "@airlock/pulumi";

const [mode, countText, file] = process.argv.slice(2);
const count = Number(countText);
if ((mode !== "airlock" && mode !== "floor" && mode !== "literal") || !Number.isInteger(count) || count < 1 || file === undefined) {
  console.error("usage: plan-agents.ts airlock|floor|literal <agents> <resources.json>");
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
      const platform = new AgentPlatform("bench", {
        agents: models,
        approvals: { agents: Object.fromEntries(models.map((m) => [m.name, route])) },
        privateRoutes: privateRoutesVia(models, { transitGatewayId: "tgw-0123456789abcdef0" }),
      });
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
  const recorded = JSON.parse(readFileSync(file, "utf8")) as Recorded[];
  // Finding which input names which resource is the bench's work, not the program's: done before the clock.
  const wiring = mode === "floor" ? analyseWiring(recorded) : undefined;
  const t0 = performance.now();
  const rec = await recordProgram({
    project: "bench",
    stack: "bench",
    program: () => (wiring === undefined ? declareLiterally(recorded) : declareWired(recorded, wiring)),
  });
  resources = rec.resources.length;
  report(performance.now() - t0);
}

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

function declareLiterally(recorded: readonly Recorded[]): void {
  for (const r of recorded) new (classOf(r.type))(r.name, r.inputs);
}

interface Wiring {
  /** Indexes of the resources, each after the ones it names. */
  readonly order: readonly number[];
  /** Per resource: each input string that names other resources → their indexes. */
  readonly upstream: readonly ReadonlyMap<string, readonly number[]>[];
}

/**
 * Which input strings hold another resource's output (its ARN, id or generated name, exactly or
 * inside a string such as a policy document), and an order in which every resource comes after
 * the ones it names.
 */
function analyseWiring(recorded: readonly Recorded[]): Wiring {
  // What each resource will output (the same deterministic mocks the recorder answers with).
  const mocks = new DeterministicMocks({ accountId: "123456789012", region: "us-east-1" });
  const producers = new Map<string, number>();
  const contained: [string, number][] = [];
  recorded.forEach((r, i) => {
    const { id, state } = mocks.newResource({ type: r.type, name: r.name, inputs: r.inputs, custom: true } as never);
    for (const [field, v] of Object.entries({ ...state, id })) {
      if (typeof v !== "string" || v.length < 8) continue;
      // A name the program chose itself (an input) it can write as a literal; the others are outputs.
      if (field === "name" && r.inputs.name !== undefined) continue;
      if (field in r.inputs && field !== "name") continue;
      if (field === "id" || field === "name" || field === "arn" || /Arn$|Id$|Url$/.test(field)) {
        if (!producers.has(v)) producers.set(v, i);
        // ARNs and ids also appear inside other strings (policies, log-stream ARNs).
        if (field === "arn" || field === "id") contained.push([v, i]);
      }
    }
  });
  const upstream = recorded.map((r, i) => {
    const named = new Map<string, number[]>();
    walkStrings(r.inputs, (s) => {
      if (named.has(s)) return;
      const found = new Set<number>();
      const exact = producers.get(s);
      if (exact !== undefined && exact !== i) found.add(exact);
      for (const [v, j] of contained) if (j !== i && s !== v && s.includes(v)) found.add(j);
      if (found.size > 0) named.set(s, [...found]);
    });
    return named;
  });
  if (process.env.AIRLOCK_BENCH_DEBUG) {
    const edges = upstream.reduce((n, m) => n + new Set([...m.values()].flat()).size, 0);
    process.stderr.write(`wired floor: ${edges} dependencies among ${recorded.length} resources\n`);
  }
  const order: number[] = [];
  const state = recorded.map(() => "new" as "new" | "visiting" | "done");
  const visit = (i: number): void => {
    if (state[i] === "done") return;
    if (state[i] === "visiting") throw new Error(`dependency cycle through ${recorded[i]!.name}`);
    state[i] = "visiting";
    for (const js of upstream[i]!.values()) js.forEach(visit);
    state[i] = "done";
    order.push(i);
  };
  recorded.forEach((_, i) => visit(i));
  return { order, upstream };
}

/** Declares the resources in dependency order; only the strings that name another resource wait for it. */
function declareWired(recorded: readonly Recorded[], wiring: Wiring): void {
  const made: pulumi.CustomResource[] = [];
  for (const i of wiring.order) {
    const named = wiring.upstream[i]!;
    const inputs = mapStrings(recorded[i]!.inputs, (s) => {
      const js = named.get(s);
      return js === undefined ? s : pulumi.all(js.map((j) => made[j]!.urn)).apply(() => s);
    });
    made[i] = new (classOf(recorded[i]!.type))(recorded[i]!.name, inputs as Record<string, unknown>);
  }
}

function mapStrings(value: unknown, f: (s: string) => unknown): unknown {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

function walkStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === "string") visit(value);
  else if (Array.isArray(value)) value.forEach((v) => walkStrings(v, visit));
  else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => walkStrings(v, visit));
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
