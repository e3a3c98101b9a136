/**
 * The schema of one secret (`secrets[i]`): its name, source, environment variable and rotation
 * (`days`, `lambdaArn` or `maxAgeDays`).
 */
import { z } from "zod";
import { ENV_NAME, NAME } from "./formats.ts";
import { SECRET_SOURCES } from "./vocabulary.ts";

const RotationSchema = z
  .strictObject({
    /** Rotate every N days (built-in Lambda for generated secrets, `lambdaArn` for others). */
    days: z
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe("Rotate every N days, 1 to 365: by Airlock's built-in Lambda for `generated` secrets, by `lambdaArn` for the others."),
    /** Bring-your-own rotation Lambda for secrets Airlock does not generate. */
    lambdaArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+$/, { message: "must be a Lambda function ARN" })
      .optional()
      .describe("Your rotation Lambda's function ARN, for a secret Airlock does not generate (not for `generated`); needs `days`. E.g. `arn:aws:lambda:us-east-1:123456789012:function:rotate-vendor-key`."),
    /** For keys that cannot rotate automatically: alarm when the value is older than this. */
    maxAgeDays: z
      .number()
      .int()
      .min(1)
      .max(730)
      .optional()
      .describe("For keys that cannot rotate automatically: alarm when the value is older than this many days, 1 to 730."),
  })
  .superRefine((r, ctx) => {
    if (r.days === undefined && r.maxAgeDays === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "set `days` (automatic rotation) or `maxAgeDays` (an alarm for keys rotated by hand)" });
    }
    if (r.lambdaArn !== undefined && r.days === undefined) {
      ctx.addIssue({ code: "custom", path: ["days"], message: "a rotation Lambda needs a schedule; set `days`" });
    }
  })
  .describe(
    "How the value stays fresh: `days` (automatic rotation) or `maxAgeDays` (an age alarm for keys rotated by hand); `lambdaArn` needs `days`. Default: `generated` secrets rotate every 30 days; the others alarm at 90 days old.",
  );

export const SecretSchema = z
  .strictObject({
    name: z
      .string()
      .regex(NAME, { message: "must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters" })
      .describe("The secret's name, unique among the secrets: kebab-case, 2 to 32 characters, e.g. `billing-api-token`. Tools and `agent.model.secret` refer to it by this name."),
    description: z.string().optional().describe("What the secret is and who provides it; the Secrets Manager secret's description. Default: `<agent>: <name> (<source>)`."),
    /** Where the value comes from. */
    source: z
      .enum(SECRET_SOURCES)
      .describe(
        "Where the value comes from: `generated` (a random value Airlock creates and rotates), `out-of-band` (created empty; an operator puts the value, e.g. a vendor's API key) or `pulumi-config` (the stack's secret config key `configKey`).",
      ),
    /** Environment variable the runtime sees; defaults to the name in SCREAMING_SNAKE_CASE. */
    env: z
      .string()
      .regex(ENV_NAME, { message: "must be SCREAMING_SNAKE_CASE" })
      .optional()
      .describe("Environment variable the agent's container sees the value as, SCREAMING_SNAKE_CASE. Default: the name in SCREAMING_SNAKE_CASE (`billing-api-token` → `BILLING_API_TOKEN`)."),
    /** For `pulumi-config`: the secret config key to read. */
    configKey: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]*$/)
      .optional()
      .describe("For `source: pulumi-config` (required there, refused otherwise): the secret config key to read, set with `pulumi config set --secret <key>`."),
    /** For `generated`: length of the random value. */
    length: z.number().int().min(16).max(4096).optional().describe("For `source: generated` only: length of the random value, 16 to 4096 characters. Default: 48."),
    rotation: RotationSchema.optional(),
  })
  .describe("One secret, kept in Secrets Manager (readable only by this agent) and given to the container as an environment variable.");
