import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { conditionsOn, hasAction, resourceStatements, trueWhenAbsent } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';

export const SSE_HEADER = 's3:x-amz-server-side-encryption';

/**
 * Warning: a Deny that fires when the encryption header is absent (`Null: true`, or `StringNotEquals`,
 * which IAM evaluates as true for a missing key) breaks uploads that rely on default encryption.
 */
export const S3EncryptionHeaderOptional: OkeraRule = {
  id: 'S3EncryptionHeaderOptional',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::S3::BucketPolicy'],
  info: `The bucket policy denies uploads that do not send the ${SSE_HEADER} header.`,
  explanation: 'Every bucket has default encryption (SSE-S3 at least, since January 2023), so an upload without the header is encrypted anyway. '
    + 'Denying it (Null: true, or StringNotEquals, which is true when the header is missing) breaks clients that rely on the default, '
    + 'Okera writers among them. Deny only a present-and-wrong header: StringNotEquals together with Null: false in the same statement.',
  check(resource, model) {
    const all = resourceStatements(model, resource);
    const bad = all.flatMap((s, i) => {
      const conditions = conditionsOn(s, SSE_HEADER);
      return s.effect === 'Deny' && hasAction(s, 's3:PutObject') && conditions.length > 0 && conditions.every(trueWhenAbsent)
        ? [`statement ${i + 1} (${conditions.map((c) => `${c.operator} ${c.values.join(', ')}`).join('; ')})`] : [];
    });
    if (bad.length > 0) {
      return nonCompliant(`${describe(resource)}: ${bad.join(' and ')} ${bad.length > 1 ? 'deny' : 'denies'} s3:PutObject when the ${SSE_HEADER} `
        + 'header is missing, although the bucket encrypts such uploads by default. Clients that rely on default encryption (Okera '
        + 'writers, the AWS CLI without --sse) get AccessDenied. Fix: deny only a present-and-wrong header: StringNotEquals '
        + `{ ${SSE_HEADER}: <algorithm> } together with Null { ${SSE_HEADER}: false } in the same statement.`);
    }
    return all.length > 0 ? COMPLIANT : NOT_APPLICABLE;
  },
};
