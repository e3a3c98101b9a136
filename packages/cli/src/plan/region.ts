/** The AWS region a bare agent.yaml is planned for: given, or read from its ECR image. */
import { UsageError } from "../io.ts";

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`. */
const REGION = /^[a-z]{2}(-[a-z]+){1,2}-\d{1,2}$/;
/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>`, as ECR names its registries. */
const ECR_IMAGE = /^\d{12}\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//;

/** Returns `value` if it is written like an AWS region, else throws a UsageError naming `field` and the fix. */
export function checkRegion(field: string, value: string): string {
  if (REGION.test(value)) return value;
  const zone = /^([a-z]{2}(-[a-z]+){1,2}-\d{1,2})[a-z]$/.exec(value);
  const hint = zone
    ? `; that is an availability zone, its region is ${zone[1]}`
    : value.toLowerCase() !== value && REGION.test(value.toLowerCase())
      ? `; regions are lowercase: ${value.toLowerCase()}`
      : "";
  throw new UsageError(`\`${field}\`: "${value}" is not an AWS region${hint}; write it like us-east-1 or eu-west-2`);
}

/** The region of an ECR image URI (`123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent@sha256:…`), else undefined. */
export function ecrImageRegion(image: string): string | undefined {
  const m = ECR_IMAGE.exec(image);
  return m !== null && REGION.test(m[2]!) ? m[2] : undefined;
}

/**
 * The region a bare agent.yaml is planned for: `given` (checked), else its image's ECR region.
 * Anything else refuses, naming `--region`: a plan of the wrong region looks right and is not.
 */
export function bareManifestRegion(image: { readonly kind: string; readonly ref?: string }, given: string | undefined, file: string): string {
  if (given !== undefined) return checkRegion("--region", given);
  const ref = image.kind === "digest" ? image.ref : undefined;
  const fromImage = ref === undefined ? undefined : ecrImageRegion(ref);
  if (fromImage !== undefined) return fromImage;
  const why = ref === undefined ? "its image is built (`agent.image.build`)" : `its image ${ref} is not in an ECR registry`;
  throw new UsageError(`\`--region\`: ${file} names no region (${why}); pass the region to plan for, e.g. \`--region us-east-1\``);
}
