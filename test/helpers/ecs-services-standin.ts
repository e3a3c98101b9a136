/**
 * A loopback stand-in for the ECS calls `airlock deploy verify` makes, driven by the real SDK
 * client (`@aws-sdk/client-ecs`; AWS JSON 1.1, SigV4-signed with test credentials, checked for
 * the service name): `DescribeServices` and `DescribeTaskDefinition` (with `include: ["TAGS"]`).
 * Apart from the sandbox's stand-in (packages/runtime/test/helpers/ecs-standin.ts), which serves
 * RunTask and its tasks.
 *
 * A service moves the way ECS moves one (ECS_DEPLOYMENT_STATE_FACTS), scripted by the test:
 * `deploy(td)` starts a PRIMARY deployment IN_PROGRESS (the old one turns ACTIVE), `complete()`
 * makes it COMPLETED and drops the others, `rollBack(reason)` fails it (FAILED with the reason) and
 * starts a deployment of the last completed revision, as the circuit breaker or a deployment
 * alarm does (rolloutStateReason "…rolling back to deploymentId …", an event per step), and
 * `forgetFailed()` drops the failed one from `deployments`, as ECS does once the rollback is done.
 * `afterPolls(n, step)` runs a step once the service has been described n more times, so a test
 * of `--wait` scripts a deployment that completes (or rolls back) while the command polls.
 *
 * ```ts
 * const ecs = new EcsServicesStandIn();
 * await ecs.start();
 * ecs.addService("support-agent-prod", "arn:…:task-definition/support-agent-prod:6", { "airlock:release": "v2" });
 * ecs.registerTaskDefinition("arn:…:task-definition/support-agent-prod:7", { "airlock:release": "v3" });
 * ecs.deploy("support-agent-prod", "arn:…:task-definition/support-agent-prod:7");
 * ecs.rollBack("support-agent-prod", "ECS deployment circuit breaker: tasks failed to start.");
 * // AWS_ENDPOINT_URL_ECS = ecs.url, AWS_REGION = REGION, test credentials: ecs.env()
 * await ecs.stop();
 * ```
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
export const CLUSTER = "airlock-agents";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
const CREDENTIALS = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

/** A task definition ARN of this account and Region. */
export const taskDefinitionArn = (family: string, revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

interface StandInDeployment {
  id: string;
  status: "PRIMARY" | "ACTIVE";
  taskDefinition: string;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason: string;
  desiredCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
}

interface StandInService {
  name: string;
  deployments: StandInDeployment[];
  /** Newest first, as DescribeServices lists them. */
  events: { id: string; createdAt: number; message: string }[];
  /** The revision of the last completed deployment: what a rollback returns to. */
  lastCompleted: string;
}

/** One call the stand-in served. */
export interface ServicesApiCall {
  readonly operation: string;
  readonly input: Record<string, any>;
}

export class EcsServicesStandIn {
  readonly calls: ServicesApiCall[] = [];
  url = "";
  #server: Server | undefined;
  #services = new Map<string, StandInService>();
  #taskDefinitions = new Map<string, Record<string, string>>();
  #scripts: { name: string; left: number; step: () => void }[] = [];
  #seq = 0;
  #clock = 1_764_633_600; // a fixed epoch second: nothing here depends on the time

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#serve(req).then(
        ({ status, body, type }) => res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(type ? { "x-amzn-errortype": type } : {}) }).end(JSON.stringify(body)),
        (e: Error) => res.writeHead(500).end(JSON.stringify({ __type: "ServerException", message: e.message })),
      );
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The environment `airlock deploy verify` needs to reach this stand-in. */
  env(): Record<string, string> {
    return { AWS_ENDPOINT_URL_ECS: this.url, AWS_REGION: REGION, ...CREDENTIALS };
  }

  registerTaskDefinition(arn: string, tags: Record<string, string> = {}): void {
    this.#taskDefinitions.set(arn, tags);
  }

  /** A service whose one deployment of `taskDefinition` COMPLETED. */
  addService(name: string, taskDefinition: string, tags: Record<string, string> = {}): void {
    this.registerTaskDefinition(taskDefinition, tags);
    this.#services.set(name, { name, deployments: [this.#deployment(taskDefinition, "COMPLETED", "ECS deployment completed.")], events: [], lastCompleted: taskDefinition });
    this.#event(name, `(service ${name}) has reached a steady state.`);
  }

  /** Starts a deployment of `taskDefinition` (what `pulumi up` does when the service's task definition changes). */
  deploy(name: string, taskDefinition: string): void {
    const s = this.#service(name);
    for (const d of s.deployments) d.status = "ACTIVE";
    const d = this.#deployment(taskDefinition, "IN_PROGRESS", "ECS deployment in progress.");
    s.deployments.unshift(d);
    this.#event(name, `(service ${name}) has started 1 tasks: (task ${d.id.slice(-8)}).`);
  }

  /** The primary deployment reaches a steady state (and the bake time passes). */
  complete(name: string): void {
    const s = this.#service(name);
    const p = s.deployments[0]!;
    p.rolloutState = "COMPLETED";
    p.rolloutStateReason = "ECS deployment completed.";
    p.runningCount = p.desiredCount;
    s.deployments = [p];
    s.lastCompleted = p.taskDefinition;
    this.#event(name, `(service ${name}) (deployment ${p.id}) deployment completed.`);
  }

  /**
   * The primary deployment fails (`reason`: the circuit breaker's or the alarm's) and ECS starts a
   * deployment of the last completed revision, which completes.
   */
  rollBack(name: string, reason: string): void {
    const s = this.#service(name);
    const failed = s.deployments[0]!;
    failed.status = "ACTIVE";
    failed.rolloutState = "FAILED";
    failed.rolloutStateReason = reason;
    failed.failedTasks = /circuit breaker/i.test(reason) ? 3 : 0;
    failed.runningCount = 0;
    this.#event(name, `(service ${name}) (deployment ${failed.id}) deployment failed: ${reason}`);
    const back = this.#deployment(s.lastCompleted, "COMPLETED", `ECS deployment ${failed.id} failed; rolling back to the last completed deployment (${s.lastCompleted.split("/").pop()}).`);
    // The rollback's deployment is the primary; the failed one stays listed until forgetFailed().
    s.deployments = [back, failed];
    this.#event(name, `(service ${name}) rolling back to deployment ${back.id}.`);
  }

  /** ECS stops listing the failed deployment once the rollback is done. */
  forgetFailed(name: string): void {
    const s = this.#service(name);
    s.deployments = s.deployments.filter((d) => d.rolloutState !== "FAILED");
  }

  /**
   * Runs `step` (e.g. `() => ecs.complete(name)`) right after the service's `polls`-th
   * DescribeServices answer from now: the first `polls` reads see the state before it.
   */
  afterPolls(name: string, polls: number, step: () => void): void {
    this.#service(name);
    this.#scripts.push({ name, left: polls, step });
  }

  /** Calls of one operation. */
  ops(operation: string): ServicesApiCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }

  #service(name: string): StandInService {
    const s = this.#services.get(name);
    if (s === undefined) throw new Error(`stand-in: no service ${name}`);
    return s;
  }

  #deployment(taskDefinition: string, rolloutState: StandInDeployment["rolloutState"], rolloutStateReason: string): StandInDeployment {
    const at = (this.#clock += 60);
    return { id: `ecs-svc/${String(++this.#seq).padStart(19, "0")}`, status: "PRIMARY", taskDefinition, rolloutState, rolloutStateReason, desiredCount: 1, runningCount: rolloutState === "COMPLETED" ? 1 : 0, failedTasks: 0, createdAt: at, updatedAt: at };
  }

  #event(name: string, message: string): void {
    this.#service(name).events.unshift({ id: `ev-${++this.#seq}`, createdAt: (this.#clock += 1), message });
  }

  async #serve(req: IncomingMessage): Promise<{ status: number; body: unknown; type?: string }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const [prefix, operation = ""] = target.split(".");
    const error = (status: number, type: string, message: string) => ({ status, body: { __type: type, message }, type });
    if (prefix !== "AmazonEC2ContainerServiceV20141113" || req.method !== "POST") return error(400, "UnknownOperationException", `no operation ${target}`);
    const signed = new RegExp(`^AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/${REGION}/ecs/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$`);
    if (!signed.test(String(req.headers.authorization ?? ""))) return error(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, any>;
    this.calls.push({ operation, input });
    if (operation === "DescribeServices") {
      if (input.cluster !== CLUSTER && input.cluster !== CLUSTER_ARN) return error(400, "ClusterNotFoundException", "Cluster not found.");
      const names = (input.services ?? []) as string[];
      const found = names.map((n) => this.#services.get(n.split("/").pop()!)).filter((s): s is StandInService => s !== undefined);
      const answer = {
        status: 200,
        body: {
          services: found.map((s) => ({
            serviceName: s.name,
            serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${s.name}`,
            clusterArn: CLUSTER_ARN,
            status: "ACTIVE",
            taskDefinition: s.deployments[0]!.taskDefinition,
            desiredCount: 1,
            runningCount: s.deployments[0]!.runningCount,
            deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100, alarms: { alarmNames: [`airlock-prod-${s.name}-error-rate`], enable: true, rollback: true } },
            deployments: s.deployments.map((d) => ({ ...d, launchType: "FARGATE" })),
            events: s.events.slice(0, 100),
          })),
          failures: names.filter((n) => !this.#services.has(n.split("/").pop()!)).map((n) => ({ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${n}`, reason: "MISSING" })),
        },
      };
      // The answer is made; now the scripted steps of the services it described move on.
      for (const script of this.#scripts.filter((x) => found.some((s) => s.name === x.name))) {
        if (--script.left === 0) script.step();
      }
      this.#scripts = this.#scripts.filter((x) => x.left > 0);
      return answer;
    }
    if (operation === "DescribeTaskDefinition") {
      const tags = this.#taskDefinitions.get(input.taskDefinition);
      if (tags === undefined) return error(400, "ClientException", "Unable to describe task definition.");
      const [family, revision] = String(input.taskDefinition).split("/").pop()!.split(":");
      return {
        status: 200,
        body: { taskDefinition: { taskDefinitionArn: input.taskDefinition, family, revision: Number(revision), status: "ACTIVE" }, ...(Array.isArray(input.include) && input.include.includes("TAGS") ? { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } : {}) },
      };
    }
    return error(400, "InvalidParameterException", `the stand-in does not serve ${operation}`);
  }
}
