import { IamCrossAccountAccess } from './iam-cross-account-access';
import { IamInlinePolicySize } from './iam-inline-policy-size';
import { IamKmsPermissions } from './iam-kms-permissions';
import { IamManagedPolicySize } from './iam-managed-policy-size';
import { KmsCrossAccountWriteOnly } from './kms-cross-account-write-only';
import { KmsEncryptionContextBucketKey } from './kms-encryption-context-bucket-key';
import { KmsKeyPolicySize } from './kms-key-policy-size';
import { KmsKeyRotation } from './kms-key-rotation';
import { KmsResourceKeyArn } from './kms-resource-key-arn';
import { KmsViaServiceFormat } from './kms-via-service-format';
import { S3AwsManagedKey } from './s3-aws-managed-key';
import { S3AwsManagedKeyNotShared } from './s3-aws-managed-key-not-shared';
import { S3BucketKeyEnabled } from './s3-bucket-key-enabled';
import { S3EncryptionDeclared } from './s3-encryption-declared';
import { S3EncryptionHeaderOptional } from './s3-encryption-header-optional';
import { S3EncryptionSupported } from './s3-encryption-supported';
import { S3KmsKeyArn } from './s3-kms-key-arn';
import { S3PolicyAlgorithmMatchesDefault } from './s3-policy-algorithm-matches-default';
import { S3PolicyNoSseC } from './s3-policy-no-sse-c';
import { S3SseCBlockDeclared } from './s3-sse-c-block-declared';
import { S3SseCBlocked } from './s3-sse-c-blocked';
import { S3TlsEnforced } from './s3-tls-enforced';
import { OkeraRule } from '../rule';

/** Every rule of the pack, in the order findings are reported for a resource. */
export const RULES: OkeraRule[] = [
  S3EncryptionSupported,
  S3EncryptionDeclared,
  S3SseCBlocked,
  S3SseCBlockDeclared,
  S3PolicyNoSseC,
  S3AwsManagedKeyNotShared,
  S3AwsManagedKey,
  S3KmsKeyArn,
  KmsResourceKeyArn,
  S3TlsEnforced,
  IamKmsPermissions,
  KmsViaServiceFormat,
  KmsEncryptionContextBucketKey,
  S3EncryptionHeaderOptional,
  S3PolicyAlgorithmMatchesDefault,
  KmsKeyPolicySize,
  IamManagedPolicySize,
  IamInlinePolicySize,
  KmsKeyRotation,
  S3BucketKeyEnabled,
  KmsCrossAccountWriteOnly,
  IamCrossAccountAccess,
];
