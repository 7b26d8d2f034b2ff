import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { Condition, hasAction, resourceStatements, Statement, trueWhenAbsent } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';

export const SSE_HEADER = 's3:x-amz-server-side-encryption';
export const SSE_KMS_KEY_ID_HEADER = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/** The headers an upload that relies on default encryption leaves out. */
const ENCRYPTION_HEADERS = [SSE_HEADER, SSE_KMS_KEY_ID_HEADER];

/**
 * Warning: a Deny that fires when the encryption headers are absent breaks uploads that rely on default
 * encryption. A Deny of s3:PutObject fires for a header-less upload when every one of its conditions on
 * s3:x-amz-server-side-encryption and s3:x-amz-server-side-encryption-aws-kms-key-id holds for a request
 * that carries neither (`Null: true`, `...IfExists`, or a negated operator such as `StringNotEquals`,
 * which IAM evaluates as true for a missing key). Conditions on other keys are not considered; a
 * statement without a condition on either header is not this rule's concern.
 */
export const S3EncryptionHeaderOptional: OkeraRule = {
  id: 'S3EncryptionHeaderOptional',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::S3::BucketPolicy'],
  info: `The bucket policy denies uploads that send no encryption header (neither ${SSE_HEADER} nor ${SSE_KMS_KEY_ID_HEADER}).`,
  explanation: 'Every bucket has default encryption (SSE-S3 at least, since January 2023), so an upload without encryption headers is encrypted anyway. '
    + `Denying it (Null: true, StringNotEquals or StringNotEqualsIfExists, which are true when the header is missing, on ${SSE_HEADER} `
    + `or on ${SSE_KMS_KEY_ID_HEADER}) breaks clients that rely on the default, Okera writers among them. `
    + 'Deny only a present-and-wrong header: add Null: false on the header to the same statement '
    + `(for the key id: StringNotEqualsIfExists { ${SSE_KMS_KEY_ID_HEADER}: <key ARN> } with Null { ${SSE_HEADER}: false }).`,
  check(resource, model) {
    const all = resourceStatements(model, resource);
    const bad = all.flatMap((s, i) => {
      const conditions = headerConditions(s);
      return s.effect === 'Deny' && hasAction(s, 's3:PutObject') && conditions.length > 0 && conditions.every(trueWhenAbsent)
        ? [{ label: `statement ${i + 1} (${conditions.map((c) => `${c.operator} ${c.key}: ${c.values.join(', ')}`).join('; ')})`, conditions }] : [];
    });
    if (bad.length > 0) {
      const on = (key: string) => bad.some((b) => b.conditions.some((c) => c.key.toLowerCase() === key.toLowerCase()));
      const fixes = [
        ...(on(SSE_HEADER) ? [`StringNotEquals { ${SSE_HEADER}: <algorithm> } together with Null { ${SSE_HEADER}: false }`] : []),
        ...(on(SSE_KMS_KEY_ID_HEADER) ? [`StringNotEqualsIfExists { ${SSE_KMS_KEY_ID_HEADER}: <key ARN> } together with `
          + `Null { ${SSE_HEADER}: false } (this also denies aws:kms without a key id, which would use the aws/s3 key)`] : []),
      ];
      return nonCompliant(`${describe(resource)}: ${bad.map((b) => b.label).join(' and ')} ${bad.length > 1 ? 'deny' : 'denies'} s3:PutObject `
        + `when the upload sends no encryption header (neither ${SSE_HEADER} nor ${SSE_KMS_KEY_ID_HEADER}), although the bucket `
        + 'encrypts such uploads by default. Clients that rely on default encryption (Okera writers, the AWS CLI without --sse) get '
        + `AccessDenied. Fix: deny only a present-and-wrong header, with both conditions in the same statement: ${fixes.join('; ')}.`);
    }
    return all.length > 0 ? COMPLIANT : NOT_APPLICABLE;
  },
};

/** The statement's conditions on either encryption header, in statement order. */
function headerConditions(s: Statement): Condition[] {
  return s.conditions.filter((c) => ENCRYPTION_HEADERS.some((h) => c.key.toLowerCase() === h.toLowerCase()));
}
