import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { baseOperator, conditionsOn, hasAction, isFalse, isTrue, resourceStatements, trueWhenAbsent } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';

const SSE_C_KEY = 's3:x-amz-server-side-encryption-customer-algorithm';

/** A bucket policy must not require or allow SSE-C uploads. */
export const S3PolicyNoSseC: OkeraRule = {
  id: 'S3PolicyNoSseC',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::BucketPolicy'],
  info: 'The bucket policy requires or allows SSE-C uploads.',
  explanation: 'SSE-C objects can only be read with the customer key sent on every request; Okera never has it. A bucket policy must not '
    + `allow uploads conditioned on ${SSE_C_KEY}, nor deny uploads that lack it. Deny the header instead (Null: false) and block SSE-C on the bucket.`,
  check(resource, model) {
    const problems: string[] = [];
    const all = resourceStatements(model, resource);
    all.forEach((s, i) => {
      const conditions = conditionsOn(s, SSE_C_KEY);
      if (conditions.length === 0) {
        return;
      }
      // An Allow that matches requests carrying the header; a Deny that matches requests without it.
      const whenPresent = conditions.some((c) => (baseOperator(c.operator) === 'Null' && c.values.some(isFalse))
        || /^String(Equals|Like)$/.test(baseOperator(c.operator)))
        && !conditions.some((c) => baseOperator(c.operator) === 'Null' && c.values.some(isTrue));
      if (s.effect === 'Allow' && whenPresent) {
        problems.push(`statement ${i + 1} allows requests that carry an SSE-C key (${SSE_C_KEY})`);
      } else if (s.effect === 'Deny' && hasAction(s, 's3:PutObject') && conditions.every(trueWhenAbsent)) {
        problems.push(`statement ${i + 1} denies uploads that do not use SSE-C, so every new object must be SSE-C`);
      }
    });
    if (problems.length > 0) {
      return nonCompliant(`${describe(resource)}: ${problems.join('; ')}. SSE-C objects can only be decrypted with the uploader's own key, `
        + `which Okera never has. Fix: remove the statement; to keep SSE-C out, deny s3:PutObject when ${SSE_C_KEY} is present `
        + '(Null: false) and set BlockedEncryptionTypes to [SSE-C] on the bucket.');
    }
    return all.length > 0 ? COMPLIANT : NOT_APPLICABLE;
  },
};
