import { NagMessageLevel } from 'cdk-nag';
import { KeyReference, keyReference } from '../keys';
import { describe } from '../model';
import { POLICY_HOLDER_TYPES, resourceStatements } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';

/** KMS statements must name keys by ARN: KMS authorizes key operations against the key ARN, never an alias. */
export const KmsResourceKeyArn: OkeraRule = {
  id: 'KmsResourceKeyArn',
  level: NagMessageLevel.ERROR,
  resourceTypes: POLICY_HOLDER_TYPES.filter((t) => t !== 'AWS::S3::BucketPolicy'),
  info: 'A KMS policy statement names a key by alias, bare key id or an invalid value instead of its key ARN.',
  explanation: 'KMS evaluates policies against the key ARN (arn:<partition>:kms:<region>:<account>:key/<id>). A Resource that is an alias ARN '
    + 'only matches alias operations, and a key id or alias name is not an ARN at all, so kms:Decrypt and kms:GenerateDataKey are denied. '
    + 'Use the key ARN (!GetAtt Key.Arn) or "*" with a kms:ViaService condition.',
  check(resource, model) {
    const bad = new Set<string>();
    let kmsStatements = 0;
    for (const s of resourceStatements(model, resource)) {
      const kmsOnly = s.actions.length > 0 && !s.notAction && s.actions.every((a) => /^kms:/i.test(a));
      if (s.notResource || (!kmsOnly && !s.actions.some((a) => /^kms:/i.test(a)))) {
        continue;
      }
      kmsStatements++;
      // Alias ARNs are the right resource for alias management (kms:CreateAlias...), nothing else.
      const keyActions = s.actions.some((a) => /^kms:/i.test(a) && !a.includes('*') && !/alias/i.test(a));
      for (const r of s.resources.filter((x) => x !== '*' && (kmsOnly || /^arn:[^:]+:kms:/.test(x)))) {
        const kind = keyReference(model, r);
        if ([KeyReference.KEY_ID, KeyReference.ALIAS_NAME, KeyReference.INVALID].includes(kind)
          || (keyActions && [KeyReference.ALIAS_ARN, KeyReference.AWS_MANAGED].includes(kind))) {
          bad.add(`'${r}' (${kind === KeyReference.AWS_MANAGED ? KeyReference.ALIAS_ARN : kind})`);
        }
      }
    }
    if (bad.size > 0) {
      return nonCompliant(`${describe(resource)} has KMS statements whose Resource is ${[...bad].join(', ')}. KMS authorizes kms:Decrypt and `
        + 'kms:GenerateDataKey against the key ARN, so these statements never match and Okera\'s reads and writes are denied. '
        + 'Fix: use the key ARN (!GetAtt Key.Arn, or arn:<partition>:kms:<region>:<account>:key/<id>; '
        + '`aws kms describe-key --key-id <alias> --query KeyMetadata.Arn` prints it).');
    }
    return kmsStatements > 0 ? COMPLIANT : NOT_APPLICABLE;
  },
};
