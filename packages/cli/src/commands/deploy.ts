/**
 * `airlock deploy verify`: after `pulumi up` or `airlock rollback`, whether the agent's ECS service
 * runs the intended task definition revision (or release) and its deployment completed, read with
 * DescribeServices. Exit 0 ok, 1 not (rolled back, failed, in progress, another revision), 2 bad
 * input. With `--wait <seconds>` it reads the service again (bounded backoff, deploy/wait.ts) until
 * the deployment settles or the wait ends ("still in progress after N s", exit 1). The client
 * follows AWS's own environment (region, credentials, `AWS_ENDPOINT_URL_ECS` for a stand-in).
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { credentialsFromEnv } from "../aws-env.ts";
import { UsageError, type Io } from "../io.ts";
import { checkRegion } from "../plan/region.ts";
import { parseCommand, pickSubcommand } from "../options.ts";
import { DEPLOY_VERIFY } from "./specs.ts";
import { formatVerifyReport, NotFoundError, verifyDeployment, type IntendedDeployment, type VerifyReport } from "../deploy/verify.ts";
import { MAX_WAIT_SECONDS, SYSTEM_CLOCK, waitForDeployment, type WaitClock } from "../deploy/wait.ts";

const TASK_DEFINITION = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}:\d+$/;

/** The ECS client of the command, from the flags and the environment. */
export function ecsClientFor(region: string, env: Io["env"]): ECSClient {
  const endpoint = env.AWS_ENDPOINT_URL_ECS ?? env.AWS_ENDPOINT_URL;
  return new ECSClient({
    region,
    ...credentialsFromEnv(env),
    ...(endpoint === undefined ? {} : { endpoint }),
  });
}

/** Checks the flags: exactly one of `--release` and `--task-definition`, a region. */
export function intendedFromFlags(values: { cluster?: string; service?: string; release?: string; "task-definition"?: string; region?: string }, env: Io["env"]): IntendedDeployment & { region: string } {
  const { cluster, service, release } = values;
  const taskDefinition = values["task-definition"];
  if (cluster === undefined || cluster === "") throw new UsageError("`--cluster`: give the ECS cluster the service runs on");
  if (service === undefined || service === "") throw new UsageError("`--service`: give the agent's ECS service (its name is in the plan)");
  if ((release === undefined) === (taskDefinition === undefined)) {
    throw new UsageError("give exactly one of `--release <id>` (the release the stack deployed) and `--task-definition <arn|family:revision>`");
  }
  if (taskDefinition !== undefined && !TASK_DEFINITION.test(taskDefinition)) {
    throw new UsageError(`\`--task-definition\`: "${taskDefinition}" is not a task definition revision; give its ARN or family:revision (e.g. support-agent-prod:7)`);
  }
  if (release !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(release)) throw new UsageError(`\`--release\`: "${release}" is not a release id`);
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined) throw new UsageError("`--region`: give the service's region (or set AWS_REGION)");
  return { cluster, service, region: checkRegion("--region", region), ...(release !== undefined ? { release } : {}), ...(taskDefinition !== undefined ? { taskDefinition } : {}) };
}

/** `--wait`: a whole number of seconds from 1 to {@link MAX_WAIT_SECONDS}, or undefined (read once). */
export function waitFromFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_WAIT_SECONDS)) {
    throw new UsageError(`\`--wait\`: "${value}" is not a wait; give whole seconds from 1 to ${MAX_WAIT_SECONDS} (e.g. --wait 900), or leave it out to read the service once`);
  }
  return seconds;
}

/**
 * Runs `airlock deploy verify`.
 *
 * @param clock - the wait's clock and sleep (tests pass their own; nothing else changes)
 */
export async function run(argv: string[], io: Io, clock: WaitClock = SYSTEM_CLOCK): Promise<number> {
  const [, rest] = pickSubcommand("deploy", ["verify"], argv);
  const parsed = parseCommand(DEPLOY_VERIFY, rest);
  const intended = intendedFromFlags(parsed.values, io.env);
  const wait = waitFromFlag(parsed.values.wait);
  const ecs = ecsClientFor(intended.region, io.env);
  let report: VerifyReport;
  try {
    report =
      wait === undefined
        ? await verifyDeployment(ecs, intended)
        : await waitForDeployment(ecs, intended, wait, clock, (r, ms) => io.err(`deploy verify: ${r.verdict}: ${r.primary?.rolloutStateReason ?? r.summary} Reading the service again in ${ms / 1000} s.`));
  } catch (e) {
    if (e instanceof NotFoundError) throw new UsageError(e.message);
    const err = e as Error & { name?: string };
    if (err.name === "ClusterNotFoundException") throw new UsageError(`\`--cluster\`: ECS has no cluster ${intended.cluster} in ${intended.region}`);
    throw new UsageError(`could not read service ${intended.service} in cluster ${intended.cluster} (${intended.region}): ${err.name ?? "Error"}: ${err.message}`);
  } finally {
    ecs.destroy();
  }
  io.out(parsed.values.json ? JSON.stringify(report, null, 2) : formatVerifyReport(report));
  return report.exitCode;
}
