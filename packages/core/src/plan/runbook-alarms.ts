/**
 * The runbook's "When an alarm fires" section: per alarm of the agent, what happens on its own
 * (ECS rolls a release back, or nothing but the notification) and what a person does. The alarms
 * come from the plan (`plannedAlarms`); without one, from Airlock's naming convention and the
 * default rollback settings (the agent's and each tool's error rate roll back), said so.
 */
import type { AgentModel } from "../compile/model.ts";
import { ALARM_SIGNALS } from "../contracts/index.ts";
import { plannedAlarms, watches, type PlannedAlarm } from "./alarms.ts";
import type { PlanDocument } from "./plan.ts";

/** The names the section's commands use (the runbook's `RunbookNames`). */
export interface AlarmRunbookNames {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly logGroup: string;
  readonly alarmTopic: string;
}

/** The agent's alarms: the plan's, or the convention's with the default rollback settings. */
export function agentAlarms(model: AgentModel, plan?: PlanDocument): { alarms: PlannedAlarm[]; fromPlan: boolean } {
  if (plan !== undefined) return { alarms: (plan.alarms ?? plannedAlarms(plan.resources)).filter((a) => a.agent === model.name), fromPlan: true };
  const name = (what: string) => `airlock-<stack>-${model.name}-${what}`;
  const row = (what: string, signal: PlannedAlarm["signal"], rollsBack: boolean, tool?: string): PlannedAlarm => ({ agent: model.name, name: name(what), signal, rollsBack, ...(tool !== undefined ? { tool } : {}) });
  return {
    alarms: [
      row("error-rate", ALARM_SIGNALS.errorRate, true),
      ...model.tools.map((t) => row(`tool-${t.name}-error-rate`, ALARM_SIGNALS.toolErrorRate, true, t.name)),
      row("cost-anomaly", ALARM_SIGNALS.costAnomaly, false),
      row("cost-per-hour", ALARM_SIGNALS.costPerHour, false),
      row("task-restarts", ALARM_SIGNALS.taskRestarts, false),
    ],
    fromPlan: false,
  };
}

const code = (lines: readonly string[]) => ["```sh", ...lines, "```"].join("\n");

/** What happens on its own when a deployment alarm trips, and when it trips outside a deployment. */
function automatic(a: PlannedAlarm, topic: string): string {
  if (a.rollsBack) {
    return (
      `**Automatic:** it is a deployment alarm. If it goes to ALARM while a release deploys or in the bake time after, ECS fails that deployment and returns the service to the last completed one (Pulumi still reports the service "updated"). ` +
      `Outside a deployment nothing rolls back: it only notifies \`${topic}\`.`
    );
  }
  if (a.signal === ALARM_SIGNALS.taskRestarts) return `**Automatic:** it notifies \`${topic}\`. During a deployment the circuit breaker rolls back a release whose tasks fail to start; this alarm is not a deployment alarm.`;
  return `**Automatic:** it only notifies \`${topic}\`; nothing rolls back (make it a deployment alarm with the AgentDeployment's \`alarms.rollback\`).`;
}

/** What a person does, per signal. */
function person(a: PlannedAlarm, model: AgentModel, n: AlarmRunbookNames, stackDir: string): string[] {
  const verify = `airlock deploy verify --region ${n.region} --cluster ${n.cluster} --service ${n.service} --release <the release you deployed>`;
  const rolledBack =
    "If it reports a rollback (exit 1), bring the stack config back in line: mark the release `bad: <reason>` in the stack config and set `activeRelease` to the release the service runs again " +
    `(\`airlock rollback ${stackDir} --write\` picks it), so the next \`pulumi up\` does not deploy the failed release again.`;
  const deployCheck = [`**You:** if a deploy was under way, see whether ECS rolled it back:`, "", code([verify]), "", rolledBack, ""];
  switch (a.signal) {
    case ALARM_SIGNALS.errorRate:
      return [...deployCheck, "Otherwise read the errors by tool and release (section 4) and roll back by hand (section 3) if the current release is the cause.", ""];
    case ALARM_SIGNALS.toolErrorRate: {
      const systems = model.permissions.filter((p) => p.tool === a.tool).map((p) => `\`${p.system}\``);
      return [
        ...deployCheck,
        `Otherwise \`${a.tool}\` is failing on its own: check what it reaches (${systems.join(", ") || "no system of its own"}) before blaming the release, with the errors by tool (section 4) filtered to \`Tool = "${a.tool}"\`.`,
        "",
      ];
    }
    case ALARM_SIGNALS.toolCalls:
      return [`**You:** \`${a.tool}\` is being called far more than usual: the agent may be looping. Pause it (section 1) if the calls do harm or cost money, then read its recent calls (section 4).`, ""];
    case ALARM_SIGNALS.costPerHour:
    case ALARM_SIGNALS.costAnomaly:
      return [`**You:** read the model cost per hour by release (section 4); if the agent is looping, pause it (section 1). If a new release spends more, roll back (section 3).`, ""];
    case ALARM_SIGNALS.taskRestarts:
      return [
        "**You:** read why tasks stopped:",
        "",
        code([
          `aws ecs list-tasks --region ${n.region} --cluster ${n.cluster} --service-name ${n.service} --desired-status STOPPED --query 'taskArns[:5]' --output text \\`,
          `  | xargs aws ecs describe-tasks --region ${n.region} --cluster ${n.cluster} --query 'tasks[].[taskDefinitionArn,stopCode,stoppedReason]' --output table --tasks`,
        ]),
        "",
        "A release that cannot start is rolled back by the circuit breaker while it deploys; check with `airlock deploy verify` as above.",
        "",
      ];
    default:
      return [`**You:** ${a.description ?? "see the alarm's description"}`, ""];
  }
}

/**
 * The runbook's section on alarms, one entry per alarm.
 *
 * @param model - the agent
 * @param n - the names the commands use
 * @param options - the plan (for the agent's real alarms) and the stack directory for `airlock rollback`
 * @returns Markdown lines
 */
export function renderAlarmRunbook(model: AgentModel, n: AlarmRunbookNames, options: { plan?: PlanDocument; stackDir: string }): string[] {
  const { alarms, fromPlan } = agentAlarms(model, options.plan);
  const out: string[] = ["### 5. When an alarm fires", ""];
  const back = alarms.filter((a) => a.rollsBack);
  out.push(
    `${alarms.length} alarms watch this agent; ${back.length} of them are deployment alarms (they roll a release back). ` +
      "ECS fails a deployment when any deployment alarm goes to ALARM while it deploys or bakes, and returns to the last completed deployment.",
    "",
  );
  if (!fromPlan) out.push("> Without a plan these are the alarms with the default settings (the error rate and each tool's error rate roll back); pass `--plan plan.json` for the deployed ones.", "");
  for (const a of alarms) {
    out.push(`#### \`${a.name}\` (${a.rollsBack ? "rolls back" : "notifies"})`, "", `Watches: ${watches(a)}.`, "", automatic(a, n.alarmTopic), "", ...person(a, model, n, options.stackDir));
  }
  return out;
}
