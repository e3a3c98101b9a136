/**
 * `airlock deploy verify --wait <seconds>`: reads the service again, with a bounded backoff, until
 * its deployment settles or the wait ends. `pulumi up` returns before ECS finishes (and reports a
 * rollback as "updated", PULUMI_ECS_ROLLBACK_REPORTED_AS_UPDATED), and a deployment stays
 * IN_PROGRESS through its bake time (ECS_DEPLOYMENT_ALARM_FACTS.bakeTime), so a deploy job checks
 * once the primary deployment is COMPLETED or FAILED (ECS_DEPLOYMENT_STATE_FACTS.rolloutState).
 * The clock and the sleep are injected, so tests move time without waiting.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import { verifyDeployment, type IntendedDeployment, type VerifyReport } from "./verify.ts";

/** Time, for the wait: the real one, or a test's. */
export interface WaitClock {
  /** Milliseconds since some fixed point. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The system clock and `setTimeout`. */
export const SYSTEM_CLOCK: WaitClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** The backoff between reads: 5 s, doubling, at most 30 s (never past the end of the wait). */
export const WAIT_BACKOFF = { firstMs: 5_000, factor: 2, maxMs: 30_000 } as const;

/** The longest `--wait`, in seconds: one hour (the example deploy job's own timeout). */
export const MAX_WAIT_SECONDS = 3_600;

/** A report after waiting: how many times the service was read, and how long the wait took. */
export type WaitedReport = VerifyReport & { readonly polls: number; readonly waitedSeconds: number };

/**
 * Whether the deployment is still moving, so reading again could change the verdict: the intended
 * deployment is in progress, or the service runs another revision whose deployment is still in
 * progress (ECS may not list the intended one yet). A rollback, a failure, a completed deployment
 * and a settled other revision are final.
 */
export function stillSettling(report: VerifyReport): boolean {
  return report.verdict === "in-progress" || (report.verdict === "mismatch" && report.primary?.rolloutState === "IN_PROGRESS");
}

/**
 * Reads the service until {@link stillSettling} is false or `waitSeconds` have passed. A wait that
 * ends with the deployment still moving gives verdict `in-progress` (exit 1), its summary saying
 * "still in progress after N s".
 *
 * @param onWait - told before each sleep (the report just read and the sleep in ms), for progress lines
 */
export async function waitForDeployment(
  ecs: ECSClient,
  intended: IntendedDeployment,
  waitSeconds: number,
  clock: WaitClock = SYSTEM_CLOCK,
  onWait?: (report: VerifyReport, sleepMs: number) => void,
): Promise<WaitedReport> {
  const start = clock.now();
  const deadline = start + waitSeconds * 1000;
  // Task definitions do not change: each revision's release tag is read once.
  const tags = new Map<string, string | undefined>();
  let delay: number = WAIT_BACKOFF.firstMs;
  for (let polls = 1; ; polls++) {
    const report = await verifyDeployment(ecs, intended, tags);
    const waitedSeconds = Math.round((clock.now() - start) / 1000);
    if (!stillSettling(report)) return { ...report, polls, waitedSeconds };
    const left = deadline - clock.now();
    if (left <= 0) {
      return {
        ...report,
        verdict: "in-progress",
        exitCode: 1,
        polls,
        waitedSeconds,
        summary: `Still in progress after ${waitSeconds} s: ${report.summary}`,
        next: `The deployment has not settled; ECS may still complete it or roll it back. Look again with a longer wait (\`airlock deploy verify … --wait ${Math.min(waitSeconds * 2, MAX_WAIT_SECONDS)}\`), and read the service's events (\`aws ecs describe-services --cluster ${intended.cluster} --services ${intended.service}\`).`,
      };
    }
    const ms = Math.min(delay, left);
    onWait?.(report, ms);
    await clock.sleep(ms);
    delay = Math.min(delay * WAIT_BACKOFF.factor, WAIT_BACKOFF.maxMs);
  }
}
