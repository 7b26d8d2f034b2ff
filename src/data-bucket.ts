import { IResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionType } from './support-matrix';

/**
 * A bucket whose encryption Okera can read, created with `OkeraDataBucket` or imported
 * with `OkeraDataBucket.fromBucketAttributes` (which declares its encryption).
 */
export interface IOkeraDataBucket extends IResource {
  /** The underlying S3 bucket. */
  readonly bucket: s3.IBucket;
  /** The bucket ARN. */
  readonly bucketArn: string;
  /** The bucket name. */
  readonly bucketName: string;
  /** How objects in the bucket are encrypted (SSE_S3, SSE_KMS or SSE_KMS_AWS_MANAGED). */
  readonly encryptionType: EncryptionType;
  /**
   * The customer managed KMS key, for SSE_KMS.
   * @default - undefined for SSE_S3 and SSE_KMS_AWS_MANAGED
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The key ARN (`arn:...:key/<id>`), for SSE_KMS.
   * @default - undefined for SSE_S3 and SSE_KMS_AWS_MANAGED
   */
  readonly encryptionKeyArn?: string;
  /** Whether S3 Bucket Keys are on (KMS then sees the bucket ARN as encryption context). */
  readonly bucketKeyEnabled: boolean;
  /** Grant list and read access (and `kms:Decrypt` via S3 for SSE_KMS), optionally under a prefix. */
  grantRead(grantee: iam.IGrantable, prefix?: string): iam.Grant;
  /** Grant list, read, write and delete access (and the KMS actions multipart uploads need), optionally under a prefix. */
  grantReadWrite(grantee: iam.IGrantable, prefix?: string): iam.Grant;
}
