import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { MANAGED_POLICY_MAX_CHARS, policySize } from '../sizes';

/** An IAM managed policy must fit in 6,144 characters (whitespace excluded). */
export const IamManagedPolicySize: OkeraRule = {
  id: 'IamManagedPolicySize',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::IAM::ManagedPolicy'],
  info: `The IAM managed policy is larger than ${MANAGED_POLICY_MAX_CHARS} characters (whitespace excluded).`,
  explanation: 'IAM rejects managed policies over 6,144 characters, so the deployment fails. Split the statements across several managed '
    + 'policies (OkeraWorkerRole does), or use bucket name patterns.',
  check(resource, model) {
    if (resource.properties.PolicyDocument === undefined) {
      return NOT_APPLICABLE;
    }
    const chars = policySize(model, resource.stack, resource.properties.PolicyDocument, true);
    return chars > MANAGED_POLICY_MAX_CHARS
      ? nonCompliant(`${describe(resource)} has at least ${chars} characters (whitespace excluded); IAM accepts at most `
        + `${MANAGED_POLICY_MAX_CHARS} per managed policy, so the deployment fails. Fix: split the statements across several managed `
        + 'policies (OkeraWorkerRole splits automatically), or grant by bucket name pattern (OkeraWorkerRole.addBucketNamePattern).')
      : COMPLIANT;
  },
};
