import { NagMessageLevel } from 'cdk-nag';
import { describe, isComparable } from '../model';
import { conditionsOn, globMatch, isLikeOperator, POLICY_HOLDER_TYPES, resourceStatements } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';

const S3_VIA_SERVICE = /^s3\.[a-z]{2}(-[a-z]+)+-\d+\.amazonaws\.com(\.cn)?$/;
const SAMPLE_S3_SERVICES = ['s3.us-east-1.amazonaws.com', 's3.eu-west-1.amazonaws.com', 's3.ap-southeast-2.amazonaws.com',
  's3.us-gov-west-1.amazonaws.com', 's3.cn-north-1.amazonaws.com.cn'];

/** kms:ViaService values must be able to match: no wildcard outside `...Like`, and S3 as `s3.<region>.amazonaws.com`. */
export const KmsViaServiceFormat: OkeraRule = {
  id: 'KmsViaServiceFormat',
  level: NagMessageLevel.ERROR,
  resourceTypes: POLICY_HOLDER_TYPES,
  info: 'A kms:ViaService condition can never match S3 requests (wildcard under a non-Like operator, or not s3.<region>.amazonaws.com).',
  explanation: 'When S3 calls KMS for a caller, kms:ViaService is s3.<bucket region>.amazonaws.com. A value such as s3.amazonaws.com never '
    + 'matches, and * or ? are only wildcards under StringLike; under StringEquals they are literal characters. Either way the statement '
    + 'never applies and S3 reads and writes of SSE-KMS objects are denied.',
  check(resource, model) {
    const problems = new Set<string>();
    let seen = false;
    for (const s of resourceStatements(model, resource)) {
      for (const c of conditionsOn(s, 'kms:ViaService')) {
        seen = true;
        for (const v of c.values.filter(isComparable)) {
          const like = isLikeOperator(c.operator);
          if (!like && /[*?]/.test(v)) {
            problems.add(`'${v}' under ${c.operator} (the wildcard is a literal character there; use StringLike)`);
            continue;
          }
          if (!/^s3(-|$)/.test(v.split('.')[0])) {
            continue; // another service: not ours to judge
          }
          const pattern = v.replace(/\{\{[^}]*\}\}/g, '*'); // an unresolved part (a region parameter) may be any region
          const ok = like || pattern.includes('*') ? SAMPLE_S3_SERVICES.some((x) => globMatch(pattern, x)) : S3_VIA_SERVICE.test(v);
          if (!ok) {
            problems.add(`'${v}' (S3 calls KMS as s3.<region>.amazonaws.com)`);
          }
        }
      }
    }
    if (problems.size > 0) {
      return nonCompliant(`${describe(resource)} has kms:ViaService ${[...problems].join(', ')}: the condition never matches, so KMS denies `
        + 'the decrypt and data-key requests S3 makes for Okera. Fix: use StringEquals with s3.<bucket region>.amazonaws.com '
        + '(e.g. s3.us-east-1.amazonaws.com, or !Sub s3.${AWS::Region}.amazonaws.com), or StringLike for a pattern such as s3.*.amazonaws.com.');
    }
    return seen ? COMPLIANT : NOT_APPLICABLE;
  },
};
