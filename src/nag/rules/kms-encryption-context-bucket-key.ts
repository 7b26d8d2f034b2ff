import { NagMessageLevel } from 'cdk-nag';
import { describe, isComparable } from '../model';
import { conditionsOn, globMatch, normalizeArn, POLICY_HOLDER_TYPES, resourceStatements } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { buckets, isSseKms } from '../s3';

const CONTEXT_KEY = 'kms:EncryptionContext:aws:s3:arn';

/** With S3 Bucket Keys, KMS sees the bucket ARN as aws:s3:arn: conditions naming only object ARNs never match. */
export const KmsEncryptionContextBucketKey: OkeraRule = {
  id: 'KmsEncryptionContextBucketKey',
  level: NagMessageLevel.ERROR,
  resourceTypes: POLICY_HOLDER_TYPES,
  info: `A ${CONTEXT_KEY} condition names only object ARNs of a bucket that uses S3 Bucket Keys.`,
  explanation: 'With Bucket Keys enabled, S3 asks KMS for a bucket-level key and the encryption context aws:s3:arn is the bucket ARN, not '
    + 'the object ARN. A condition that lists only arn/* or arn/<key> never matches, so Okera\'s decrypts and data-key requests are denied. '
    + 'Name the bucket ARN in the condition.',
  check(resource, model) {
    const bucketKeyBuckets = buckets(model).filter((b) => b.encryption.some((v) => isSseKms(v) && v.classification.bucketKeyEnabled));
    const problems = new Set<string>();
    let seen = false;
    for (const s of resourceStatements(model, resource)) {
      for (const c of conditionsOn(s, CONTEXT_KEY)) {
        seen = true;
        const values = c.values.filter(isComparable).map(normalizeArn);
        for (const bucket of bucketKeyBuckets) {
          const namesBucket = values.some((v) => bucket.arns.some((a) => globMatch(v, a)));
          const namesObjects = values.some((v) => bucket.arns.some((a) => v.startsWith(`${a}/`)));
          if (namesObjects && !namesBucket) {
            problems.add(`${describe(bucket.resource)} (condition ${c.operator} ${CONTEXT_KEY}: ${c.values.join(', ')})`);
          }
        }
      }
    }
    if (problems.size > 0) {
      return nonCompliant(`${describe(resource)} limits KMS use to object ARNs of ${[...problems].join('; ')}, but the bucket has S3 Bucket `
        + 'Keys enabled, so KMS sees the bucket ARN as aws:s3:arn and the condition never matches: reads and writes through S3 are denied. '
        + 'Fix: name the bucket ARN itself (arn:aws:s3:::<bucket>) in the condition, or turn Bucket Keys off.');
    }
    return seen ? COMPLIANT : NOT_APPLICABLE;
  },
};
