import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { baseOperator, conditionsOn, globMatch, hasAction, isLikeOperator, resourceStatements } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { bucketsNamed, coversObjects } from '../s3';
import { SSE_HEADER } from './s3-encryption-header-optional';

/**
 * A bucket policy must not deny uploads that request the bucket's own default algorithm (e.g. require
 * AES256 on an aws:kms bucket, or aws:kms on an SSE-S3 bucket).
 */
export const S3PolicyAlgorithmMatchesDefault: OkeraRule = {
  id: 'S3PolicyAlgorithmMatchesDefault',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::BucketPolicy'],
  info: 'The bucket policy denies uploads that request the bucket\'s own default encryption algorithm.',
  explanation: 'A Deny on s3:x-amz-server-side-encryption that requires another algorithm than the bucket\'s default (AES256 on an aws:kms '
    + 'bucket, or aws:kms on an SSE-S3 bucket) rejects every upload that asks for the bucket\'s own encryption; only uploads that override '
    + 'it get through, so data ends up encrypted differently from what the bucket (and Okera\'s grants) declare.',
  check(resource, model) {
    const targets = bucketsNamed(model, resource.stack, resource.properties.Bucket);
    if (targets.length === 0) {
      return NOT_APPLICABLE;
    }
    const problems = new Set<string>();
    resourceStatements(model, resource).forEach((s, i) => {
      if (s.effect !== 'Deny' || !hasAction(s, 's3:PutObject')) {
        return;
      }
      for (const c of conditionsOn(s, SSE_HEADER)) {
        const op = baseOperator(c.operator);
        if (!/^String(Not)?(Equals|Like)$/.test(op)) {
          continue;
        }
        const named = (alg: string) => c.values.some((v) => (isLikeOperator(op) ? globMatch(v, alg) : v === alg));
        const denies = (alg: string) => (op.startsWith('StringNot') ? !named(alg) : named(alg));
        for (const bucket of targets.filter((b) => s.resources.some((r) => coversObjects(r, b)))) {
          for (const v of bucket.encryption.filter((x) => !x.classification.unresolved)) {
            const algorithm = v.classification.sseAlgorithm ?? 'AES256'; // S3's default since January 2023
            if (denies(algorithm)) {
              problems.add(`statement ${i + 1} (${c.operator} ${c.values.join(', ')}) denies uploads that request '${algorithm}', `
                + `the default encryption of ${describe(bucket.resource)}`);
            }
          }
        }
      }
    });
    if (problems.size > 0) {
      return nonCompliant(`${describe(resource)}: ${[...problems].join('; ')}. Every upload that asks for the bucket's own encryption is `
        + 'rejected and only uploads that override it are accepted, so objects end up encrypted differently from what the bucket declares '
        + '(and from the KMS permissions granted for it). Fix: make the policy require the bucket\'s algorithm (deny when the header is '
        + 'present and not the bucket\'s algorithm), or change the bucket\'s default encryption to the algorithm the policy requires.');
    }
    return COMPLIANT;
  },
};
