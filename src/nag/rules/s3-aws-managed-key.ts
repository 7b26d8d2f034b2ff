import { NagMessageLevel } from 'cdk-nag';
import { EncryptionType } from '../../support-matrix';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { bucketFacts, otherAccountObjectGrantees } from '../s3';

/** Warning: aws/s3 works for Okera workers of the same account only. */
export const S3AwsManagedKey: OkeraRule = {
  id: 'S3AwsManagedKey',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket uses the AWS managed key aws/s3: readable by Okera workers of this account only.',
  explanation: 'The aws/s3 key policy admits the bucket account\'s own principals (through S3) and cannot be edited. Okera workers in this '
    + 'account can read the data; workers in any other account never can. Use a customer managed key if the data may be shared.',
  check(resource, model) {
    const bucket = bucketFacts(model, resource);
    if (!bucket.encryption.some((v) => v.classification.type === EncryptionType.SSE_KMS_AWS_MANAGED)) {
      return NOT_APPLICABLE;
    }
    // Shared with another account: S3AwsManagedKeyNotShared reports it as an error.
    return otherAccountObjectGrantees(model, bucket).length > 0
      ? COMPLIANT
      : nonCompliant(`${describe(resource)} uses the AWS managed key aws/s3 (aws:kms without a customer managed key). Okera workers in this `
        + 'account can read it, but the aws/s3 key policy cannot be edited, so a worker role in any other account never can. '
        + 'Fix (if the data may be shared): encrypt with a customer managed key (KMSMasterKeyID: the key ARN, with rotation on).');
  },
};
