import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, OkeraRule } from '../rule';
import { bucketFacts } from '../s3';

/** A bucket should declare its default encryption (warning: S3 applies SSE-S3 when none is declared). */
export const S3EncryptionDeclared: OkeraRule = {
  id: 'S3EncryptionDeclared',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket declares no default encryption (BucketEncryption).',
  explanation: 'Since January 2023 S3 encrypts new objects with SSE-S3 when a bucket declares nothing, so Okera can read them, '
    + 'but the encryption Okera depends on should be stated in the template. Declare BucketEncryption with AES256 or aws:kms.',
  check(resource, model) {
    const undeclared = bucketFacts(model, resource).encryption.some((v) => !v.classification.declared && !v.classification.unresolved);
    return undeclared
      ? nonCompliant(`${describe(resource)} declares no default encryption${resource.properties.BucketEncryption === undefined ? '' : ' under some template conditions'}. `
        + 'S3 then applies SSE-S3 (since January 2023), which Okera can read, but nothing in the template says so. '
        + 'Fix: declare BucketEncryption with SSEAlgorithm AES256 (SSE-S3) or aws:kms and a customer managed key ARN (SSE-KMS).')
      : COMPLIANT;
  },
};
