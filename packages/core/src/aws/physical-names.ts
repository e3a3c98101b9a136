/**
 * The longest physical name each resource type accepts, the characters it allows, and whether
 * Pulumi auto-names it. Pulumi's auto-name is the logical name, `-` and 7 random hex characters;
 * the bridge refuses (`name '<logical>-' plus 7 random chars is longer than maximum length N`)
 * when that exceeds the provider's limit, and AWS refuses a longer explicit name at create time.
 * Terraform's `namePrefix` adds 26 characters (timestamp and counter).
 *
 * Limits come from the AWS API reference (as generated into tflint-ruleset-aws's rule models from
 * the AWS SDK's API definitions) and pulumi-aws's `provider/resources.go`; entries marked
 * `verified: false` are from the service documentation as remembered and could not be re-read.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export interface PhysicalNameLimit {
  /** Pulumi type token. */
  readonly type: string;
  /** The input holding the physical name (@pulumi/aws v7 property name). */
  readonly property: string;
  /** The Terraform-style prefix input, when the type has one. */
  readonly prefixProperty?: string;
  /** Whether Pulumi fills `property` from the logical name when it is omitted. */
  readonly autoNamed: boolean;
  /** Text the provider puts before an auto-name (KMS aliases: `alias/`). */
  readonly autoPrefix?: string;
  readonly maxLength: number;
  readonly minLength?: number;
  /** Characters the whole name must match, when the type restricts them. */
  readonly pattern?: RegExp;
  /** The allowed characters, for messages. */
  readonly allowed?: string;
  readonly source: FactSource;
}

/** Pulumi's auto-name suffix: `-` plus 7 hex characters. */
export const AUTO_NAME_SUFFIX_LENGTH = 8;
/** Terraform's `namePrefix` suffix (`id.PrefixedUniqueId`): 26 characters. */
export const NAME_PREFIX_SUFFIX_LENGTH = 26;

export const AUTO_NAME_FACT: FactSource = {
  url: "https://github.com/pulumi/pulumi/blob/master/sdk/go/common/resource/properties.go",
  quote: "func NewUniqueHex(prefix string, randlen, maxlen int) (string, error) { … if maxlen > 0 && len(prefix)+randlen > maxlen { return \"\", fmt.Errorf(\"name '%s' plus %d random chars is longer than maximum length %d\", prefix, randlen, maxlen) } (pulumi-aws: tfbridge.AutoName(\"name\", 64, \"-\") for aws_iam_role; the error reads \"name '<logical>-' plus 7 random chars is longer than maximum length N\")",
  checked: FACTS_CHECKED,
};

const api = (url: string, quote: string, verified = true): FactSource => ({ url, quote, checked: FACTS_CHECKED, ...(verified ? {} : { verified: false }) });
const IAM_NAME = /^[\w+=,.@-]+$/;
const IAM_CHARS = "letters, digits and + = , . @ _ -";
const LAMBDA_NAME = /^[a-zA-Z0-9_-]+$/;

export const PHYSICAL_NAME_LIMITS: readonly PhysicalNameLimit[] = [
  {
    type: "aws:iam/role:Role", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 64, pattern: IAM_NAME, allowed: IAM_CHARS,
    source: api("https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html", "RoleName … Length Constraints: Minimum length of 1. Maximum length of 64. Pattern: [\\w+=,.@-]+ (pulumi-aws: \"name\": tfbridge.AutoName(\"name\", 64, \"-\"))"),
  },
  {
    type: "aws:iam/rolePolicy:RolePolicy", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 128, pattern: IAM_NAME, allowed: IAM_CHARS,
    source: api("https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html", "PolicyName … Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: [\\w+=,.@-]+"),
  },
  {
    type: "aws:iam/policy:Policy", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 128, pattern: IAM_NAME, allowed: IAM_CHARS,
    source: api("https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html", "PolicyName … Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: [\\w+=,.@-]+"),
  },
  {
    type: "aws:lambda/function:Function", property: "name", autoNamed: true, maxLength: 64, pattern: LAMBDA_NAME, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html", "FunctionName … The length constraint applies only to the full ARN. If you specify only the function name, it is limited to 64 characters in length. (pulumi-aws: \"function_name\": tfbridge.AutoName(\"name\", 64, \"-\"))"),
  },
  {
    type: "aws:lambda/alias:Alias", property: "name", autoNamed: false, maxLength: 128, pattern: /^(?!^[0-9]+$)[a-zA-Z0-9_-]+$/, allowed: "letters, digits, - and _ (not all digits)",
    source: api("https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html", "Name … Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)", false),
  },
  {
    type: "aws:lambda/permission:Permission", property: "statementId", prefixProperty: "statementIdPrefix", autoNamed: true, maxLength: 100, pattern: LAMBDA_NAME, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html", "StatementId … Length Constraints: Minimum length of 1. Maximum length of 100. Pattern: ([a-zA-Z0-9-_]+) (pulumi-aws: \"statement_id\": tfbridge.AutoName(\"statementId\", 100, \"-\"))"),
  },
  {
    type: "aws:cloudwatch/logGroup:LogGroup", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: "letters, digits and _ - / . #",
    source: api("https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html", "logGroupName … Length Constraints: Minimum length of 1. Maximum length of 512. Pattern: [\\.\\-_/#A-Za-z0-9]+"),
  },
  {
    type: "aws:secretsmanager/secret:Secret", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 512, pattern: /^[A-Za-z0-9/_+=.@-]+$/, allowed: "ASCII letters, digits and / _ + = . @ -",
    source: api("https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html", "Name … The secret name can contain ASCII letters, numbers, and the following characters: /_+=.@- … Length Constraints: Minimum length of 1. Maximum length of 512."),
  },
  {
    type: "aws:ec2/securityGroup:SecurityGroup", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 255, pattern: /^(?!sg-)[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/, allowed: "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (not starting sg-)",
    source: api("https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html", "GroupName … Constraints: Up to 255 characters in length. Cannot start with sg-. Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", false),
  },
  {
    type: "aws:ecs/cluster:Cluster", property: "name", autoNamed: true, maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html", "clusterName … Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.", false),
  },
  {
    type: "aws:ecs/service:Service", property: "name", autoNamed: true, maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html", "serviceName … Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.", false),
  },
  {
    type: "aws:ecs/taskDefinition:TaskDefinition", property: "family", autoNamed: false, maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html", "family … Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.", false),
  },
  {
    type: "aws:cloudwatch/metricAlarm:MetricAlarm", property: "name", autoNamed: true, maxLength: 255, minLength: 1,
    source: api("https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html", "AlarmName … Length Constraints: Minimum length of 1. Maximum length of 255."),
  },
  {
    type: "aws:cloudwatch/dashboard:Dashboard", property: "dashboardName", autoNamed: false, maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html", "DashboardName … The name of the dashboard. … It can be up to 255 characters long. Valid characters are A–Z, a–z, 0–9, \"-\", and \"_\".", false),
  },
  {
    type: "aws:cloudwatch/eventRule:EventRule", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: "letters, digits and . - _",
    source: api("https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html", "Name … Length Constraints: Minimum length of 1. Maximum length of 64. Pattern: [\\.\\-_A-Za-z0-9]+ (terraform-provider-aws validateRuleName: \"%q cannot be longer than 64 characters\")"),
  },
  {
    type: "aws:sns/topic:Topic", property: "name", prefixProperty: "namePrefix", autoNamed: true, maxLength: 256, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/, allowed: "letters, digits, - and _ (and a .fifo suffix)",
    source: api("https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html", "Topic names must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.", false),
  },
  {
    type: "aws:kms/alias:Alias", property: "name", prefixProperty: "namePrefix", autoNamed: true, autoPrefix: "alias/", maxLength: 256, pattern: /^alias\/[a-zA-Z0-9:/_-]+$/, allowed: "`alias/` then letters, digits and : / _ -",
    source: api("https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html", "AliasName … Length Constraints: Minimum length of 1. Maximum length of 256. Pattern: ^[a-zA-Z0-9:/_-]+$ … The AliasName value must be string of 1-256 characters … It must begin with alias/"),
  },
  {
    type: "aws:ecr/repository:Repository", property: "name", autoNamed: true, maxLength: 256, minLength: 2, pattern: /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/, allowed: "lowercase letters, digits and . _ - / between them",
    source: api("https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html", "repositoryName … Length Constraints: Minimum length of 2. Maximum length of 256. Pattern: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"),
  },
  ...["resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "resolverFirewallDomainList:ResolverFirewallDomainList", "resolverFirewallRule:ResolverFirewallRule", "resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"].map(
    (t): PhysicalNameLimit => ({
      type: `aws:route53/${t}`, property: "name", autoNamed: true, maxLength: 64, pattern: /^(?!^[0-9]+$)[a-zA-Z0-9\-_ ]+$/, allowed: "letters, digits, - _ and spaces (not all digits)",
      source: api("https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_CreateFirewallRuleGroup.html", "Name … Length Constraints: Minimum length of 0. Maximum length of 64. Pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+)", false),
    }),
  ),
  {
    type: "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", property: "configurationName", autoNamed: false, maxLength: 128, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, - and _",
    source: api("https://docs.aws.amazon.com/chatbot/latest/APIReference/API_CreateSlackChannelConfiguration.html", "ConfigurationName … Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: [A-Za-z0-9-_]+", false),
  },
];

export function physicalNameLimit(type: string): PhysicalNameLimit | undefined {
  return PHYSICAL_NAME_LIMITS.find((l) => l.type === type);
}

export interface EffectivePhysicalName {
  /** The name as AWS will see it; random parts stand as `0`s. */
  readonly name: string;
  readonly length: number;
  /** `explicit` (the input), `prefix` (`namePrefix` + 26), `auto` (logical name + `-` + 7 hex). */
  readonly how: "explicit" | "prefix" | "auto";
  readonly limit: PhysicalNameLimit;
}

/**
 * The physical name a resource will get, or undefined when the type is not in the table or the
 * name is not known at plan time (a secret, an unresolved output, a required name left out).
 */
export function effectivePhysicalName(type: string, logicalName: string, inputs: Readonly<Record<string, unknown>>): EffectivePhysicalName | undefined {
  const limit = physicalNameLimit(type);
  if (limit === undefined) return undefined;
  const given = inputs[limit.property];
  const known = (v: unknown): v is string => typeof v === "string" && v !== "" && v !== "[secret]";
  if (given !== undefined) return known(given) ? { name: given, length: given.length, how: "explicit", limit } : undefined;
  const prefix = limit.prefixProperty !== undefined ? inputs[limit.prefixProperty] : undefined;
  if (prefix !== undefined) {
    if (!known(prefix)) return undefined;
    const name = prefix + "0".repeat(NAME_PREFIX_SUFFIX_LENGTH);
    return { name, length: name.length, how: "prefix", limit };
  }
  if (!limit.autoNamed) return undefined;
  const name = `${limit.autoPrefix ?? ""}${logicalName}-${"0".repeat(AUTO_NAME_SUFFIX_LENGTH - 1)}`;
  return { name, length: name.length, how: "auto", limit };
}

/** Why AWS (or Pulumi's auto-namer) would refuse this resource's physical name; empty when it fits. */
export function checkPhysicalName(type: string, logicalName: string, inputs: Readonly<Record<string, unknown>>): string[] {
  const eff = effectivePhysicalName(type, logicalName, inputs);
  if (eff === undefined) return [];
  const { limit } = eff;
  const out: string[] = [];
  const what =
    eff.how === "explicit"
      ? `\`${limit.property}\` \`${eff.name}\``
      : eff.how === "prefix"
        ? `\`${limit.prefixProperty}\` \`${String(inputs[limit.prefixProperty!])}\` plus ${NAME_PREFIX_SUFFIX_LENGTH} generated characters`
        : `the auto-name (logical name \`${logicalName}\` plus \`-\` and 7 random characters)`;
  const fix =
    eff.how === "auto"
      ? `shorten the logical name to at most ${limit.maxLength - AUTO_NAME_SUFFIX_LENGTH - (limit.autoPrefix?.length ?? 0)} characters or set a shorter \`${limit.property}\``
      : eff.how === "prefix"
        ? `shorten \`${limit.prefixProperty}\` to at most ${limit.maxLength - NAME_PREFIX_SUFFIX_LENGTH} characters`
        : `shorten \`${limit.property}\``;
  if (eff.length > limit.maxLength) out.push(`${what} is ${eff.length} characters; ${limit.type.split(":")[2]} names allow ${limit.maxLength}; ${fix}`);
  if (limit.minLength !== undefined && eff.length < limit.minLength) out.push(`${what} is ${eff.length} characters; at least ${limit.minLength} are needed`);
  if (limit.pattern !== undefined && !limit.pattern.test(eff.name)) {
    out.push(`${what} has characters ${limit.type.split(":")[2]} names do not allow; use ${limit.allowed}`);
  }
  return out;
}
