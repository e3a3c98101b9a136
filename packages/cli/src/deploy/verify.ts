/**
 * After `pulumi up` or `airlock rollback`: does the service run the intended task definition
 * revision, and did its deployment complete? Pulumi reports an ECS rollback as "updated"
 * (PULUMI_ECS_ROLLBACK_REPORTED_AS_UPDATED), so this reads the service back with DescribeServices
 * (and DescribeTaskDefinition for the running revision's `airlock:release` tag) and judges it:
 * ok, still in progress, failed, or rolled back by the circuit breaker or an alarm (the primary
 * deployment runs another revision; the failed deployment, when ECS still lists it, gives the
 * reason). Facts: ECS_DEPLOYMENT_STATE_FACTS.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type Deployment, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { TAGS } from "@airlock/core/contracts";

/** What the service should run: a task definition revision, or a release (the revision's `airlock:release` tag). */
export interface IntendedDeployment {
  readonly cluster: string;
  readonly service: string;
  /** ARN, or `family:revision`. */
  readonly taskDefinition?: string;
  readonly release?: string;
}

/** One deployment of the service as the report shows it. */
export interface DeploymentView {
  readonly id: string;
  readonly status: string;
  readonly taskDefinition: string;
  readonly release?: string;
  readonly rolloutState?: string;
  readonly rolloutStateReason?: string;
  readonly runningCount?: number;
  readonly desiredCount?: number;
  readonly failedTasks?: number;
}

/** The check's outcome. */
export type Verdict = "ok" | "in-progress" | "failed" | "rolled-back" | "mismatch";

export interface VerifyReport {
  readonly verdict: Verdict;
  /** 0 ok; 1 anything else (the service is not where the stack says, or not there yet). */
  readonly exitCode: 0 | 1;
  readonly cluster: string;
  readonly service: string;
  readonly intended: { readonly taskDefinition?: string; readonly release?: string };
  /** The primary deployment: what the service runs, or is moving to. */
  readonly primary: DeploymentView | undefined;
  /** Every deployment ECS listed, primary first. */
  readonly deployments: readonly DeploymentView[];
  /** The deployment of the intended revision that failed, when ECS still lists it. */
  readonly failedDeployment?: DeploymentView;
  /** The service's events that mention a rollback, the circuit breaker or an alarm, newest first (at most 5). */
  readonly evidence: readonly string[];
  /** What happened, in a sentence or two. */
  readonly summary: string;
  /** What a person does next. */
  readonly next?: string;
}

/** `…/task-definition/family:revision` or `family:revision` → `family:revision`. */
export function taskDefinitionKey(arn: string): string {
  const i = arn.indexOf("task-definition/");
  return i >= 0 ? arn.slice(i + "task-definition/".length) : arn;
}

function view(d: Deployment, releases: ReadonlyMap<string, string>): DeploymentView {
  const td = d.taskDefinition ?? "";
  const release = releases.get(td);
  return {
    id: d.id ?? "",
    status: d.status ?? "",
    taskDefinition: td,
    ...(release !== undefined ? { release } : {}),
    ...(d.rolloutState !== undefined ? { rolloutState: d.rolloutState } : {}),
    ...(d.rolloutStateReason !== undefined ? { rolloutStateReason: d.rolloutStateReason } : {}),
    ...(d.runningCount !== undefined ? { runningCount: d.runningCount } : {}),
    ...(d.desiredCount !== undefined ? { desiredCount: d.desiredCount } : {}),
    ...(d.failedTasks !== undefined ? { failedTasks: d.failedTasks } : {}),
  };
}

/**
 * Judges a described service against what was intended (pure).
 *
 * @param service - DescribeServices' service
 * @param intended - the revision or release the stack deployed
 * @param releases - task definition ARN → its `airlock:release` tag, for the revisions read
 */
export function judgeDeployment(service: Service, intended: IntendedDeployment, releases: ReadonlyMap<string, string> = new Map()): VerifyReport {
  const all = (service.deployments ?? []).map((d) => view(d, releases));
  const primary = all.find((d) => d.status === "PRIMARY");
  const deployments = primary === undefined ? all : [primary, ...all.filter((d) => d !== primary)];
  const isIntended = (d: DeploymentView) =>
    intended.taskDefinition !== undefined ? taskDefinitionKey(d.taskDefinition) === taskDefinitionKey(intended.taskDefinition) : intended.release !== undefined && d.release === intended.release;
  const failedDeployment = deployments.find((d) => d !== primary && isIntended(d) && d.rolloutState === "FAILED");
  // DescribeServices lists the service's events newest first.
  const evidence = (service.events ?? []).map((e) => e.message ?? "").filter((m) => /roll(ed|ing)? ?back|circuit breaker|alarm/i.test(m)).slice(0, 5);
  const wanted = intended.taskDefinition !== undefined ? `task definition ${taskDefinitionKey(intended.taskDefinition)}` : `release ${intended.release}`;
  const runs = (d: DeploymentView | undefined) => (d === undefined ? "nothing (no primary deployment)" : `${taskDefinitionKey(d.taskDefinition)}${d.release !== undefined ? ` (release ${d.release})` : ""}`);
  const base = { cluster: intended.cluster, service: intended.service, intended: { ...(intended.taskDefinition !== undefined ? { taskDefinition: intended.taskDefinition } : {}), ...(intended.release !== undefined ? { release: intended.release } : {}) }, primary, deployments, evidence };
  const realign =
    "Bring the stack config back in line: mark the failed release `bad: <reason>` and set `activeRelease` to the release the service runs (`airlock rollback --write` does it), then deploy so Pulumi's state matches ECS.";
  if (primary !== undefined && isIntended(primary)) {
    if (primary.rolloutState === "FAILED") {
      return { ...base, verdict: "failed", exitCode: 1, summary: `The deployment of ${wanted} FAILED and was not rolled back: ${primary.rolloutStateReason ?? "no reason given"}.`, next: "Roll back by hand (`airlock rollback`), then find out why its tasks failed or which alarm tripped." };
    }
    if (primary.rolloutState === "IN_PROGRESS" || all.some((d) => d !== primary && d.rolloutState === "IN_PROGRESS")) {
      return { ...base, verdict: "in-progress", exitCode: 1, summary: `The service is moving to ${wanted} but the deployment has not completed (${primary.rolloutStateReason ?? "IN_PROGRESS"}); ECS may still roll it back within its bake time.`, next: `Run this again once the deployment settles (\`aws ecs wait services-stable --cluster ${intended.cluster} --services ${intended.service}\`).` };
    }
    return { ...base, verdict: "ok", exitCode: 0, summary: `The service runs ${runs(primary)} and its deployment ${primary.rolloutState === "COMPLETED" ? "COMPLETED" : "is steady"}.` };
  }
  if (failedDeployment !== undefined || (primary !== undefined && /roll(ing|ed)? ?back/i.test(primary.rolloutStateReason ?? ""))) {
    const why = failedDeployment?.rolloutStateReason ?? primary?.rolloutStateReason ?? "no reason given";
    const by = /alarm/i.test(why) || evidence.some((e) => /alarm/i.test(e)) ? "a deployment alarm" : /circuit breaker/i.test(why) || evidence.some((e) => /circuit breaker/i.test(e)) ? "the deployment circuit breaker" : "ECS";
    return { ...base, ...(failedDeployment !== undefined ? { failedDeployment } : {}), verdict: "rolled-back", exitCode: 1, summary: `ECS rolled ${wanted} back (by ${by}: ${why}); the service runs ${runs(primary)}.`, next: realign };
  }
  return {
    ...base,
    verdict: "mismatch",
    exitCode: 1,
    summary: `The service runs ${runs(primary)}, not ${wanted}, and ECS lists no deployment of it: it was never deployed, or ECS rolled it back and no longer lists the failed deployment (the service's events say which).`,
    next: realign,
  };
}

/**
 * Reads the service and judges it. A service or cluster ECS does not know is an Error whose message
 * says so (the command turns it into exit 2).
 *
 * @param tags - task definition ARN → its `airlock:release` tag (undefined: none), filled as read;
 *   a caller reading the service again passes the same map, so each revision is described once
 */
export async function verifyDeployment(ecs: ECSClient, intended: IntendedDeployment, tags: Map<string, string | undefined> = new Map()): Promise<VerifyReport> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: intended.cluster, services: [intended.service] }));
  const service = out.services?.find((s) => s.serviceName === intended.service || s.serviceArn === intended.service);
  if (service === undefined || service.status === "INACTIVE") {
    const why = out.failures?.[0]?.reason ?? (service?.status === "INACTIVE" ? "INACTIVE" : "not found");
    throw new NotFoundError(`\`--service\`: ECS has no service ${intended.service} in cluster ${intended.cluster} (${why}); check the names (and --region)`);
  }
  const releases = new Map<string, string>();
  if (intended.release !== undefined) {
    for (const td of new Set((service.deployments ?? []).map((d) => d.taskDefinition).filter((t): t is string => t !== undefined))) {
      if (!tags.has(td)) {
        const d = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: td, include: ["TAGS"] }));
        tags.set(td, d.tags?.find((t) => t.key === TAGS.release)?.value);
      }
      const tag = tags.get(td);
      if (tag !== undefined) releases.set(td, tag);
    }
  }
  return judgeDeployment(service, intended, releases);
}

/** The service or cluster does not exist (bad input: exit 2). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/** The report as text. */
export function formatVerifyReport(r: VerifyReport): string {
  const lines = [`${r.verdict === "ok" ? "OK" : r.verdict.toUpperCase()}: ${r.summary}`];
  for (const d of r.deployments) {
    lines.push(`  ${d.status.padEnd(8)} ${taskDefinitionKey(d.taskDefinition)}${d.release !== undefined ? ` (release ${d.release})` : ""}  ${d.rolloutState ?? "-"}${d.rolloutStateReason ? `: ${d.rolloutStateReason}` : ""}`);
  }
  for (const e of r.evidence) lines.push(`  event: ${e}`);
  if (r.next !== undefined) lines.push(r.next);
  return lines.join("\n");
}
