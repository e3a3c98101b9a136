/**
 * AWS partitions: the groups of Regions an account is scoped to, the name each puts in its ARNs,
 * and which Region codes belong to which. An agent's resources live in the one partition (and, for
 * regional services, the one Region) its platform deploys to: its task role cannot reach another
 * partition at all, and its VPC endpoints reach only its own Region.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** The partitions and their Region codes, as the AWS SDKs' endpoint data lists them (most specific first). */
export const PARTITIONS: readonly { readonly id: string; readonly regionRegex: RegExp }[] = [
  { id: "aws-us-gov", regionRegex: /^us-gov-\w+-\d+$/ },
  { id: "aws-iso", regionRegex: /^us-iso-\w+-\d+$/ },
  { id: "aws-iso-b", regionRegex: /^us-isob-\w+-\d+$/ },
  { id: "aws-iso-e", regionRegex: /^eu-isoe-\w+-\d+$/ },
  { id: "aws-iso-f", regionRegex: /^us-isof-\w+-\d+$/ },
  { id: "aws-eusc", regionRegex: /^eusc-(de)-\w+-\d+$/ },
  { id: "aws-cn", regionRegex: /^cn-\w+-\d+$/ },
  { id: "aws", regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/ },
];

export const PARTITION_FACTS = {
  arnPartition: {
    url: "https://docs.aws.amazon.com/general/latest/gr/aws-arns-and-namespaces.html",
    quote:
      "partition - The partition in which the resource is located. A partition is a group of AWS Regions. Each AWS account is scoped to one partition. The following are the supported partitions: aws - AWS Regions; aws-cn - China Regions; aws-us-gov - AWS GovCloud (US) Regions",
    checked: FACTS_CHECKED,
  },
  sdkPartitions: {
    // The endpoint data every AWS SDK ships (botocore `data/partitions.json`, aws-sdk-js-v3 `util-endpoints` `partitions.json`).
    url: "https://github.com/boto/botocore/blob/develop/botocore/data/partitions.json",
    quote:
      '"id": "aws", "regionRegex": "^(us|eu|ap|sa|ca|me|af|il|mx)\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-cn", "regionRegex": "^cn\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-eusc", "regionRegex": "^eusc\\\\-(de)\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-iso", "regionRegex": "^us\\\\-iso\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-iso-b", "regionRegex": "^us\\\\-isob\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-iso-e", "regionRegex": "^eu\\\\-isoe\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-iso-f", "regionRegex": "^us\\\\-isof\\\\-\\\\w+\\\\-\\\\d+$" … "id": "aws-us-gov", "regionRegex": "^us\\\\-gov\\\\-\\\\w+\\\\-\\\\d+$"',
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** Whether `id` is a partition AWS has (`aws`, `aws-cn`, `aws-us-gov`, the ISO partitions, `aws-eusc`). */
export function isPartition(id: string): boolean {
  return PARTITIONS.some((p) => p.id === id);
}

/** The partition a Region code belongs to, or undefined for a code no partition has. */
export function regionPartition(region: string): string | undefined {
  return PARTITIONS.find((p) => p.regionRegex.test(region))?.id;
}

/** The parts of an ARN (`arn:partition:service:region:account:resource`), or undefined when it is not one. */
export function arnParts(arn: string): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  const m = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$/.exec(arn);
  return m === null ? undefined : { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}
