/**
 * ECR lifecycle policies, as Airlock writes them on the repositories it creates (the images it
 * builds): which images a rule selects, how rules of different priority interact, and the limits.
 * A rule can only expire images; an image is kept by a higher-priority rule that selects it and
 * never reaches its count, since no lower-priority rule may then expire it.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** Images per repository (the default quota, adjustable). */
export const ECR_IMAGES_PER_REPOSITORY = 100_000;
/** Characters in a lifecycle policy. */
export const ECR_LIFECYCLE_POLICY_MAX_LENGTH = 30_720;

export const ECR_LIFECYCLE_FACTS = {
  higherPriorityKeeps: {
    url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html",
    quote: "An image that matches the tagging requirements of a rule cannot be expired by a rule with a lower priority.",
    checked: FACTS_CHECKED,
  },
  anyIsLast: {
    url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html",
    quote: "A rule with a tagStatus value of any must have the highest value for rulePriority and be evaluated last.",
    checked: FACTS_CHECKED,
  },
  prefixListIsAnd: {
    url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html",
    quote:
      "You must specify a comma-separated list of image tag prefixes on which to take action with your lifecycle policy. For example, if your images are tagged as prod, prod1, prod2, and so on, you would use the tag prefix \"prod\" to specify all of them. If you specify multiple tags, only images with all specified tags are selected.",
    checked: FACTS_CHECKED,
  },
  countKeepsNewest: {
    url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html",
    quote: "With countType = imageCountMoreThan, images are sorted from youngest to oldest based on pushed_at_time and then all images greater than the specified count are expired.",
    checked: FACTS_CHECKED,
  },
  quotas: {
    url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html",
    quote: "Images per repository | Each supported Region: 100,000 | Yes | The maximum number of images per repository. … Lifecycle policy length | Each supported Region: 30,720 | No | The maximum number of characters in a lifecycle policy.",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;
