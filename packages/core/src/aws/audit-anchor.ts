/**
 * The facts the audit anchor relies on (packages/approvals/src/audit/anchor.ts writes and reads
 * it; the ApprovalGateway component deploys the key and the bucket): an asymmetric KMS key signs a
 * 32-byte SHA-256 digest (MessageType DIGEST, under Sign's 4096-byte message limit), and an S3
 * bucket with Object Lock in compliance mode keeps every anchor version for its retention.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export const AUDIT_ANCHOR_FACTS = {
  /** Sign takes at most 4096 bytes of message; a digest is what we send. */
  signMessageSize: {
    url: "https://docs.amazonaws.cn/goto/SdkForJavaScriptV3/kms-2014-11-01/Sign",
    quote:
      "Use the Message parameter to specify the message or message digest to sign. You can submit messages of up to 4096 bytes. To sign a larger message, generate a hash digest of the message, and then provide the hash digest in the Message parameter. … The caller must have kms:Sign permission on the KMS key.",
    checked: FACTS_CHECKED,
  },
  /** MessageType DIGEST: KMS does not hash again; the digest's length is the algorithm's (32 bytes for ECDSA_SHA_256). */
  digestMessageType: {
    url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/kms/aws.sdk.kotlin.services.kms.model/-verify-request/message-type.html",
    quote:
      "When the value is DIGEST, KMS skips the hashing step in the signing algorithm. … When the value of MessageType is DIGEST, the length of the Message value must match the length of hashed messages for the specified signing algorithm.",
    checked: FACTS_CHECKED,
  },
  /** The key spec: ECC_NIST_P256 signs with ECDSA and SHA-256, usage SIGN_VERIFY. */
  keySpec: {
    url: "https://docs.aws.amazon.com/cdk/api/v1/docs/@aws-cdk_aws-kms.KeySpec.html",
    quote: "ECC_NIST_P256 | NIST FIPS 186-4, Section 6.4, ECDSA signature using the curve specified by the key and SHA-256 for the message digest.",
    checked: FACTS_CHECKED,
  },
  /** Compliance mode: nobody shortens the retention or deletes a locked version. */
  complianceMode: {
    url: "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3.ObjectLockMode.html",
    quote:
      "When an object is locked in compliance mode, its retention mode can't be changed, and its retention period can't be shortened. Compliance mode helps ensure that an object version can't be overwritten or deleted for the duration of the retention period.",
    checked: FACTS_CHECKED,
  },
  /** A default retention on the bucket applies to every new version; Object Lock needs versioning. */
  defaultRetention: {
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.md",
    quote:
      "Retention period – A retention period specifies a fixed period of time during which an object version remains locked. You can set a unique retention period for individual objects. Additionally, you can set a default retention period on an S3 bucket.",
    checked: FACTS_CHECKED,
  },
  /**
   * A lock protects versions, not keys: a delete marker can still hide the latest version from a
   * plain listing, so the reader lists versions. Read on the Chinese edition of the same page
   * (docs.amazonaws.cn, "保留期和法定保留不会阻止创建对象的新版本，也不会阻止在对象顶部添加删除标记"); the English
   * sentence below is its translation, not a quote.
   */
  deleteMarkers: {
    url: "https://docs.amazonaws.cn/AmazonS3/latest/userguide/object-lock.md",
    quote: "Retention periods and legal holds don't prevent new versions of the object from being created, or delete markers to be added on top of the object.",
    checked: FACTS_CHECKED,
    verified: false,
  },
  /** An upload into a bucket with default retention needs Content-MD5 or an SDK checksum. */
  uploadChecksum: {
    url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-put-object-request/checksum-algorithm.html",
    quote:
      "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any request to upload an object with a retention period configured using Amazon S3 Object Lock.",
    checked: FACTS_CHECKED,
  },
  /**
   * A default retention in days is a positive whole number: S3's own answer to 0, quoted in an
   * S3-compatible server's issue that matches it (not an AWS page).
   */
  retentionPositive: {
    url: "https://github.com/versity/versitygw/issues/1738",
    quote: "<Code>InvalidArgument</Code><Message>Default retention period must be a positive integer value.</Message><ArgumentName>Days</ArgumentName>",
    checked: FACTS_CHECKED,
    verified: false,
  },
  /** At most 36500 days (100 years), as an S3-compatible server enforces to match S3. */
  retentionMaximum: {
    url: "https://github.com/versity/versitygw/pull/2195",
    quote: "Enforce maximum default retention periods when parsing PutObjectLockConfiguration requests. Reject Days values greater than 36500 and Years values greater than 100 with InvalidArgument errors.",
    checked: FACTS_CHECKED,
    verified: false,
  },
  /** GetPublicKey returns the DER SubjectPublicKeyInfo, which verifies signatures outside KMS. */
  publicKey: {
    url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/kms/aws.sdk.kotlin.services.kms.model/-get-public-key-response/public-key.html",
    quote: "The exported public key. The value is a DER-encoded X.509 public key, also known as SubjectPublicKeyInfo (SPKI), as defined in RFC 5280.",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** Bytes of the digest the anchor signs (SHA-256), within Sign's limit. */
export const ANCHOR_DIGEST_BYTES = 32;
/** Sign's largest message (bytes). */
export const KMS_SIGN_MAX_MESSAGE_BYTES = 4096;
/** Days an anchor version stays locked by default (compliance mode). */
export const DEFAULT_ANCHOR_RETENTION_DAYS = 400;
/** The longest default retention S3 takes, in days (`AUDIT_ANCHOR_FACTS.retentionMaximum`). */
export const MAX_ANCHOR_RETENTION_DAYS = 36_500;
