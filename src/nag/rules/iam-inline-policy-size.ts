import { NagMessageLevel } from 'cdk-nag';
import { identityPolicies } from '../identity';
import { describe } from '../model';
import { PRINCIPAL_TYPES } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { INLINE_POLICIES_MAX_CHARS, policySize } from '../sizes';

/** A principal's inline policies together must fit IAM's quota (role 10,240, user 2,048, group 5,120 characters). */
export const IamInlinePolicySize: OkeraRule = {
  id: 'IamInlinePolicySize',
  level: NagMessageLevel.ERROR,
  resourceTypes: PRINCIPAL_TYPES,
  info: 'The inline policies of an IAM role, user or group together exceed IAM\'s size quota.',
  explanation: 'IAM limits the total size of a principal\'s inline policies (role 10,240, group 5,120, user 2,048 characters, whitespace '
    + 'excluded); CDK\'s grants add to the DefaultPolicy, which is inline. Past the limit the deployment fails. Move permissions into '
    + 'customer managed policies (OkeraWorkerRole does).',
  check(resource, model) {
    const inline = identityPolicies(model, resource).inline;
    if (inline.length === 0) {
      return NOT_APPLICABLE;
    }
    const max = INLINE_POLICIES_MAX_CHARS[resource.type];
    const chars = inline.reduce((sum, d) => sum + policySize(model, d.stack, d.document, true), 0);
    return chars > max
      ? nonCompliant(`${describe(resource)} has inline policies of at least ${chars} characters in total (whitespace excluded; `
        + `${inline.map((d) => d.label).join(', ')}); IAM accepts at most ${max}, so the deployment fails. Fix: move the permissions into `
        + 'customer managed policies (OkeraWorkerRole keeps them there), or grant by bucket name pattern.')
      : COMPLIANT;
  },
};
