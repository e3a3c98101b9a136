/**
 * The audit anchor's flags, shared by `airlock audit verify` and `airlock autonomy report`: the
 * bucket, prefix and key (else the `AIRLOCK_AUDIT_ANCHOR_*` variables), and the oldest anchor
 * accepted. The clients follow AWS's own environment (region, credentials, and
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_KMS` for a stand-in).
 */
import { anchorClients, readLatestAnchor, type AnchorLocation, type AnchorReading } from "@airlock/approvals";
import { AUDIT_ANCHOR, AUDIT_ANCHOR_ENV } from "@airlock/core/contracts";
import { credentialsFromEnv } from "../aws-env.ts";
import { UsageError } from "../io.ts";
import type { ANCHOR_OPTIONS } from "./specs.ts";

type Values = Partial<Record<keyof typeof ANCHOR_OPTIONS, string | undefined>>;

/** Reads the newest anchor when one is configured; undefined when none is. Bad flags are usage errors. */
export async function readAnchorFromFlags(values: Values, env: Readonly<Record<string, string | undefined>>): Promise<(AnchorReading & { readonly location: AnchorLocation }) | undefined> {
  const bucket = values["anchor-bucket"] ?? env[AUDIT_ANCHOR_ENV.bucket];
  const keyId = values["anchor-key-id"] ?? env[AUDIT_ANCHOR_ENV.keyId];
  if ((bucket === undefined || bucket === "") && (keyId === undefined || keyId === "")) return undefined;
  if (bucket === undefined || bucket === "") throw new UsageError(`\`--anchor-bucket\`: give the anchor bucket with the key (or set ${AUDIT_ANCHOR_ENV.bucket})`);
  if (keyId === undefined || keyId === "") throw new UsageError(`\`--anchor-key-id\`: give the ARN of the key that signs the anchors (or set ${AUDIT_ANCHOR_ENV.keyId})`);
  const rawAge = values["anchor-max-age-minutes"] ?? "30";
  if (!/^\d+$/.test(rawAge) || Number(rawAge) < 1) throw new UsageError(`\`--anchor-max-age-minutes\`: "${rawAge}" is not a whole number of minutes ≥ 1`);
  const prefix = values["anchor-prefix"] ?? env[AUDIT_ANCHOR_ENV.prefix] ?? AUDIT_ANCHOR.prefix;
  if (!prefix.endsWith("/")) throw new UsageError(`\`--anchor-prefix\`: "${prefix}" must end with /`);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const kmsEndpoint = env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL;
  const clients = anchorClients({
    ...(region === undefined ? {} : { region }),
    ...credentialsFromEnv(env),
    ...(s3Endpoint === undefined ? {} : { s3Endpoint }),
    ...(kmsEndpoint === undefined ? {} : { kmsEndpoint }),
  });
  const location: AnchorLocation = {
    ...clients,
    bucket,
    prefix,
    keyId,
  };
  try {
    return { ...(await readLatestAnchor(location, { maxAgeMs: Number(rawAge) * 60_000 })), location };
  } catch (e) {
    throw new UsageError(`could not read the anchors in s3://${bucket}/${prefix} with key ${keyId}: ${(e as Error).message}`);
  }
}
