/**
 * `airlock runbook`: the Markdown an on-call engineer opens during an incident, generated from the
 * same model the infrastructure is built from, so it names the real service, secrets, log group
 * and alarms. Sections: incident response (pause, revoke and rotate, roll back, read the traces,
 * what each alarm does on its own and what a person does: runbook-alarms.ts),
 * the permission map, how to widen autonomy safely with the current evidence, and a Mermaid
 * diagram of agent → tools → systems.
 */
import type { AgentModel, SecretBinding, ToolSummary } from "../compile/model.ts";
import type { PlanDocument, PlannedResource } from "./plan.ts";
import type { RiskClass, Tier } from "../manifest/vocabulary.ts";
import { TAGS } from "../contracts/index.ts";
import { renderAlarmRunbook } from "./runbook-alarms.ts";

/**
 * Evidence for one action type, as the approvals package's autonomy report gives it
 * (`AutonomyAssessment`, or its JSON). Only these fields are read.
 */
export interface AutonomyEvidence {
  readonly actionType: string;
  readonly tier?: Tier;
  readonly approvals: number;
  readonly rejections: number;
  readonly edits: number;
  readonly incidents: number;
  /** Approvals without edit since the last rejection, edit or incident. */
  readonly streak: number;
  readonly windowDays: number;
  readonly eligible: boolean;
  readonly reasons: readonly string[];
  readonly manifestChange?: string;
}

export interface RunbookOptions {
  /** The plan (`airlock plan --json`): names of the cluster, service, secrets, log group and alarms. */
  readonly plan?: PlanDocument;
  /** Autonomy evidence per action type (from the approvals audit log). */
  readonly evidence?: readonly AutonomyEvidence[];
  /** Stack directory for `airlock rollback`. @default "." */
  readonly stackDir?: string;
  /** @default - the region in the plan's ARNs, else `<region>` */
  readonly region?: string;
}

/** What the runbook calls things, from the plan when there is one, else Airlock's naming convention. */
export interface RunbookNames {
  readonly region: string;
  /** The ECS cluster's name, or a shell variable set by `clusterLookup`. */
  readonly cluster: string;
  /** A command that sets `$CLUSTER` when the cluster is auto-named at deploy time. */
  readonly clusterLookup?: string;
  readonly service: string;
  readonly logGroup: string;
  readonly alarmTopic: string;
  /** Secret name in the manifest → Secrets Manager name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Alarm names that watch this agent. */
  readonly alarms: readonly string[];
  /** Whether the names came from a plan. */
  readonly fromPlan: boolean;
}

/** Thresholds the approvals package applies before an action type may widen (its DEFAULT_AUTONOMY_POLICY). */
export const AUTONOMY_RULE = { minStreak: 50, minWindowDays: 14, minDistinctDays: 10, minApprovers: 2, neverAuto: ["money", "mass-communication"] as readonly RiskClass[] };

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const tagsOf = (r: PlannedResource): Record<string, unknown> => (r.inputs.tags as Record<string, unknown> | undefined) ?? {};

/** Names for the runbook's commands, from the plan if given. */
export function runbookNames(model: AgentModel, plan?: PlanDocument, region?: string): RunbookNames {
  const resources = plan?.resources ?? [];
  const service = resources.find((r) => r.type === "aws:ecs/service:Service" && (r.inputs.name === model.name || tagsOf(r)[TAGS.agent] === model.name));
  const serviceName = str(service?.inputs.name) ?? model.name;
  const clusterRef = str(service?.inputs.cluster);
  const clusterRes = resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && clusterRef !== undefined && clusterRef.split("/").pop() === (str(r.inputs.name) ?? r.name));
  let cluster: string;
  let clusterLookup: string | undefined;
  if (clusterRes !== undefined && str(clusterRes.inputs.name) !== undefined) {
    cluster = str(clusterRes.inputs.name)!;
  } else {
    const logical = clusterRes?.name ?? clusterRef?.split("/").pop() ?? "<cluster>";
    cluster = "$CLUSTER";
    clusterLookup = `CLUSTER=$(aws ecs list-clusters --region REGION --query "clusterArns[?contains(@, '${logical}')] | [0]" --output text)`;
  }
  // Physical names carry the stack, so resources are found by what they are (type and tags), and
  // the convention (with a `<stack>` placeholder) stands in only when there is no plan.
  const ownedBy = (r: PlannedResource) => tagsOf(r)[TAGS.agent] === model.name;
  const logGroup = str(resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && ownedBy(r))?.inputs.name) ?? `/airlock/<stack>/agents/${model.name}`;
  const secrets: Record<string, string> = {};
  for (const s of model.secrets) {
    const r = resources.find((x) => x.type === "aws:secretsmanager/secret:Secret" && tagsOf(x)[TAGS.secret] === s.name && (tagsOf(x)[TAGS.agent] ?? model.name) === model.name);
    secrets[s.name] = str(r?.inputs.name) ?? `airlock/<stack>/${model.name}/${s.name}`;
  }
  const alarmResources = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && ownedBy(r));
  const alarms = alarmResources
    .map((r) => str(r.inputs.name))
    .filter((n): n is string => n !== undefined)
    .sort();
  // The topic the agent's alarms notify: its own channel's, or the platform's.
  const notified = alarmResources.flatMap((r) => (Array.isArray(r.inputs.alarmActions) ? r.inputs.alarmActions : [])).find((a): a is string => typeof a === "string");
  const topicName = notified?.split(":").pop();
  const planRegion = region ?? regionOf(resources);
  return {
    region: planRegion,
    cluster,
    ...(clusterLookup ? { clusterLookup: clusterLookup.replace("REGION", planRegion) } : {}),
    service: serviceName,
    logGroup,
    alarmTopic: topicName ?? `airlock-<stack>-${model.name}-alarms`,
    secrets,
    alarms,
    fromPlan: plan !== undefined,
  };
}

function regionOf(resources: readonly PlannedResource[]): string {
  for (const r of resources) {
    const m = /arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(JSON.stringify(r.inputs));
    if (m) return m[1]!;
  }
  return "<region>";
}

/** Where a person revokes an out-of-band key, guessed from what uses it. */
function issuerOf(model: AgentModel, s: SecretBinding): string {
  if (s.consumers.includes("model") && model.model.provider === "anthropic") return "the Anthropic Console (Settings → API keys): disable the key";
  if (model.github.some((g) => model.tools.find((t) => t.name === g.tool)?.secrets.includes(s.name))) {
    return "GitHub (Settings → Developer settings → Fine-grained tokens): revoke the token";
  }
  const hosts = model.permissions.filter((p) => p.system.startsWith("https:") && s.consumers.includes(p.tool)).map((p) => p.system.slice(6));
  return hosts.length > 0 ? `the issuer of the key (${hosts.join(", ")}): revoke it there` : "the system that issued it: revoke it there";
}

function code(lines: readonly string[], lang = "sh"): string {
  return ["```" + lang, ...lines, "```"].join("\n");
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The Logs Insights queries on the tracer's EMF fields (`Agent`, `Tool`, `Model`, `Release`, `Errors`, `Refusals` (refused, denied or timed-out calls: not errors), `LatencyMs`, `CostUsd`; see @airlock/trace constants). */
export function tracesQueries(model: AgentModel): { recent: string; errorsByTool: string; cost: string } {
  return {
    recent: [
      "fields @timestamp, Release, Tool, Model, Errors, Refusals, LatencyMs, CostUsd",
      `| filter Agent = "${model.name}"`,
      "| sort @timestamp desc",
      "| limit 200",
    ].join("\n"),
    errorsByTool: [
      `filter Agent = "${model.name}" and ispresent(Tool)`,
      "| stats sum(Calls) as calls, sum(Errors) as errors, sum(Refusals) as refusals, avg(LatencyMs) as avgMs, pct(LatencyMs, 95) as p95Ms by Tool, Release",
      "| sort errors desc",
    ].join("\n"),
    cost: [
      `filter Agent = "${model.name}" and ispresent(Model)`,
      "| stats sum(CostUsd) as usd, sum(InputTokens) as inTokens, sum(OutputTokens) as outTokens by bin(1h), Model, Release",
      "| sort bin(1h) desc",
    ].join("\n"),
  };
}

function mermaidId(prefix: string, s: string): string {
  return `${prefix}_${s.replace(/[^A-Za-z0-9]+/g, "_")}`;
}

function label(s: string): string {
  return s.replace(/"/g, "'");
}

/** The agent → tools → systems diagram (Mermaid flowchart). */
export function renderMermaid(model: AgentModel): string {
  const lines = ["flowchart LR", `  agent(["${label(model.name)}<br/>${label(`${model.model.provider}/${model.model.id}`)}"])`];
  const human = model.tools.some((t) => t.tier !== "auto");
  if (human) lines.push('  human{{"human approval"}}');
  const systems = new Map<string, string>();
  for (const t of model.tools) {
    const id = mermaidId("tool", t.name);
    const flags = [t.access, t.outward ? "outward" : undefined, t.sandbox ? "sandboxed" : undefined].filter(Boolean).join(", ");
    lines.push(`  ${id}["${label(t.name)}<br/>${flags}"]`);
    if (t.tier === "auto") lines.push(`  agent --> ${id}`);
    else lines.push(`  agent --> human`, `  human -- "${t.tier}" --> ${id}`);
    for (const p of model.permissions.filter((e) => e.tool === t.name)) {
      const sid = mermaidId("sys", p.system);
      if (!systems.has(sid)) systems.set(sid, p.system);
      lines.push(`  ${id} -- "${p.access}" --> ${sid}`);
    }
  }
  for (const [sid, system] of systems) {
    const shape = system.startsWith("secret:") ? [`[/"`, `"/]`] : system.startsWith("aws:") ? [`[("`, `")]`] : [`("`, `")`];
    lines.push(`  ${sid}${shape[0]}${label(system)}${shape[1]}`);
  }
  if (model.model.provider === "anthropic") lines.push('  model_api("api.anthropic.com")', "  agent -- HTTPS --> model_api");
  // Deduplicate the shared agent → human edge.
  return [...new Set(lines)].join("\n");
}

/** Renders the runbook for one agent. */
export function renderRunbook(model: AgentModel, options: RunbookOptions = {}): string {
  const n = runbookNames(model, options.plan, options.region);
  const r = n.region;
  const stackDir = options.stackDir ?? ".";
  const out: string[] = [];
  const push = (...xs: string[]) => out.push(...xs);

  push(`# Runbook: ${model.name}`, "");
  push(`Owner: ${model.owner}. ${model.description}`.trim(), "");
  push(
    `Generated by \`airlock runbook\` from the agent's compiled model (hash \`${model.hash.slice(0, 12)}\`)${n.fromPlan ? " and its plan" : ""}. ` +
      `Regenerate it whenever the manifest changes; do not edit it by hand.`,
    "",
  );
  if (!n.fromPlan) push("> Names below follow Airlock's naming convention; pass `--plan plan.json` to take them from the plan.", "");
  push("| | |", "| --- | --- |");
  push(`| ECS service | \`${n.service}\` (cluster \`${n.cluster}\`, ${r}) |`);
  push(`| Agent logs | \`${n.logGroup}\` |`);
  push(`| Alarm topic | \`${n.alarmTopic}\` |`);
  push(`| Model | ${model.model.provider}/${model.model.id} |`);
  push(`| Tasks when running | ${model.runtime.desiredCount} |`, "");

  // --- Incident response -----------------------------------------------------------------------
  push("## Incident response", "");
  push("Do these in order: stop the agent, cut its keys, then find out what happened. Every step is safe to repeat.", "");

  push("### 1. Pause the agent", "");
  push("Scale the service to zero. Running tasks stop within the stop timeout (30 s); nothing else changes, so resuming is the same command with the old count.", "");
  push(
    code([
      ...(n.clusterLookup ? [n.clusterLookup] : []),
      `aws ecs update-service --region ${r} --cluster ${n.cluster} --service ${n.service} --desired-count 0`,
      `aws ecs wait services-stable --region ${r} --cluster ${n.cluster} --services ${n.service}`,
      `aws ecs describe-services --region ${r} --cluster ${n.cluster} --services ${n.service} --query 'services[0].[desiredCount,runningCount]'`,
    ]),
    "",
  );
  push(
    `The next \`pulumi up\` restores the manifest's count (${model.runtime.desiredCount}); to keep the agent paused across deploys, set \`desiredCount: 0\` on its AgentDeployment. To resume:`,
    "",
    code([`aws ecs update-service --region ${r} --cluster ${n.cluster} --service ${n.service} --desired-count ${model.runtime.desiredCount}`]),
    "",
  );

  push("### 2. Revoke and rotate a key", "");
  if (model.secrets.length === 0) {
    push("The agent holds no secrets.", "");
  } else {
    push("Secrets reach the agent only at task start (ECS `secrets`), so after rotating, restart the tasks:", "");
    push(code([`aws ecs update-service --region ${r} --cluster ${n.cluster} --service ${n.service} --force-new-deployment`]), "");
    for (const s of model.secrets) {
      const id = n.secrets[s.name]!;
      const users = s.consumers.length > 0 ? s.consumers.map((c) => (c === "model" ? "the model client" : `\`${c}\``)).join(", ") : "nothing (unused)";
      push(`#### \`${s.name}\` → \`${id}\``, "");
      push(`Used by ${users}; environment variable \`${s.envName}\`; source ${s.source}.`, "");
      if (s.rotation.kind === "builtin" || s.rotation.kind === "lambda") {
        const how = s.rotation.kind === "builtin" ? "Airlock's built-in rotation Lambda" : `the rotation Lambda \`${s.rotation.lambdaArn}\``;
        push(`Rotates automatically every ${s.rotation.days} days with ${how}. Rotate now; running tasks keep the old value until they restart (above):`, "");
        push(code([`aws secretsmanager rotate-secret --region ${r} --secret-id ${id}`, `aws secretsmanager describe-secret --region ${r} --secret-id ${id} --query '[LastRotatedDate,RotationEnabled]'`]), "");
        if (s.source === "generated") push(`The value is generated by Airlock (${s.length} characters); the system that accepts it reads the new value from the same secret.`, "");
      } else {
        push(`Rotated by hand; the alarm \`${n.alarms.find((a) => a.endsWith("-secrets-age")) ?? `airlock-<stack>-${model.name}-secrets-age`}\` fires once it is older than ${s.rotation.maxAgeDays} days. Revoke it at ${issuerOf(model, s)}. Then put the new value (from a file, never on the command line):`, "");
        push(code([`aws secretsmanager put-secret-value --region ${r} --secret-id ${id} --secret-string file://new-value.txt`, "shred -u new-value.txt"]), "");
      }
      if (s.source === "pulumi-config" && s.configKey) {
        push(`This value comes from Pulumi config: also run \`pulumi config set --secret ${s.configKey}\` so the next deploy does not put the old value back.`, "");
      }
    }
  }

  push("### 3. Roll back", "");
  push("Every release keeps its own task definition revision, so a rollback only moves the service back to the previous good release; `airlock rollback` plans both and refuses if anything else would change.", "");
  push(code([`airlock rollback ${stackDir} --print-only   # shows the release it would return to and the config change`, `airlock rollback ${stackDir} --write        # writes the stack config; then:`, "pulumi up"]), "");
  push("Mark the bad release in the stack config (`bad: <reason>`) so no later rollback returns to it.", "");
  push(`Pulumi reports a service ECS rolled back as "updated", so once it is deployed check the service: \`airlock deploy verify --region ${r} --cluster ${n.cluster} --service ${n.service} --release <the release you rolled back to>\` (exit 0 only when it runs that release and the deployment completed).`, "");

  push("### 4. Read the traces", "");
  push(`Every tool and model call writes one EMF line to \`${n.logGroup}\` (credentials are masked by the log group's data protection policy). In CloudWatch Logs Insights:`, "");
  const q = tracesQueries(model);
  push("Recent calls:", "", code(q.recent.split("\n"), "sql"), "");
  push("Errors, refusals and latency by tool and release:", "", code(q.errorsByTool.split("\n"), "sql"), "");
  push("Model cost per hour:", "", code(q.cost.split("\n"), "sql"), "");
  push("From a terminal:", "");
  push(
    code([
      `QUERY_ID=$(aws logs start-query --region ${r} --log-group-name ${n.logGroup} \\`,
      "  --start-time $(date -d '-1 hour' +%s) --end-time $(date +%s) \\",
      `  --query-string '${q.errorsByTool.replace(/\n/g, " ")}' --query queryId --output text)`,
      `aws logs get-query-results --region ${r} --query-id "$QUERY_ID"`,
    ]),
    "",
  );
  if (n.alarms.length > 0) {
    push(`Alarms on this agent (they notify \`${n.alarmTopic}\`):`, "", ...n.alarms.map((a) => `- \`${a}\``), "");
    push(code([`aws cloudwatch describe-alarms --region ${r} --alarm-name-prefix ${commonPrefix(n.alarms)} --query 'MetricAlarms[].[AlarmName,StateValue,StateReason]' --output table`]), "");
  }
  push(...renderAlarmRunbook(model, n, { ...(options.plan !== undefined ? { plan: options.plan } : {}), stackDir }));

  // --- Permission map --------------------------------------------------------------------------
  push("## Permission map", "");
  push("What each tool can reach. The task role holds exactly the AWS rows; nothing else is granted.", "");
  push("| Tool | Tier | System | Access | Actions | Resources |", "| --- | --- | --- | --- | --- | --- |");
  for (const t of model.tools) {
    const entries = model.permissions.filter((p) => p.tool === t.name);
    const tier = tierLabel(t);
    if (entries.length === 0) push(`| \`${t.name}\` | ${tier} | — | — | — | no access to any system |`);
    for (const p of entries) {
      const wildcard = p.wildcardReason ? ` (WILDCARD: ${p.wildcardReason})` : "";
      push(`| \`${t.name}\` | ${tier} | ${cell(p.system)} | ${p.access} | ${cell(p.actions.join(", "))} | ${cell(p.resources.join(", "))}${cell(wildcard)} |`);
    }
  }
  push("");
  const egress = model.egress.hosts.map((h) => `\`${h}\` (${model.egress.rangesByHost[h]?.join(", ") ?? "DNS firewall only"})`);
  push(`Egress on 443: ${egress.join("; ") || "none"}.`);
  if (model.egress.anyIpOn443) push(`**Opt-out:** 443 to any address, limited by the DNS firewall only: ${model.egress.anyIpOn443.reason}.`);
  push(`AWS APIs through VPC endpoints only: ${model.egress.awsServices.join(", ")}.`, "");

  // --- Autonomy --------------------------------------------------------------------------------
  push("## Widening autonomy safely", "");
  push(
    `An action type may move from \`approve\` to \`auto\` after ${AUTONOMY_RULE.minStreak} approvals in a row without an edit, over at least ${AUTONOMY_RULE.minWindowDays} days and on ${AUTONOMY_RULE.minDistinctDays} distinct days, by at least ${AUTONOMY_RULE.minApprovers} people clicking in Slack, with no rejection or incident in that window. ` +
      `\`always-approve\` and the classes ${AUTONOMY_RULE.neverAuto.map((c) => `\`${c}\``).join(" and ")} never widen. ` +
      "The change is a manifest edit that goes through review: `airlock plan --out new.json`, then `airlock diff old.json new.json` shows the relaxed tier and exits 1 so CI asks for approval.",
    "",
  );
  if (model.riskLines.length === 0) {
    push("The manifest has no risk lines: no tool waits for approval.", "");
  } else {
    const evidence = new Map((options.evidence ?? []).map((e) => [e.actionType, e]));
    push("| Action type | Tier | Tools | Evidence | Verdict |", "| --- | --- | --- | --- | --- |");
    for (const a of model.riskLines) {
      const e = evidence.get(a.actionType);
      const cls = a.riskClass ? ` (${a.riskClass})` : "";
      const ev = e
        ? `${e.approvals} approved, ${e.edits} edited, ${e.rejections} rejected, ${e.incidents} incidents; streak ${e.streak} over ${e.windowDays.toFixed(1)} days`
        : "none given";
      push(`| \`${a.actionType}\`${cls} | ${a.tier} | ${a.tools.map((t) => `\`${t}\``).join(", ") || "—"} | ${cell(ev)} | ${cell(verdict(a.tier, a.riskClass, e))} |`);
    }
    push("");
    for (const e of options.evidence ?? []) {
      if (e.eligible && e.manifestChange) push(`Proposed change for \`${e.actionType}\` (review before merging):`, "", code(e.manifestChange.trimEnd().split("\n"), "yaml"), "");
    }
    if (options.evidence === undefined) push("No evidence given: pass the approvals autonomy report with `--evidence report.json` to see which action types qualify.", "");
  }

  // --- Diagram ---------------------------------------------------------------------------------
  push("## Diagram", "", code(renderMermaid(model).split("\n"), "mermaid"), "");
  return out.join("\n");
}

function tierLabel(t: ToolSummary): string {
  return t.actionType ? `${t.tier} (\`${t.actionType}\`)` : t.tier;
}

function verdict(tier: Tier, cls: RiskClass | undefined, e: AutonomyEvidence | undefined): string {
  if (tier === "auto") return "already auto";
  if (tier === "always-approve") return "never widens (always-approve)";
  if (cls !== undefined && AUTONOMY_RULE.neverAuto.includes(cls)) return `never widens to auto (class ${cls})`;
  if (e === undefined) return `keep approve: no evidence yet (needs ${AUTONOMY_RULE.minStreak} approvals without edit over ${AUTONOMY_RULE.minWindowDays} days, on ${AUTONOMY_RULE.minDistinctDays} days, by ${AUTONOMY_RULE.minApprovers} approvers)`;
  if (e.eligible) return "eligible to widen to auto: propose the manifest change below for review";
  return `keep approve: ${e.reasons.join("; ")}`;
}

/** The longest beginning all names share (the alarms' `airlock-<stack>-<agent>-`). */
function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return "";
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
