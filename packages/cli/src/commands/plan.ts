import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, type Io, parseCommandArgs } from "../io.ts";
import { planTarget } from "../plan/plan.ts";
import { renderPlan } from "../plan/render.ts";

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: "string", short: "s", default: "dev" },
        json: { type: "boolean", default: false },
        out: { type: "string", short: "o" },
        "no-guardrails": { type: "boolean", default: false },
        "fail-on": { type: "string", default: "error" },
      },
    });
  if (parsed.positionals.length > 1) throw new UsageError(`plan takes one target, got ${parsed.positionals.length}`);
  const failOn = parsed.values["fail-on"];
  if (!["error", "warning", "never"].includes(failOn!)) throw new UsageError("`--fail-on` must be error, warning or never");
  const target = resolve(io.cwd, parsed.positionals[0] ?? ".");
  const plan = await planTarget(target, { stack: parsed.values.stack!, guardrails: !parsed.values["no-guardrails"] });
  const json = `${JSON.stringify(plan, null, 2)}\n`;
  if (parsed.values.out) writeFileSync(resolve(io.cwd, parsed.values.out), json);
  io.out(parsed.values.json ? json : renderPlan(plan));
  const failing = plan.findings.filter((f) => f.severity === "error" || (failOn === "warning" && f.severity === "warning"));
  return failOn !== "never" && failing.length > 0 ? 1 : 0;
}
