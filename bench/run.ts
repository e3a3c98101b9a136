/**
 * `npm run bench`: runs every benchmark and writes BENCHMARKS.md.
 *   - airlock plan time and peak memory for 1, 10 and 50 agents on one AgentPlatform, beside the
 *     floor (the same resources declared through @pulumi/aws with no Airlock code, wired as a
 *     hand-written program must be), as a ratio, and the all-literal program for reference;
 *   - resources added per extra agent;
 *   - the tracer's overhead per call (bench/trace.ts);
 *   - approval decisions per second and p99 with PostgreSQL on loopback (bench/approvals.ts);
 *   - the agent runtime's added latency per guarded tool call without a checkpoint (bench/runtime.ts);
 *   - the leak scanner against secretlint's recommended preset: recall and precision on the
 *     generated leak corpus, time and peak memory on a 50 MB log (bench/scan.ts);
 *   - the wall time of the test suite (`npm test`), unless `--quick`.
 * Each sample runs in its own process, so its peak memory is its own. Samples alternate between
 * Airlock and the floor, and the median of the repeats is reported.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = new URL("../", import.meta.url).pathname;
const quick = process.argv.includes("--quick");
/**
 * `--only=plan,runtime`: run these sections and keep the others as BENCHMARKS.md has them (each
 * section names the run it comes from). Sections: plan, trace, approvals, runtime, scan, suite.
 */
const SECTIONS = ["plan", "trace", "approvals", "runtime", "scan", "suite"] as const;
type Section = (typeof SECTIONS)[number];
const onlyArg = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const only = new Set<Section>((onlyArg?.split(",") ?? SECTIONS) as Section[]);
for (const s of only) {
  if (!SECTIONS.includes(s)) {
    process.stderr.write(`--only: unknown section "${s}"; the sections are ${SECTIONS.join(", ")}\n`);
    process.exit(2);
  }
}
const REPEATS = quick ? 1 : 5;
const SIZES = [1, 10, 50];

type Mode = "airlock" | "floor" | "literal";

interface Sample {
  mode: Mode;
  agents: number;
  resources: number;
  ms: number;
  maxRssMb: number;
}

function sample(mode: Mode, agents: number, file: string, env: NodeJS.ProcessEnv = process.env): Sample {
  const out = execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/plan-agents.ts"), mode, String(agents), file], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, env });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform} ${process.arch}`;
const startLoad = loadavg()[0]!.toFixed(2);
const dir = mkdtempSync(join(tmpdir(), "airlock-bench-"));
const rows: { agents: number; resources: number; airlock: Sample[]; floor: Sample[]; literal: Sample[] }[] = [];
for (const n of only.has("plan") ? SIZES : []) {
  const file = join(dir, `resources-${n}.json`);
  const airlock: Sample[] = [];
  const floor: Sample[] = [];
  const literal: Sample[] = [];
  for (let i = 0; i < REPEATS; i++) {
    airlock.push(sample("airlock", n, file));
    floor.push(sample("floor", n, file));
    literal.push(sample("literal", n, file));
    process.stderr.write(`plan ${n} agents: airlock ${airlock.at(-1)!.ms} ms, floor ${floor.at(-1)!.ms} ms, literal ${literal.at(-1)!.ms} ms\n`);
  }
  rows.push({ agents: n, resources: airlock[0]!.resources, airlock, floor, literal });
}

const planTable = [
  "| agents | resources | airlock plan (ms) | floor (ms) | time ratio (paired) | all-literal (ms) | airlock peak RSS (MB) | floor peak RSS (MB) | memory ratio |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) => {
    const a = median(r.airlock.map((s) => s.ms));
    const f = median(r.floor.map((s) => s.ms));
    const l = median(r.literal.map((s) => s.ms));
    const am = median(r.airlock.map((s) => s.maxRssMb));
    const fm = median(r.floor.map((s) => s.maxRssMb));
    // Each Airlock run is compared with the floor run right after it (same load on the machine).
    const paired = median(r.airlock.map((s, i) => s.ms / r.floor[i]!.ms));
    return `| ${r.agents} | ${r.resources} | ${a} | ${f} | ${paired.toFixed(2)}× | ${l} | ${am} | ${fm} | ${(am / fm).toFixed(2)}× |`;
  }),
].join("\n");
const perAgent = rows.slice(1).map((r, i) => ((r.resources - rows[i]!.resources) / (r.agents - rows[i]!.agents)).toFixed(1));
const perMs = rows.slice(1).map((r, i) => ((median(r.airlock.map((s) => s.ms)) - median(rows[i]!.airlock.map((s) => s.ms))) / (r.agents - rows[i]!.agents)).toFixed(0));

function runScript(script: string, resultFile: string): string {
  process.stderr.write(`${script}…\n`);
  if (!existsSync(join(ROOT, script))) return `_${script} is not present._`;
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, script)], { cwd: ROOT, encoding: "utf8", env: process.env, timeout: 10 * 60_000 });
  if (r.status !== 0) return `_${script} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ")}_`;
  return existsSync(join(ROOT, resultFile)) ? readFileSync(join(ROOT, resultFile), "utf8").trim() : `_${script} wrote no ${resultFile}._`;
}

const trace = only.has("trace") ? runScript("bench/trace.ts", "bench/results/trace.md") : undefined;
const approvals = only.has("approvals") ? runScript("bench/approvals.ts", "bench/results/approvals.md") : undefined;
const runtime = only.has("runtime") ? runScript("bench/runtime.ts", "bench/results/runtime.md") : undefined;
const scan = only.has("scan") ? runScript("bench/scan.ts", "bench/results/scan.md") : undefined;

let suite: string | undefined = only.has("suite") ? "_skipped (`npm run bench -- --quick`)._" : undefined;
if (!quick && only.has("suite")) {
  process.stderr.write("test suite…\n");
  const t0 = performance.now();
  const r = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", env: process.env, maxBuffer: 1 << 28 });
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  const summary = (r.stdout.match(/^# (tests|pass|fail) \d+$/gm) ?? []).join(", ").replaceAll("# ", "");
  suite = `\`npm test\` (typecheck, build, all tests): ${seconds} s wall, exit ${r.status}; ${summary || "no summary"}.`;
}

mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const run = `${new Date().toISOString().slice(0, 10)}; ${machine}; 1-minute load average at start ${startLoad}`;
const planBody = rows.length === 0 ? undefined : `Each row plans N copies of the support agent on one \`AgentPlatform\` under Pulumi's mocks (compile
against the IAM dataset, the components, recording). The floor declares exactly the same
resources with the same inputs through the same \`@pulumi/aws\` and \`@pulumi/random\` classes,
with no Airlock code in the program, under the same recorder, wired the way a hand-written
program has to be: an input that holds another resource's ARN, id or generated name is an Output
of that resource, so it waits for it (no program can write a secret's ARN before the secret
exists). The all-literal column is the same resources with every input a literal, which no real
program can be: a lower bound, for reference. Times are medians of ${REPEATS} run${REPEATS > 1 ? "s" : ""}, each in a fresh
process, the three programs taking turns; the time ratio is the median of each Airlock run over
the floor run right after it (the two share the machine's load of the moment); peak memory is the
process's maximum resident set.

${planTable}

Resources added per extra agent: ${perAgent.join(" (1→10), ")} (10→50). Plan time added per extra agent: ${perMs.join(" ms (1→10), ")} ms (10→50).
No plan bundles or compiles anything: the approval gateway's Lambda and the secret functions are
built with the packages (\`npm run build\`) and read from \`@airlock/pulumi\`'s \`assets/\`.
Aim: within 1.25× of the floor, linear growth, no more than ~25 resources per extra agent.

Reading the figures: a support-agent copy adds its service, task definition, two roles and their
policies, security group, three secrets with their policies (one generated: password, version,
rotation), one age alarm for its hand-rotated keys, its log group with masking, four alarms and
a dashboard, and its alias of the platform's one approval gateway with its pending-approvals
alarm. The gateway (function, URL, schedule, three credentials) and the secret functions are the
platform's, counted once. Timings on this shared 2-core machine move by ±20% between runs.

Where the rest of Airlock's time goes (CPU profiles of both programs, 50 agents): the same
number of Pulumi promises (about 24,000 for 10 agents in both), and compile is about 2 ms an
agent after the first; the difference is in Pulumi's \`Resource\` constructor, which records the
whole call stack of every resource (\`Error.stackTraceLimit = Infinity\`) and, with source maps on
(tsx, ts-node), maps every TypeScript frame: resources made inside components sit a few frames
deeper than resources made at the top of a program.`;

/** The sections of BENCHMARKS.md as the file has them now, by title (kept when not run). */
function existingSections(titles: readonly string[]): Map<string, string> {
  const file = join(ROOT, "BENCHMARKS.md");
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  const text = readFileSync(file, "utf8");
  // Only the titles below start a section: the results' own files have `##` headings inside.
  const starts = titles.map((t) => ({ t, at: text.indexOf(`\n## ${t}\n`) })).filter((x) => x.at >= 0).sort((x, y) => x.at - y.at);
  // A file written before sections named their run: its header named the one run of them all.
  const old = /Written by `npm run bench` on (\S+)\.\s+Machine: (.*)\. 1-minute load average at start: (\S+)\./.exec(text.slice(0, starts[0]?.at ?? 0));
  starts.forEach(({ t, at }, i) => {
    let body = text.slice(at + t.length + 5, starts[i + 1]?.at ?? text.length).trim();
    if (!body.startsWith("_Run:") && old !== null) body = `_Run: ${old[1]}; ${old[2]}; 1-minute load average at start ${old[3]}._\n\n${body}`;
    out.set(t, body);
  });
  return out;
}
const sections: [title: string, body: string | undefined][] = [
  ["`airlock plan`: Airlock against the floor", planBody],
  ["Tracer overhead", trace],
  ["Approval decisions", approvals],
  ["Agent runtime", runtime],
  ["Leak scanner", scan],
  ["Test suite", suite],
];
const before = existingSections(sections.map(([title]) => title));
const body = sections
  .map(([title, text]) => {
    if (text !== undefined) return `## ${title}\n\n_Run: ${run}._\n\n${text}`;
    return `## ${title}\n\n${(before.get(title) ?? "_not run yet._").trim()}`;
  })
  .join("\n\n");
const doc = `# Benchmarks

Written by \`npm run bench\` (\`-- --only=plan,runtime\` runs some sections and keeps the others; each
section names the run it comes from: date, machine, load).

${body}
`;
writeFileSync(join(ROOT, "BENCHMARKS.md"), doc);
process.stderr.write("wrote BENCHMARKS.md\n");
