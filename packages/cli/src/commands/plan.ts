/**
 * `airlock plan [dir|agent.yaml]`: plans a Pulumi program, or a bare agent.yaml with Airlock's
 * defaults, offline, and prints the resources, the permission map and the findings.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { planTarget } from "../plan/plan.ts";
import { checkRegion } from "../plan/region.ts";
import { renderPlan } from "../plan/render.ts";
import { PLAN } from "./specs.ts";

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(PLAN, argv);
  const given = positionals[0] ?? ".";
  const target = resolve(io.cwd, given);
  if (!existsSync(target)) throw new UsageError(`${given} does not exist; pass a Pulumi project directory or an agent.yaml`);
  const region = values.region === undefined ? undefined : checkRegion("--region", values.region);
  if (region !== undefined && statSync(target).isDirectory()) {
    throw new UsageError(`\`--region\` is for a bare agent.yaml; ${given} is a Pulumi project, planned for its stack's \`aws:region\` (\`pulumi config set aws:region ${region} --stack ${values.stack}\`)`);
  }
  let policyConfig: string | undefined;
  if (values["policy-config"] !== undefined) {
    policyConfig = resolve(io.cwd, values["policy-config"]);
    if (!existsSync(policyConfig) || !statSync(policyConfig).isFile()) {
      throw new UsageError(`\`--policy-config\`: ${values["policy-config"]} is not a file; pass the policy-pack config JSON \`pulumi preview --policy-pack-config\` takes`);
    }
    if (values["no-guardrails"]) throw new UsageError("`--policy-config` configures the guardrails, which `--no-guardrails` turns off; pass one or the other");
  }
  const out = values.out === undefined ? undefined : resolve(io.cwd, values.out);
  if (out !== undefined && !existsSync(dirname(out))) throw new UsageError(`\`--out\`: the directory of ${values.out} does not exist; create it or pass another path`);
  const plan = await planTarget(target, {
    stack: values.stack,
    guardrails: !values["no-guardrails"],
    ...(region !== undefined ? { region } : {}),
    ...(policyConfig !== undefined ? { policyConfig } : {}),
  });
  const json = `${JSON.stringify(plan, null, 2)}\n`;
  if (out !== undefined) writeFileSync(out, json);
  io.out(values.json ? json : renderPlan(plan));
  const failOn = values["fail-on"];
  const failing = plan.findings.filter((f) => f.severity === "error" || (failOn === "warning" && f.severity === "warning"));
  return failOn !== "never" && failing.length > 0 ? 1 : 0;
}
