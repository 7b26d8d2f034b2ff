import { NagMessageLevel } from 'cdk-nag';
import { SseCBlocking } from '../../support-matrix';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, OkeraRule } from '../rule';
import { bucketFacts } from '../s3';

/** A bucket should block SSE-C explicitly (warning: the account-level default decides otherwise). */
export const S3SseCBlockDeclared: OkeraRule = {
  id: 'S3SseCBlockDeclared',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket does not declare that it blocks SSE-C uploads.',
  explanation: 'New buckets block SSE-C by default since April 2026, older buckets may not: an SSE-C object is unreadable without the '
    + 'client\'s key. Declare BlockedEncryptionTypes: { EncryptionType: [SSE-C] } so the template guarantees it.',
  check(resource, model) {
    const undeclared = bucketFacts(model, resource).encryption
      .some((v) => v.classification.sseCBlocking === SseCBlocking.NOT_DECLARED && !v.classification.unresolved);
    return undeclared
      ? nonCompliant(`${describe(resource)} does not declare BlockedEncryptionTypes, so whether SSE-C uploads are accepted depends on when `
        + 'and where the bucket was created (S3 blocks SSE-C on new buckets since April 2026). SSE-C objects can only be read with the '
        + 'uploader\'s key, never by Okera. Fix: add BlockedEncryptionTypes: { EncryptionType: [SSE-C] } to the BucketEncryption rule '
        + '(aws-cdk-lib: blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C]).')
      : COMPLIANT;
  },
};
