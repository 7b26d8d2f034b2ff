import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { KEY_POLICY_MAX_BYTES, policySize } from '../sizes';

/** A KMS key policy must fit in 32,768 bytes. */
export const KmsKeyPolicySize: OkeraRule = {
  id: 'KmsKeyPolicySize',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::KMS::Key'],
  info: `The KMS key policy is larger than ${KEY_POLICY_MAX_BYTES} bytes.`,
  explanation: 'KMS rejects key policies over 32 KB, so the deployment fails (CDK does not check this). Grant an AWS Organization '
    + '(aws:PrincipalOrgID) instead of many accounts, and merge principals into shared statements (CrossAccountKmsGrant does).',
  check(resource, model) {
    if (resource.properties.KeyPolicy === undefined) {
      return NOT_APPLICABLE;
    }
    const bytes = policySize(model, resource.stack, resource.properties.KeyPolicy, false);
    return bytes > KEY_POLICY_MAX_BYTES
      ? nonCompliant(`${describe(resource)} has a key policy of at least ${bytes} bytes; KMS accepts at most ${KEY_POLICY_MAX_BYTES}, so `
        + 'creating or updating the key fails. Fix: grant an AWS Organization (aws:PrincipalOrgID or aws:PrincipalOrgPaths) instead of '
        + 'listing accounts, and merge principals into shared statements (CrossAccountKmsGrant does both).')
      : COMPLIANT;
  },
};
