import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { bucketFacts, isSseKms } from '../s3';

/** Warning: SSE-KMS buckets should use S3 Bucket Keys (cost and KMS request quotas). */
export const S3BucketKeyEnabled: OkeraRule = {
  id: 'S3BucketKeyEnabled',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The SSE-KMS bucket does not enable S3 Bucket Keys.',
  explanation: 'Without Bucket Keys every object read and write is a KMS request: Okera scans many objects, which costs KMS requests and '
    + 'can hit KMS request-rate quotas (throttling). Bucket Keys cut KMS requests by up to 99%. Set BucketKeyEnabled: true.',
  check(resource, model) {
    const kms = bucketFacts(model, resource).encryption.filter(isSseKms);
    if (kms.length === 0) {
      return NOT_APPLICABLE;
    }
    return kms.some((v) => !v.classification.bucketKeyEnabled && !v.bucketKeyUnknown)
      ? nonCompliant(`${describe(resource)} uses SSE-KMS without S3 Bucket Keys, so every object Okera reads or writes is a separate KMS `
        + 'request: KMS cost, and throttling when many workers scan at once. Fix: set BucketKeyEnabled: true in the BucketEncryption rule '
        + '(aws-cdk-lib: bucketKeyEnabled: true); note that KMS then sees the bucket ARN as the aws:s3:arn encryption context.')
      : COMPLIANT;
  },
};
