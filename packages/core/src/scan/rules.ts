/**
 * The credential formats Airlock knows by shape: one rule per vendor format, each taken from the
 * maintained rule sets of the peers (gitleaks' `config/gitleaks.toml`, MIT, cited by rule id, and
 * secretlint's recommended preset, MIT, cited by rule package) and checked against them on the
 * leak corpus (`npm run bench`, BENCHMARKS.md). A rule is a prefix-anchored regex with keywords
 * that must appear in the text before the regex runs (so most strings cost a few `includes`), and
 * the fragment CloudWatch Logs masks it with (`mask`), grouped into at most ten custom data
 * identifiers (see `log-masking.ts`).
 *
 * Context rules (values under secret names, passwords in connection URLs, PEM blocks, JSON-escaped
 * and base64-wrapped text) are not here: they are the engine's (`engine.ts`).
 */

export interface FormatRule {
  /** Stable id: the scanner's `patternId` and the redaction marker `[REDACTED:<id>]`. */
  readonly id: string;
  readonly description: string;
  /** JavaScript regex source (no flags; case-sensitive). */
  readonly regex: string;
  /** Substrings one of which must be in the text for the regex to run. */
  readonly keywords: readonly string[];
  /** CloudWatch custom data identifier fragment (letters, digits, `_ # = @ / ; , -`, space, `^ $ ? [ ] { } | \ * + .`). */
  readonly mask?: string;
  /** The custom data identifier the fragment joins. */
  readonly maskGroup?: string;
  /** Where the format comes from. */
  readonly source: string;
}

/**
 * Not preceded by a token character: for short or common prefixes (`SK`, `r8_`, `hf_`, `dapi`);
 * long distinctive ones (`sk-ant-`, `ghp_`, `github_pat_`, `xoxb-`) match glued to other text too.
 */
const B = "(?<![A-Za-z0-9_])";
/** Not followed by a token character. */
const E = "(?![A-Za-z0-9_])";
/** Not followed by a token character or `-`. */
const E2 = "(?![A-Za-z0-9_-])";

export const FORMAT_RULES: readonly FormatRule[] = [
  {
    id: "AnthropicApiKey",
    description: "Anthropic API or admin key",
    regex: `sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{40,}`,
    keywords: ["sk-ant-"],
    mask: "sk-ant-[a-z]{3,5}[0-9]{2}-[A-Za-z0-9_-]{40,}",
    maskGroup: "AnthropicApiKey",
    source: "gitleaks anthropic-api-key, anthropic-admin-api-key; secretlint-rule-anthropic",
  },
  {
    id: "OpenAiApiKey",
    description: "OpenAI project, service-account, admin or legacy API key",
    regex: `sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|${B}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`,
    keywords: ["sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ"],
    mask: "sk-proj-[A-Za-z0-9_-]{40,}|sk-svcacct-[A-Za-z0-9_-]{40,}|sk-admin-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
    maskGroup: "OpenAiApiKey",
    source: "gitleaks openai-api-key; secretlint-rule-openai",
  },
  {
    id: "HuggingFaceToken",
    description: "Hugging Face user or organization token",
    regex: `${B}(?:hf|api_org)_[A-Za-z]{34}(?![A-Za-z])`,
    keywords: ["hf_", "api_org_"],
    mask: "hf_[A-Za-z]{34}|api_org_[A-Za-z]{34}",
    maskGroup: "AiPlatformKey",
    source: "gitleaks huggingface-access-token, huggingface-organization-api-token; secretlint-rule-huggingface",
  },
  {
    id: "GroqApiKey",
    description: "Groq API key",
    regex: `${B}gsk_[A-Za-z0-9]{52}${E}`,
    keywords: ["gsk_"],
    mask: "gsk_[A-Za-z0-9]{52}",
    maskGroup: "AiPlatformKey",
    source: "secretlint-rule-groq",
  },
  {
    id: "ReplicateApiToken",
    description: "Replicate API token",
    regex: `${B}r8_[A-Za-z0-9]{37}${E}`,
    keywords: ["r8_"],
    mask: "r8_[A-Za-z0-9]{37}",
    maskGroup: "AiPlatformKey",
    source: "GitHub secret scanning partner pattern (replicate_api_token)",
  },
  {
    id: "LangSmithApiKey",
    description: "LangSmith personal or service key",
    regex: `lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${E}`,
    keywords: ["lsv2_"],
    mask: "lsv2_[a-z]{2}_[a-f0-9]{32}_[a-f0-9]{10}",
    maskGroup: "AiPlatformKey",
    source: "LangSmith key format (lsv2_pt_/lsv2_sk_)",
  },
  {
    id: "PostHogPersonalApiKey",
    description: "PostHog personal API key",
    regex: `${B}phx_[A-Za-z0-9]{30,}`,
    keywords: ["phx_"],
    mask: "phx_[A-Za-z0-9]{30,}",
    maskGroup: "AiPlatformKey",
    source: "gitleaks posthog-personal-api-key (phx_); project keys phc_ are public",
  },
  {
    id: "AwsAccessKeyId",
    description: "AWS access key id",
    regex: `${B}(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}${E}`,
    keywords: ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
    source: "gitleaks aws-access-token; secretlint-rule-aws",
  },
  {
    id: "AwsSecretAccessKey",
    description: "AWS secret access key in an assignment",
    regex:
      "(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey|secretAccessKey|aws-secret-access-key)[\"'`\\]]*(?:\\s*[:=]\\s*|\\s+)[\"'`]?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
    keywords: ["ecret_access_key", "ECRET_ACCESS_KEY", "ecretAccessKey", "ecret-access-key"],
    source: "secretlint-rule-aws (AWSSecretAccessKey); CloudWatch masks these with the managed AwsSecretKey identifier",
  },
  {
    id: "AwsSessionToken",
    description: "AWS STS session token",
    regex: "(?<![A-Za-z0-9/+])(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|AQoDYXdz|AQoEXAMPLE)[A-Za-z0-9/+=]{40,}",
    keywords: ["IQoJb3JpZ2lu", "FwoGZXIvYXdz", "AQoDYXdz"],
    mask: "IQoJb3JpZ2lu[A-Za-z0-9/+=]{40,}|FwoGZXIvYXdz[A-Za-z0-9/+=]{40,}|AQoDYXdz[A-Za-z0-9/+=]{40,}",
    maskGroup: "CloudProviderKey",
    source: "AWS STS session token prefixes (base64 of the token's framing)",
  },
  {
    id: "GoogleApiKey",
    description: "Google API key",
    regex: `${B}AIza[A-Za-z0-9_-]{35}${E2}`,
    keywords: ["AIza"],
    mask: "AIza[A-Za-z0-9_-]{35}",
    maskGroup: "CloudProviderKey",
    source: "gitleaks gcp-api-key",
  },
  {
    id: "GoogleOAuthSecret",
    description: "Google OAuth client secret or access token",
    regex: `GOCSPX-[A-Za-z0-9_-]{28}${E2}|${B}ya29\\.[A-Za-z0-9_-]{30,}`,
    keywords: ["GOCSPX-", "ya29."],
    mask: "GOCSPX-[A-Za-z0-9_-]{28}|ya29.[A-Za-z0-9_-]{30,}",
    maskGroup: "SourceControlToken",
    source: "GitHub secret scanning (google_oauth_client_secret, google_oauth_access_token)",
  },
  {
    id: "DigitalOceanToken",
    description: "DigitalOcean personal, OAuth or refresh token",
    regex: `do[opr]_v1_[a-f0-9]{64}${E}`,
    keywords: ["_v1_"],
    mask: "do[opr]_v1_[a-f0-9]{64}",
    maskGroup: "CloudProviderKey",
    source: "gitleaks digitalocean-pat, digitalocean-access-token, digitalocean-refresh-token",
  },
  {
    id: "HerokuApiKey",
    description: "Heroku API key",
    regex: `HRKU-AA[A-Za-z0-9_-]{58}${E2}`,
    keywords: ["HRKU-AA"],
    mask: "HRKU-AA[A-Za-z0-9_-]{58}",
    maskGroup: "CloudProviderKey",
    source: "gitleaks heroku-api-key-v2",
  },
  {
    id: "GitHubToken",
    description: "GitHub personal, OAuth, app or refresh token",
    regex: `gh[pousr]_[A-Za-z0-9]{36,}`,
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    mask: "gh[pousr]_[A-Za-z0-9]{36,}",
    maskGroup: "SourceControlToken",
    source: "gitleaks github-pat, github-oauth, github-app-token, github-refresh-token; secretlint-rule-github",
  },
  {
    id: "GitHubFineGrainedToken",
    description: "GitHub fine-grained personal access token",
    regex: `github_pat_[A-Za-z0-9_]{60,}`,
    keywords: ["github_pat_"],
    mask: "github_pat_[A-Za-z0-9_]{60,}",
    maskGroup: "SourceControlToken",
    source: "gitleaks github-fine-grained-pat; secretlint-rule-github",
  },
  {
    id: "GitLabToken",
    description: "GitLab personal, deploy, runner, CI job, trigger or OAuth token",
    regex: `(?:glpat|gldt|glrt|glcbt|glptt|gloas|glft|glimt|glagent|glsoat)-[A-Za-z0-9_-]{20,}`,
    keywords: ["glpat-", "gldt-", "glrt-", "glcbt-", "glptt-", "gloas-", "glft-", "glimt-", "glagent-", "glsoat-"],
    mask: "gl[a-z]{2,6}-[A-Za-z0-9_-]{20,}",
    maskGroup: "SourceControlToken",
    source: "gitleaks gitlab-pat, gitlab-deploy-token, gitlab-runner-authentication-token, gitlab-cicd-job-token, …; secretlint-rule-gitlab",
  },
  {
    id: "NpmAccessToken",
    description: "npm access token",
    regex: `${B}npm_[A-Za-z0-9]{36}${E}`,
    keywords: ["npm_"],
    mask: "npm_[A-Za-z0-9]{36}",
    maskGroup: "SourceControlToken",
    source: "gitleaks npm-access-token; secretlint-rule-npm",
  },
  {
    id: "SlackToken",
    description: "Slack bot, user, app or refresh token",
    regex: `xox[abeoprs]-[A-Za-z0-9-]{10,}`,
    keywords: ["xox"],
    mask: "xox[abeoprs]-[A-Za-z0-9-]{10,}",
    maskGroup: "ChatToken",
    source: "gitleaks slack-bot-token, slack-user-token, …; secretlint-rule-slack",
  },
  {
    id: "SlackAppToken",
    description: "Slack app-level token (Socket Mode)",
    regex: `xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{20,}`,
    keywords: ["xapp-"],
    mask: "xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{20,}",
    maskGroup: "ChatToken",
    source: "gitleaks slack-app-token; secretlint-rule-slack",
  },
  {
    id: "SlackWebhookUrl",
    description: "Slack incoming webhook URL",
    regex: "hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}",
    keywords: ["hooks.slack.com"],
    mask: "hooks.slack.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}",
    maskGroup: "ChatToken",
    source: "gitleaks slack-webhook-url; secretlint-rule-slack",
  },
  {
    id: "DiscordWebhookUrl",
    description: "Discord webhook URL",
    regex: "discord(?:app)?\\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{60,}",
    keywords: ["/api/webhooks/"],
    mask: "discord[a-z]{0,3}.com/api/webhooks/[0-9]+/[A-Za-z0-9_-]{60,}",
    maskGroup: "ChatToken",
    source: "gitleaks discord-webhook (webhook URL form)",
  },
  {
    id: "StripeSecretKey",
    description: "Stripe secret or restricted key",
    regex: `${B}[rs]k_(?:live|test|prod)_[A-Za-z0-9]{20,}`,
    keywords: ["k_live_", "k_test_", "k_prod_"],
    mask: "[rs]k_[a-z]{4}_[A-Za-z0-9]{20,}",
    maskGroup: "CommerceKey",
    source: "gitleaks stripe-access-token; secretlint-rule-stripe",
  },
  {
    id: "StripeWebhookSecret",
    description: "Stripe webhook signing secret",
    regex: `whsec_[A-Za-z0-9+/]{32,}`,
    keywords: ["whsec_"],
    mask: "whsec_[A-Za-z0-9+/]{32,}",
    maskGroup: "CommerceKey",
    source: "Stripe webhook signing secret format (whsec_)",
  },
  {
    id: "SendGridApiKey",
    description: "SendGrid API key",
    regex: `${B}SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}`,
    keywords: ["SG."],
    mask: "SG.[A-Za-z0-9_-]{16,32}.[A-Za-z0-9_-]{16,64}",
    maskGroup: "CommerceKey",
    source: "gitleaks sendgrid-api-token; secretlint-rule-sendgrid",
  },
  {
    id: "TwilioApiKey",
    description: "Twilio API key SID",
    regex: `${B}SK[0-9a-fA-F]{32}${E}`,
    keywords: ["SK"],
    mask: "SK[0-9a-fA-F]{32}",
    maskGroup: "CommerceKey",
    source: "gitleaks twilio-api-key",
  },
  {
    id: "ShopifyToken",
    description: "Shopify access, custom-app, private-app or shared-secret token",
    regex: `shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`,
    keywords: ["shpat_", "shpca_", "shppa_", "shpss_"],
    mask: "shp[a-z]{2}_[a-fA-F0-9]{32}",
    maskGroup: "CommerceKey",
    source: "gitleaks shopify-access-token, shopify-custom-access-token, …; secretlint-rule-shopify",
  },
  {
    id: "LinearApiKey",
    description: "Linear API key",
    regex: `lin_api_[A-Za-z0-9]{40}${E}`,
    keywords: ["lin_api_"],
    mask: "lin_api_[A-Za-z0-9]{40}",
    maskGroup: "CommerceKey",
    source: "gitleaks linear-api-key; secretlint-rule-linear",
  },
  {
    id: "SupabaseToken",
    description: "Supabase access token or secret key",
    regex: `${B}(?:sbp_[a-f0-9]{40}${E}|sb_secret_[A-Za-z0-9_-]{20,})`,
    keywords: ["sbp_", "sb_secret_"],
    mask: "sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{20,}",
    maskGroup: "PlatformToken",
    source: "GitHub secret scanning (supabase_personal_access_token, supabase_secret_key)",
  },
  {
    id: "DatabricksToken",
    description: "Databricks personal access token",
    regex: `${B}dapi[a-f0-9]{32}(?:-[0-9])?${E}`,
    keywords: ["dapi"],
    mask: "dapi[a-f0-9]{32}",
    maskGroup: "PlatformToken",
    source: "gitleaks databricks-api-token; secretlint-rule-databricks",
  },
  {
    id: "PulumiAccessToken",
    description: "Pulumi access token",
    regex: `${B}pul-[a-f0-9]{40}${E}`,
    keywords: ["pul-"],
    mask: "pul-[a-f0-9]{40}",
    maskGroup: "PlatformToken",
    source: "gitleaks pulumi-api-token",
  },
  {
    id: "VaultToken",
    description: "HashiCorp Vault service or batch token",
    regex: `hv[sb]\\.[A-Za-z0-9_-]{90,}`,
    keywords: ["hvs.", "hvb."],
    mask: "hv[sb].[A-Za-z0-9_-]{90,}",
    maskGroup: "PlatformToken",
    source: "gitleaks vault-service-token, vault-batch-token; secretlint-rule-hashicorp-vault",
  },
  {
    id: "DopplerToken",
    description: "Doppler service or personal token",
    regex: `dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,}`,
    keywords: ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
    mask: "dp.[a-z]{2,5}.[A-Za-z0-9]{40,}",
    maskGroup: "PlatformToken",
    source: "gitleaks doppler-api-token",
  },
  {
    id: "JsonWebToken",
    description: "JSON Web Token",
    regex: "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{10,}",
    keywords: ["eyJ"],
    mask: "eyJ[A-Za-z0-9_-]{8,}.eyJ[A-Za-z0-9_-]{8,}.[A-Za-z0-9_-]{10,}",
    maskGroup: "PlatformToken",
    source: "gitleaks jwt (signed: three parts; a header alone is no credential)",
  },
  {
    id: "AgeSecretKey",
    description: "age secret key",
    regex: "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
    keywords: ["AGE-SECRET-KEY-1"],
    source: "gitleaks age-secret-key",
  },
];
