import { NagMessageLevel } from 'cdk-nag';
import { EncryptionType } from '../../support-matrix';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { bucketFacts, otherAccountObjectGrantees } from '../s3';

/** The AWS managed key aws/s3 cannot be used by another account: a shared bucket must use a customer managed key. */
export const S3AwsManagedKeyNotShared: OkeraRule = {
  id: 'S3AwsManagedKeyNotShared',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket is encrypted with the AWS managed key aws/s3 and its bucket policy shares objects with other accounts.',
  explanation: 'The aws/s3 key policy only admits principals of the bucket\'s own account and cannot be edited, so principals of other '
    + 'accounts (an Okera worker role in another account) can never decrypt the objects. Use a customer managed KMS key (and grant the '
    + 'other account on its key policy) or SSE-S3.',
  check(resource, model) {
    const bucket = bucketFacts(model, resource);
    if (!bucket.encryption.some((v) => v.classification.type === EncryptionType.SSE_KMS_AWS_MANAGED)) {
      return NOT_APPLICABLE;
    }
    const grantees = otherAccountObjectGrantees(model, bucket);
    return grantees.length > 0
      ? nonCompliant(`${describe(resource)} uses the AWS managed key aws/s3 (aws:kms without a customer managed key), and its bucket policy `
        + `lets ${grantees.join(', ')} read or write objects. The aws/s3 key policy cannot be changed and only admits this account, so those `
        + 'principals get AccessDenied from KMS on every object. Fix: encrypt with a customer managed key (KMSMasterKeyID: the key ARN) '
        + 'and grant the other accounts kms:Decrypt on its key policy (CrossAccountKmsGrant), or use SSE-S3 (AES256).')
      : COMPLIANT;
  },
};
